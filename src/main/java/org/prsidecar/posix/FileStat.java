package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.nio.file.Path;

/**
 * What {@code stat(2)} says about a file. Times are nanoseconds since the epoch; uid and
 * gid are the raw 32-bit values. {@code device} and {@code rdevice} use glibc's dev_t
 * encoding ({@link #major}, {@link #minor}).
 */
public record FileStat(long device, long inode, int mode, long links, int uid, int gid,
        long rdevice, long size, long mtimeNanos, long ctimeNanos) {

    static final int S_IFMT = 0170000;
    static final int S_IFSOCK = 0140000;
    static final int S_IFLNK = 0120000;
    static final int S_IFREG = 0100000;
    static final int S_IFBLK = 0060000;
    static final int S_IFDIR = 0040000;
    static final int S_IFCHR = 0020000;
    static final int S_IFIFO = 0010000;

    private static final int AT_FDCWD = -100;
    private static final int AT_SYMLINK_NOFOLLOW = 0x100;

    /** fstat(2) of an open fd. */
    public static FileStat of(int fd) throws PosixException {
        Arch arch = PosixPlatform.arch();
        Memory buf = Scratch.get().stat;
        long r;
        int errno;
        do {
            r = LibC.syscall(arch.sysFstat, fd, buf);
            errno = r < 0 ? LibC.errno() : 0;
        } while (r < 0 && errno == Errno.EINTR);
        if (r < 0) {
            throw new PosixException(errno, "fstat", null, "fd " + fd);
        }
        return decode(arch, buf);
    }

    /** stat(2) ({@code followLinks}) or lstat(2) of a path. */
    public static FileStat of(Path path, boolean followLinks) throws PosixException {
        Arch arch = PosixPlatform.arch();
        byte[] p = CString.of(path);
        Memory buf = Scratch.get().stat;
        long r;
        int errno;
        do {
            r = LibC.syscall(arch.sysNewfstatat, AT_FDCWD, p, buf, followLinks ? 0 : AT_SYMLINK_NOFOLLOW);
            errno = r < 0 ? LibC.errno() : 0;
        } while (r < 0 && errno == Errno.EINTR);
        if (r < 0) {
            throw new PosixException(errno, followLinks ? "stat" : "lstat", path);
        }
        return decode(arch, buf);
    }

    private static FileStat decode(Arch a, Memory m) {
        long links = a.stNlinkIsLong ? m.getLong(a.stNlink) : Integer.toUnsignedLong(m.getInt(a.stNlink));
        return new FileStat(
                m.getLong(a.stDev),
                m.getLong(a.stIno),
                m.getInt(a.stMode),
                links,
                m.getInt(a.stUid),
                m.getInt(a.stGid),
                m.getLong(a.stRdev),
                m.getLong(a.stSize),
                m.getLong(a.stMtime) * 1_000_000_000L + m.getLong(a.stMtimeNsec),
                m.getLong(a.stCtime) * 1_000_000_000L + m.getLong(a.stCtimeNsec));
    }

    /** glibc's gnu_dev_major. */
    public static int major(long dev) {
        return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0x00000fffL));
    }

    /** glibc's gnu_dev_minor. */
    public static int minor(long dev) {
        return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0x000000ffL));
    }

    /** glibc's gnu_dev_makedev. */
    public static long makeDevice(int major, int minor) {
        long ma = Integer.toUnsignedLong(major);
        long mi = Integer.toUnsignedLong(minor);
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32)
                | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    /** The permission bits (mode &amp; 07777). */
    public int permissions() {
        return mode & 07777;
    }

    public boolean isRegularFile() {
        return (mode & S_IFMT) == S_IFREG;
    }

    public boolean isDirectory() {
        return (mode & S_IFMT) == S_IFDIR;
    }

    public boolean isBlockDevice() {
        return (mode & S_IFMT) == S_IFBLK;
    }

    public boolean isCharacterDevice() {
        return (mode & S_IFMT) == S_IFCHR;
    }

    public boolean isSocket() {
        return (mode & S_IFMT) == S_IFSOCK;
    }

    public boolean isSymlink() {
        return (mode & S_IFMT) == S_IFLNK;
    }

    public boolean isFifo() {
        return (mode & S_IFMT) == S_IFIFO;
    }

    /** Whether both describe the same file (same device and inode). */
    public boolean sameFileAs(FileStat other) {
        return device == other.device && inode == other.inode;
    }

    /** "regular file", "directory", "socket", ... for messages. */
    public String kindName() {
        switch (mode & S_IFMT) {
            case S_IFREG: return "regular file";
            case S_IFDIR: return "directory";
            case S_IFBLK: return "block device";
            case S_IFCHR: return "character device";
            case S_IFSOCK: return "socket";
            case S_IFLNK: return "symbolic link";
            case S_IFIFO: return "fifo";
            default: return "file of type 0" + Integer.toOctalString(mode & S_IFMT);
        }
    }
}
