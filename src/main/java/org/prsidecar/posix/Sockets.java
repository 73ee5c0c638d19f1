package org.prsidecar.posix;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.nio.file.Path;

/** AF_UNIX constants and {@code struct sockaddr_un} (the same on x86_64 and aarch64). */
final class Sockets {
    static final int AF_UNIX = 1;
    static final int SOCK_STREAM = 1;
    static final int SOCK_CLOEXEC = Arch.O_CLOEXEC;
    static final int SOCK_NONBLOCK = 04000;
    static final int SOL_SOCKET = 1;
    static final int SO_TYPE = 3;
    static final int SO_PEERCRED = 17;
    static final int SO_RCVTIMEO = 20;
    static final int SO_ACCEPTCONN = 30;
    static final int SO_DOMAIN = 39;
    static final int SCM_RIGHTS = 1;
    static final int MSG_CTRUNC = 0x8;
    static final int MSG_NOSIGNAL = 0x4000;
    static final int MSG_CMSG_CLOEXEC = 0x40000000;
    static final int SHUT_RDWR = 2;

    /** sizeof(struct sockaddr_un): sa_family_t + char sun_path[108]. */
    static final int SOCKADDR_UN_SIZE = 110;
    /** Longest path that fits in sun_path with its NUL. */
    static final int MAX_PATH_BYTES = 107;

    private Sockets() {
    }

    /** A socket(2) call with CLOEXEC; throws on failure. */
    static int socket(int flags, Path forMessages) throws PosixException {
        int fd = LibC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
        if (fd < 0) {
            throw new PosixException(LibC.errno(), "socket", forMessages);
        }
        return fd;
    }

    /** The encoded path, checked against sun_path's size. */
    static byte[] socketPath(Path path, String call) throws PosixException {
        byte[] p = CString.of(path);
        if (CString.length(p) > MAX_PATH_BYTES) {
            throw new PosixException(Errno.ENAMETOOLONG, call, path, "an AF_UNIX socket path is at most "
                    + MAX_PATH_BYTES + " bytes, this one has " + CString.length(p));
        }
        return p;
    }

    static Memory address(byte[] cpath) {
        Memory addr = new Memory(SOCKADDR_UN_SIZE);
        addr.clear();
        addr.setShort(0, (short) AF_UNIX);
        addr.write(2, cpath, 0, cpath.length);
        return addr;
    }

    static int addressLength(byte[] cpath) {
        return 2 + cpath.length;
    }

    /**
     * The path in a sockaddr_un of {@code length} bytes; null for an unnamed socket, and
     * an "@name" string for an abstract one (as ss(8) shows it).
     */
    static String decodePath(Pointer addr, int length) {
        if (length <= 2) {
            return null;
        }
        byte[] raw = addr.getByteArray(2, Math.min(length, SOCKADDR_UN_SIZE) - 2);
        if (raw[0] == 0) {
            return "@" + new String(raw, 1, raw.length - 1, CString.FILE_NAMES);
        }
        int n = 0;
        while (n < raw.length && raw[n] != 0) {
            n++;
        }
        return new String(raw, 0, n, CString.FILE_NAMES);
    }

    /** getsockopt(2) of an int option; throws on failure. */
    static int intOption(int fd, int option, String name) throws PosixException {
        try (Memory value = new Memory(4); Memory len = new Memory(4)) {
            value.setInt(0, 0);
            len.setInt(0, 4);
            if (LibC.getsockopt(fd, SOL_SOCKET, option, value, len) < 0) {
                int errno = LibC.errno();
                throw new PosixException(errno, "getsockopt(" + name + ")", null, "fd " + fd);
            }
            return value.getInt(0);
        }
    }
}
