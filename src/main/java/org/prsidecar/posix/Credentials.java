package org.prsidecar.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.OptionalInt;

/**
 * The process's identity, user and group look-ups (through NSS, so LDAP/SSSD users work),
 * and the one-way privilege drop a daemon started as root does after binding its socket.
 */
public final class Credentials {
    private static final int ERANGE = Errno.ERANGE;
    private static final int MAX_NSS_BUFFER = 1 << 20;
    /** struct passwd: pw_uid @16, pw_gid @20 (LP64: two pointers before them). */
    private static final int PW_UID = 16;
    private static final int PW_GID = 20;
    private static final int PASSWD_SIZE = 48;
    /** struct group: gr_gid @16. */
    private static final int GR_GID = 16;
    private static final int GROUP_SIZE = 32;

    private Credentials() {
    }

    public static int pid() {
        PosixPlatform.arch();
        return LibC.getpid();
    }

    public static int uid() {
        PosixPlatform.arch();
        return LibC.getuid();
    }

    public static int euid() {
        PosixPlatform.arch();
        return LibC.geteuid();
    }

    public static int gid() {
        PosixPlatform.arch();
        return LibC.getgid();
    }

    public static int egid() {
        PosixPlatform.arch();
        return LibC.getegid();
    }

    /** The supplementary group ids (getgroups). */
    public static int[] groups() {
        PosixPlatform.arch();
        int n = LibC.getgroups(0, null);
        int[] list = new int[Math.max(n, 1)];
        n = LibC.getgroups(list.length, list);
        if (n < 0) {
            throw new UncheckedIOException(new PosixException(LibC.errno(), "getgroups", null));
        }
        return Arrays.copyOf(list, n);
    }

    /**
     * The uid of a user name (getpwnam_r), or of a numeric string; empty if no such user.
     *
     * @throws UncheckedIOException wrapping a PosixException if the look-up itself failed
     *     (e.g. the NSS back end is unreachable): "no such user" is not claimed then
     */
    public static OptionalInt userId(String name) {
        PosixPlatform.arch();
        Memory pwd = new Memory(PASSWD_SIZE);
        if (lookUp("getpwnam_r", name, (buf, result) -> LibC.getpwnam_r(CString.of(name), pwd, buf, buf.size(), result))) {
            return OptionalInt.of(pwd.getInt(PW_UID));
        }
        return numeric(name);
    }

    /** The gid of a group name (getgrnam_r), or of a numeric string; empty if no such group. */
    public static OptionalInt groupId(String name) {
        PosixPlatform.arch();
        Memory grp = new Memory(GROUP_SIZE);
        if (lookUp("getgrnam_r", name, (buf, result) -> LibC.getgrnam_r(CString.of(name), grp, buf, buf.size(), result))) {
            return OptionalInt.of(grp.getInt(GR_GID));
        }
        return numeric(name);
    }

    /** The primary gid of a uid from the user database (getpwuid_r); empty if unknown. */
    public static OptionalInt primaryGroupOf(int uid) {
        PosixPlatform.arch();
        Memory pwd = new Memory(PASSWD_SIZE);
        if (lookUp("getpwuid_r", Integer.toUnsignedString(uid),
                (buf, result) -> LibC.getpwuid_r(uid, pwd, buf, buf.size(), result))) {
            return OptionalInt.of(pwd.getInt(PW_GID));
        }
        return OptionalInt.empty();
    }

    private interface NssCall {
        int call(Memory buf, Pointer result);
    }

    private static boolean lookUp(String call, String what, NssCall nss) {
        if (what.isEmpty()) {
            return false;
        }
        Memory result = new Memory(com.sun.jna.Native.POINTER_SIZE);
        for (int size = 1024; ; size *= 2) {
            Memory buf = new Memory(size);
            result.setPointer(0, null);
            int rc = nss.call(buf, result);
            if (rc == 0) {
                return result.getPointer(0) != null;
            }
            if (rc == ERANGE && size < MAX_NSS_BUFFER) {
                continue;
            }
            // "not found" may come back as one of these (getpwnam_r(3))
            if (rc == Errno.ENOENT || rc == Errno.ESRCH || rc == Errno.EBADF || rc == Errno.EPERM) {
                return false;
            }
            throw new UncheckedIOException(new PosixException(rc, call, null, what));
        }
    }

    private static OptionalInt numeric(String s) {
        if (s.isEmpty() || s.length() > 10 || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return OptionalInt.empty();
        }
        long v = Long.parseLong(s);
        return v <= 0xFFFFFFFEL ? OptionalInt.of((int) v) : OptionalInt.empty();
    }

    /**
     * Drops root for good: setgroups to just {@code gid}, setgid, setuid (glibc applies each
     * to every thread of the JVM). Then verifies that real and effective ids changed, that
     * the supplementary groups are just {@code gid}, and that setuid(0) now fails.
     *
     * @throws IllegalArgumentException for uid 0 (not a drop) or negative ids
     * @throws PosixException if one of the calls failed (e.g. EPERM when not root)
     * @throws IllegalStateException if the calls succeeded but the check found privileges
     *     left; the process must not go on
     */
    public static void dropTo(int uid, int gid) throws PosixException {
        if (uid == 0) {
            throw new IllegalArgumentException("dropping to uid 0 drops nothing");
        }
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("invalid uid/gid " + uid + "/" + gid);
        }
        PosixPlatform.arch();
        if (LibC.setgroups(1, new int[] {gid}) < 0) {
            throw new PosixException(LibC.errno(), "setgroups", null, "[" + gid + "]");
        }
        if (LibC.setgid(gid) < 0) {
            throw new PosixException(LibC.errno(), "setgid", null, Integer.toString(gid));
        }
        if (LibC.setuid(uid) < 0) {
            throw new PosixException(LibC.errno(), "setuid", null, Integer.toString(uid));
        }
        StringBuilder left = new StringBuilder();
        if (LibC.getuid() != uid || LibC.geteuid() != uid) {
            left.append(" uid/euid ").append(LibC.getuid()).append('/').append(LibC.geteuid());
        }
        if (LibC.getgid() != gid || LibC.getegid() != gid) {
            left.append(" gid/egid ").append(LibC.getgid()).append('/').append(LibC.getegid());
        }
        int[] groups = groups();
        if (groups.length > 1 || (groups.length == 1 && groups[0] != gid)) {
            left.append(" groups ").append(Arrays.toString(groups));
        }
        if (LibC.setuid(0) == 0) {
            left.append(" setuid(0) still succeeds");
        }
        if (left.length() > 0) {
            throw new IllegalStateException("privilege drop to " + uid + ":" + gid + " did not take:" + left);
        }
    }

    /**
     * Changes only the group: setgroups to just {@code gid}, then setgid; the user stays (as
     * qemu-pr-helper does with -g alone). Verifies the result like {@link #dropTo}.
     */
    public static void changeGroupTo(int gid) throws PosixException {
        if (gid < 0) {
            throw new IllegalArgumentException("invalid gid " + gid);
        }
        PosixPlatform.arch();
        if (LibC.setgroups(1, new int[] {gid}) < 0) {
            throw new PosixException(LibC.errno(), "setgroups", null, "[" + gid + "]");
        }
        if (LibC.setgid(gid) < 0) {
            throw new PosixException(LibC.errno(), "setgid", null, Integer.toString(gid));
        }
        int[] groups = groups();
        if (LibC.getgid() != gid || LibC.getegid() != gid || groups.length > 1
                || (groups.length == 1 && groups[0] != gid)) {
            throw new IllegalStateException("group change to " + gid + " did not take: gid/egid " + LibC.getgid()
                    + "/" + LibC.getegid() + ", groups " + Arrays.toString(groups));
        }
    }
}
