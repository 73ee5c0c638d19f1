package org.prsidecar.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Operations on raw fd numbers (for fds this code does not wrap, e.g. received ones). */
public final class Fd {
    /** Access modes returned by {@link #accessMode(int)}. */
    public static final int O_RDONLY = Arch.O_RDONLY;
    public static final int O_WRONLY = Arch.O_WRONLY;
    public static final int O_RDWR = Arch.O_RDWR;

    static final int F_GETFD = 1;
    static final int F_SETFD = 2;
    static final int F_GETFL = 3;
    static final int FD_CLOEXEC = 1;

    private Fd() {
    }

    /**
     * close(2). Never retried: Linux releases the fd even when close reports an error.
     *
     * @throws PosixException EBADF if it was not open; EIO etc. as close(2) reports them
     */
    public static void close(int fd) throws PosixException {
        PosixPlatform.arch();
        if (LibC.close(fd) < 0) {
            int errno = LibC.errno();
            if (errno != Errno.EINTR) {
                throw new PosixException(errno, "close", null, "fd " + fd);
            }
        }
    }

    /** Closes and ignores errors; for cleanup paths. Negative fds are ignored. */
    public static void closeQuietly(int fd) {
        if (fd >= 0) {
            PosixPlatform.arch();
            LibC.close(fd);
        }
    }

    /** Whether {@code fd} is an open file descriptor of this process (fcntl F_GETFD). */
    /** dup(2) with close-on-exec: a second fd for the same open file description. */
    public static int dup(int fd) throws PosixException {
        PosixPlatform.arch();
        int copy = LibC.dup(fd);
        if (copy < 0) {
            throw new PosixException(LibC.errno(), "dup", null, "fd " + fd);
        }
        setCloseOnExec(copy);
        return copy;
    }

    public static boolean isOpen(int fd) {
        PosixPlatform.arch();
        return fd >= 0 && LibC.fcntl(fd, F_GETFD, 0L) >= 0;
    }

    /**
     * What the fd refers to, as the kernel names it in /proc/self/fd/N: a path (with
     * " (deleted)" appended if unlinked), or e.g. {@code socket:[1234]}.
     */
    public static Path readLink(int fd) throws IOException {
        return Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd));
    }

    /** O_ACCMODE of F_GETFL: {@link #O_RDONLY}, {@link #O_WRONLY} or {@link #O_RDWR}. */
    public static int accessMode(int fd) throws PosixException {
        PosixPlatform.arch();
        int flags = LibC.fcntl(fd, F_GETFL, 0L);
        if (flags < 0) {
            throw new PosixException(LibC.errno(), "fcntl(F_GETFL)", null, "fd " + fd);
        }
        return flags & Arch.O_ACCMODE;
    }

    /** Sets FD_CLOEXEC (for inherited fds). */
    static void setCloseOnExec(int fd) throws PosixException {
        int flags = LibC.fcntl(fd, F_GETFD, 0L);
        if (flags < 0 || LibC.fcntl(fd, F_SETFD, (long) (flags | FD_CLOEXEC)) < 0) {
            throw new PosixException(LibC.errno(), "fcntl(F_SETFD)", null, "fd " + fd);
        }
    }
}
