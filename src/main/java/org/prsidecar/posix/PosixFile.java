package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;

/**
 * An open file descriptor with positional I/O. Opened with O_CLOEXEC and O_NOFOLLOW (a
 * symbolic link as the last path component fails with ELOOP; links in the directories
 * above are followed as usual). Interrupted calls (EINTR) are retried.
 *
 * <p>Calls may come from several threads. {@link #close()} from one thread while another
 * is in a call defers the actual close(2) until that call returns, so the fd number is
 * never reused under a running call.
 */
public final class PosixFile implements AutoCloseable {
    private final FdRef ref;
    private final Path path;

    private PosixFile(int fd, Path path) {
        this.ref = new FdRef(fd);
        this.path = path;
    }

    /**
     * Opens {@code path}.
     *
     * @param createMode permission bits for a file created by {@link OpenMode#READ_WRITE_CREATE}
     *     (less the umask); ignored otherwise
     * @throws PosixException with the errno of open(2); ELOOP for a symbolic link
     */
    public static PosixFile open(Path path, OpenMode mode, int createMode) throws PosixException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        if ((createMode & ~07777) != 0) {
            throw new IllegalArgumentException("createMode 0" + Integer.toOctalString(createMode)
                    + " has bits outside 07777");
        }
        Arch arch = PosixPlatform.arch();
        byte[] p = CString.of(path);
        int flags = mode.flags | Arch.O_CLOEXEC | arch.oNofollow;
        int fd;
        int errno;
        do {
            fd = LibC.open(p, flags, createMode);
            errno = fd < 0 ? LibC.errno() : 0;
        } while (fd < 0 && errno == Errno.EINTR);
        if (fd < 0) {
            throw new PosixException(errno, "open", path,
                    errno == Errno.ELOOP ? "a symbolic link (opened with O_NOFOLLOW)" : null);
        }
        return new PosixFile(fd, path);
    }

    /**
     * Takes ownership of a raw fd (one received by SCM_RIGHTS, or inherited); closing the
     * returned object closes it.
     *
     * @throws PosixException EBADF if {@code fd} is not open
     */
    public static PosixFile adopt(int fd) throws PosixException {
        PosixPlatform.arch();
        if (fd < 0) {
            throw new IllegalArgumentException("negative fd " + fd);
        }
        if (LibC.fcntl(fd, Fd.F_GETFD, 0L) < 0) {
            throw new PosixException(LibC.errno(), "fcntl(F_GETFD)", null, "cannot adopt fd " + fd);
        }
        return new PosixFile(fd, null);
    }

    /** The fd number. @throws IllegalStateException once closed */
    public int fd() {
        if (ref.isClosed()) {
            throw new IllegalStateException("closed: " + this);
        }
        return ref.fd();
    }

    /** The path it was opened with; empty for an adopted fd. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    public boolean isOpen() {
        return !ref.isClosed();
    }

    /**
     * pread(2): reads up to {@code len} bytes at {@code position} (at most 64 KiB per call).
     *
     * @return the number of bytes read; 0 at end of file (for {@code len > 0})
     */
    public int read(byte[] dst, int off, int len, long position) throws PosixException {
        Objects.checkFromIndexSize(off, len, dst.length);
        checkPosition(position);
        if (len == 0) {
            return 0;
        }
        int fd = enter("pread");
        try {
            Memory buf = Scratch.get().io();
            int n = (int) Math.min(len, buf.size());
            long r;
            int errno;
            do {
                r = LibC.pread(fd, buf, n, position);
                errno = r < 0 ? LibC.errno() : 0;
            } while (r < 0 && errno == Errno.EINTR);
            if (r < 0) {
                throw new PosixException(errno, "pread", path, detail());
            }
            buf.read(0, dst, off, (int) r);
            return (int) r;
        } finally {
            ref.exit();
        }
    }

    /**
     * Reads the whole file from offset 0 to its end.
     *
     * @throws PosixException EFBIG if the file holds more than {@code maxBytes} bytes
     */
    public byte[] readAll(int maxBytes) throws PosixException {
        if (maxBytes < 0 || maxBytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("maxBytes " + maxBytes);
        }
        long size = stat().size();
        if (size > maxBytes) {
            throw tooLarge(size + " bytes", maxBytes);
        }
        // one byte more than fstat says, to see the end of file (or growth) in the same pass
        byte[] buf = new byte[(int) Math.min((long) maxBytes + 1, Math.max(size, 0) + 1)];
        int total = 0;
        while (true) {
            if (total == buf.length) {
                if (total > maxBytes) {
                    throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
                }
                buf = Arrays.copyOf(buf, (int) Math.min((long) maxBytes + 1, Math.max(2L * buf.length, 4096)));
            }
            int r = read(buf, total, buf.length - total, total);
            if (r == 0) {
                break;
            }
            total += r;
        }
        if (total > maxBytes) {
            throw tooLarge("more than " + maxBytes + " bytes", maxBytes);
        }
        return total == buf.length ? buf : Arrays.copyOf(buf, total);
    }

    private PosixException tooLarge(String size, int maxBytes) {
        return new PosixException(Errno.EFBIG, "read", path,
                "the file holds " + size + ", over the limit of " + maxBytes + " bytes");
    }

    /** pwrite(2) of all of {@code src} at {@code position}, looping over partial writes. */
    public void writeFully(byte[] src, long position) throws PosixException {
        writeFully(src, 0, src.length, position);
    }

    /** pwrite(2) of {@code src[off, off+len)} at {@code position}, looping over partial writes. */
    public void writeFully(byte[] src, int off, int len, long position) throws PosixException {
        Objects.checkFromIndexSize(off, len, src.length);
        checkPosition(position);
        int fd = enter("pwrite");
        try {
            Memory buf = Scratch.get().io();
            int done = 0;
            while (done < len) {
                int n = (int) Math.min(len - done, buf.size());
                buf.write(0, src, off + done, n);
                int chunkDone = 0;
                while (chunkDone < n) {
                    long r = LibC.pwrite(fd, buf.share(chunkDone), n - chunkDone, position + done + chunkDone);
                    if (r < 0) {
                        int errno = LibC.errno();
                        if (errno == Errno.EINTR) {
                            continue;
                        }
                        throw new PosixException(errno, "pwrite", path, detail());
                    }
                    if (r == 0) {
                        throw new PosixException(Errno.EIO, "pwrite", path, "wrote 0 bytes");
                    }
                    chunkDone += (int) r;
                }
                done += n;
            }
        } finally {
            ref.exit();
        }
    }

    /** ftruncate(2). */
    public void truncate(long size) throws PosixException {
        if (size < 0) {
            throw new IllegalArgumentException("negative size " + size);
        }
        int fd = enter("ftruncate");
        try {
            int r;
            int errno;
            do {
                r = LibC.ftruncate(fd, size);
                errno = r < 0 ? LibC.errno() : 0;
            } while (r < 0 && errno == Errno.EINTR);
            if (r < 0) {
                throw new PosixException(errno, "ftruncate", path, detail());
            }
        } finally {
            ref.exit();
        }
    }

    /** fsync(2): data and metadata durable. */
    public void fsync() throws PosixException {
        int fd = enter("fsync");
        try {
            if (LibC.fsync(fd) < 0) {
                throw new PosixException(LibC.errno(), "fsync", path, detail());
            }
        } finally {
            ref.exit();
        }
    }

    /** fdatasync(2): data (and the metadata needed to read it) durable. */
    public void fdatasync() throws PosixException {
        int fd = enter("fdatasync");
        try {
            if (LibC.fdatasync(fd) < 0) {
                throw new PosixException(LibC.errno(), "fdatasync", path, detail());
            }
        } finally {
            ref.exit();
        }
    }

    /** fstat(2). */
    public FileStat stat() throws PosixException {
        int fd = enter("fstat");
        try {
            return FileStat.of(fd);
        } catch (PosixException e) {
            throw new PosixException(e.errno(), "fstat", path, detail());
        } finally {
            ref.exit();
        }
    }

    /** O_ACCMODE of F_GETFL: {@link Fd#O_RDONLY}, {@link Fd#O_WRONLY} or {@link Fd#O_RDWR}. */
    public int accessMode() throws PosixException {
        int fd = enter("fcntl(F_GETFL)");
        try {
            return Fd.accessMode(fd);
        } finally {
            ref.exit();
        }
    }

    /**
     * Closes the fd; idempotent. Linux releases the fd even when close(2) reports an error,
     * so it is never retried; an error (EIO from a network file system's write-back) is
     * thrown once.
     */
    @Override
    public void close() throws PosixException {
        if (ref.requestClose()) {
            if (LibC.close(ref.fd()) < 0) {
                int errno = LibC.errno();
                if (errno != Errno.EINTR) {
                    throw new PosixException(errno, "close", path, detail());
                }
            }
        }
    }

    /** Closes and ignores any error: for error paths that already have one to report. */
    void closeQuietly() {
        try {
            close();
        } catch (PosixException ignored) {
            // the fd is released anyway
        }
    }

    /**
     * Hands the fd over without closing it and marks this closed (the classic-lock fallback
     * keeps fds open until the last in-process holder leaves).
     */
    int detach() {
        return ref.detach();
    }

    /** Begins a call on the fd, or throws EBADF if this is closed. */
    int enter(String call) throws PosixException {
        if (!ref.enter()) {
            throw new PosixException(Errno.EBADF, call, path, "already closed");
        }
        return ref.fd();
    }

    void exit() {
        ref.exit();
    }

    private String detail() {
        return path == null ? "fd " + ref.fd() : null;
    }

    private static void checkPosition(long position) {
        if (position < 0) {
            throw new IllegalArgumentException("negative position " + position);
        }
    }

    @Override
    public String toString() {
        return "PosixFile[fd=" + ref.fd() + (path != null ? ", " + path : "")
                + (ref.isClosed() ? ", closed" : "") + "]";
    }
}
