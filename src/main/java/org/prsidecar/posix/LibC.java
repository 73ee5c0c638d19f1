package org.prsidecar.posix;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * The C library functions this package calls, bound by JNA direct mapping ({@link
 * Native#register}, done by {@link PosixPlatform}; never touch this class before {@link
 * PosixPlatform#arch()} has returned). Errors are read with {@link #errno()} right after
 * the call: cheaper than {@code LastErrorException}, which costs a stack trace per failed
 * call (a failed lock attempt is a normal event here).
 *
 * <p>{@code open}, {@code fcntl}, {@code ioctl} and {@code syscall} are variadic in C and
 * are bound here with fixed argument lists: on x86_64 (libffi sets %al) and on aarch64
 * Linux (AAPCS64: variadic arguments go in the same registers as named ones) that is the
 * same call. Paths are NUL-terminated byte arrays ({@link CString}), never Java strings,
 * so their encoding is the JDK's file name encoding.
 */
final class LibC {
    private LibC() {
    }

    /** errno of the last call made by this thread. */
    static int errno() {
        return Native.getLastError();
    }

    // files
    static native int open(byte[] path, int flags, int mode);

    static native int close(int fd);

    static native int dup(int fd);

    static native long pread(int fd, Pointer buf, long count, long offset);

    static native long pwrite(int fd, Pointer buf, long count, long offset);

    static native int fsync(int fd);

    static native int fdatasync(int fd);

    static native int ftruncate(int fd, long length);

    /** fcntl with a pointer argument (struct flock). */
    static native int fcntl(int fd, int cmd, Pointer arg);

    /** fcntl with an integer argument (F_GETFD, F_SETFD, F_GETFL). */
    static native int fcntl(int fd, int cmd, long arg);

    /** syscall(SYS_fstat, fd, buf). */
    static native long syscall(long number, int fd, Pointer buf);

    /** syscall(SYS_newfstatat, dirfd, path, buf, flags). */
    static native long syscall(long number, int dirfd, byte[] path, Pointer buf, int flags);

    static native int statfs(byte[] path, Pointer buf);

    static native int fstatfs(int fd, Pointer buf);

    static native int unlink(byte[] path);

    static native int chmod(byte[] path, int mode);

    static native int ioctl(int fd, long request, Pointer arg);

    // sockets
    static native int socket(int domain, int type, int protocol);

    static native int bind(int fd, Pointer addr, int addrlen);

    static native int listen(int fd, int backlog);

    static native int accept4(int fd, Pointer addr, Pointer addrlen, int flags);

    static native int connect(int fd, Pointer addr, int addrlen);

    static native int getsockopt(int fd, int level, int name, Pointer value, Pointer len);

    static native int setsockopt(int fd, int level, int name, Pointer value, int len);

    static native int getsockname(int fd, Pointer addr, Pointer addrlen);

    static native long recvmsg(int fd, Pointer msg, int flags);

    static native long sendmsg(int fd, Pointer msg, int flags);

    static native int shutdown(int fd, int how);

    static native int poll(Pointer fds, long nfds, int timeoutMillis);

    // process identity
    static native int getpid();

    static native int getuid();

    static native int geteuid();

    static native int getgid();

    static native int getegid();

    static native int setuid(int uid);

    static native int setgid(int gid);

    static native int setgroups(long size, int[] list);

    static native int getgroups(int size, int[] list);

    static native int getpwnam_r(byte[] name, Pointer pwd, Pointer buf, long buflen, Pointer result);

    static native int getpwuid_r(int uid, Pointer pwd, Pointer buf, long buflen, Pointer result);

    static native int getgrnam_r(byte[] name, Pointer grp, Pointer buf, long buflen, Pointer result);
}
