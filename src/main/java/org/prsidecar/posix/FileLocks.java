package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Whole-file fcntl locks with a deadline: opens a file and locks it, as one step.
 *
 * <p><b>OFD locks</b> (F_OFD_SETLK, Linux 3.15+) belong to the open file description, so two
 * opens of one file exclude each other even in one process, and closing some other fd of
 * the file does not drop them. On NFS, GFS2, OCFS2 and CephFS they are cluster-wide.
 *
 * <p><b>Waiting</b> polls F_OFD_SETLK with exponential backoff (1 ms doubling to 64 ms, each
 * pause drawn between half and all of that, so contenders de-synchronise) until the
 * deadline: F_OFD_SETLKW cannot be interrupted from Java. Polling is not fair; a waiter can
 * lose to a newcomer, so callers keep their deadlines short and retry at a higher level.
 *
 * <p><b>Fallback</b> when the kernel has no OFD locks (F_OFD_GETLK answers EINVAL, probed
 * once): classic F_SETLK locks plus in-process serialization per canonical path, see
 * {@link ClassicGates}; in that mode no other code in the process may open and close the
 * locked files, or the process loses its lock.
 */
public final class FileLocks {
    static final int F_GETLK = 5;
    static final int F_SETLK = 6;
    static final int F_OFD_GETLK = 36;
    static final int F_OFD_SETLK = 37;

    static final short F_RDLCK = 0;
    static final short F_WRLCK = 1;
    static final short F_UNLCK = 2;

    private static final long INITIAL_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(64);

    private static volatile FileLocks system;

    private final boolean ofd;
    private final int setLk;
    private final String setLkName;

    private FileLocks(boolean ofd) {
        this.ofd = ofd;
        this.setLk = ofd ? F_OFD_SETLK : F_SETLK;
        this.setLkName = ofd ? "fcntl(F_OFD_SETLK)" : "fcntl(F_SETLK)";
    }

    /** The process-wide instance; probes for OFD lock support on first call. */
    public static FileLocks system() {
        FileLocks s = system;
        if (s == null) {
            synchronized (FileLocks.class) {
                s = system;
                if (s == null) {
                    s = new FileLocks(probeOfd());
                    system = s;
                }
            }
        }
        return s;
    }

    /** An instance that uses the classic-lock fallback even where OFD locks work (tests). */
    static FileLocks classicFallback() {
        PosixPlatform.arch();
        return new FileLocks(false);
    }

    /** Whether this instance uses OFD locks (false: the classic fallback). */
    public boolean ofd() {
        return ofd;
    }

    private static boolean probeOfd() {
        Arch arch = PosixPlatform.arch();
        int fd = LibC.open(CString.of("/"), Arch.O_RDONLY | Arch.O_CLOEXEC | arch.oDirectory, 0);
        if (fd < 0) {
            // cannot probe; every kernel Java 17 runs on in practice has had them since 2014
            return true;
        }
        try {
            Memory flock = Scratch.get().flock;
            fill(flock, F_RDLCK);
            if (LibC.fcntl(fd, F_OFD_GETLK, flock) < 0) {
                return LibC.errno() != Errno.EINVAL;
            }
            return true;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * Opens {@code path} and locks the whole file, waiting up to {@code timeout}.
     *
     * @param createMode permission bits if {@link OpenMode#READ_WRITE_CREATE} creates it
     * @param kind {@link LockKind#EXCLUSIVE} needs a writable mode
     * @throws LockTimeoutException if a conflicting lock was held until the deadline
     * @throws InterruptedIOException if the thread was interrupted while waiting (the
     *     interrupt flag is set again)
     * @throws PosixException if open(2) or fcntl(2) failed otherwise (e.g. ENOLCK on an NFS
     *     mount without a lock manager)
     */
    public LockedFile open(Path path, OpenMode mode, int createMode, LockKind kind, Duration timeout)
            throws PosixException, LockTimeoutException, InterruptedIOException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        LockedFile f = lock(path, mode, createMode, kind, saturatedNanos(timeout), true);
        if (f == null) {
            throw new AssertionError("lock() returned null while waiting");
        }
        return f;
    }

    /**
     * Opens {@code path} and locks it if nobody holds a conflicting lock right now; empty
     * (and nothing left open) otherwise.
     */
    public Optional<LockedFile> tryOpen(Path path, OpenMode mode, int createMode, LockKind kind)
            throws PosixException, InterruptedIOException {
        try {
            return Optional.ofNullable(lock(path, mode, createMode, kind, 0, false));
        } catch (LockTimeoutException e) {
            throw new AssertionError("no waiting in tryOpen", e);
        }
    }

    private LockedFile lock(Path path, OpenMode mode, int createMode, LockKind kind, long timeoutNanos,
            boolean wait) throws PosixException, LockTimeoutException, InterruptedIOException {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(kind, "kind");
        if (kind == LockKind.EXCLUSIVE && !mode.writable()) {
            throw new IllegalArgumentException("an exclusive lock needs a writable file, not " + mode);
        }
        PosixPlatform.arch();
        long start = System.nanoTime();
        long deadline = start + timeoutNanos;
        if (ofd) {
            PosixFile file = PosixFile.open(path, mode, createMode);
            boolean done = false;
            try {
                if (acquire(file, kind, deadline, wait)) {
                    done = true;
                    return new LockedFile(this, file, kind, path, null);
                }
            } finally {
                if (!done) {
                    file.closeQuietly();
                }
            }
        } else {
            ClassicGates.Gate gate = ClassicGates.acquire(ClassicGates.canonical(path), kind, deadline, wait);
            if (gate != null) {
                PosixFile file = null;
                boolean done = false;
                try {
                    file = PosixFile.open(path, mode, createMode);
                    if (acquire(file, kind, deadline, wait)) {
                        done = true;
                        return new LockedFile(this, file, kind, path, gate);
                    }
                } finally {
                    if (!done) {
                        releaseQuietly(gate, kind, file);
                    }
                }
            }
        }
        if (!wait) {
            return null;
        }
        throw new LockTimeoutException(path, kind, Duration.ofNanos(System.nanoTime() - start));
    }

    private static void releaseQuietly(ClassicGates.Gate gate, LockKind kind, PosixFile file) {
        try {
            ClassicGates.release(gate, kind, file);
        } catch (PosixException ignored) {
            // the fd is released anyway; the error that got us here is the one to report
        }
    }

    /** Polls F_(OFD_)SETLK until granted or past the deadline. */
    private boolean acquire(PosixFile file, LockKind kind, long deadline, boolean wait)
            throws PosixException, InterruptedIOException {
        long pause = INITIAL_PAUSE_NANOS;
        while (true) {
            if (trySetLock(file, kind.type)) {
                return true;
            }
            long remaining = deadline - System.nanoTime();
            if (!wait || remaining <= 0) {
                return false;
            }
            long jittered = pause / 2 + ThreadLocalRandom.current().nextLong(pause / 2 + 1);
            try {
                TimeUnit.NANOSECONDS.sleep(Math.min(remaining, jittered));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while waiting for " + kind.adjective()
                        + " lock on " + file.path().orElse(null));
            }
            pause = Math.min(pause * 2, MAX_PAUSE_NANOS);
        }
    }

    /** One F_(OFD_)SETLK; false if a conflicting lock is held (EAGAIN or EACCES). */
    private boolean trySetLock(PosixFile file, short type) throws PosixException {
        int fd = file.enter(setLkName);
        try {
            Memory flock = Scratch.get().flock;
            while (true) {
                fill(flock, type);
                if (LibC.fcntl(fd, setLk, flock) == 0) {
                    return true;
                }
                int errno = LibC.errno();
                if (errno == Errno.EAGAIN || errno == Errno.EACCES) {
                    return false;
                }
                if (errno != Errno.EINTR) {
                    throw new PosixException(errno, setLkName, file.path().orElse(null));
                }
            }
        } finally {
            file.exit();
        }
    }

    /** One lock attempt on an open file (benchmarks and tests). */
    boolean tryLockForBenchmark(PosixFile file, LockKind kind) throws PosixException {
        return trySetLock(file, kind.type);
    }

    /** Unlocks (F_UNLCK); errors are ignored, since closing the fd releases the lock anyway. */
    void unlockQuietly(PosixFile file) {
        int fd;
        try {
            fd = file.enter(setLkName);
        } catch (PosixException closed) {
            return;
        }
        try {
            Memory flock = Scratch.get().flock;
            fill(flock, F_UNLCK);
            LibC.fcntl(fd, setLk, flock);
        } finally {
            file.exit();
        }
    }

    /** struct flock for the whole file: l_whence SEEK_SET, l_start 0, l_len 0, l_pid 0. */
    private static void fill(Memory flock, short type) {
        flock.clear();
        flock.setShort(0, type);
    }

    private static long saturatedNanos(Duration d) {
        try {
            return d.toNanos();
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE / 4;
        }
    }

    @Override
    public String toString() {
        return "FileLocks[" + (ofd ? "OFD" : "classic fallback") + "]";
    }
}
