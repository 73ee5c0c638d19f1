package org.prsidecar.posix;

import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An open file holding a whole-file lock, from {@link FileLocks}. {@link #close()} unlocks,
 * closes the fd and releases any in-process state; it is idempotent and may be called
 * from another thread than the one that locked.
 *
 * <p>Do not close {@link #file()} directly: the lock goes with it (and in the classic
 * fallback the bookkeeping would be wrong).
 */
public final class LockedFile implements AutoCloseable {
    private final FileLocks locks;
    private final PosixFile file;
    private final LockKind kind;
    private final Path path;
    private final ClassicGates.Gate gate;
    private final AtomicBoolean closed = new AtomicBoolean();

    LockedFile(FileLocks locks, PosixFile file, LockKind kind, Path path, ClassicGates.Gate gate) {
        this.locks = locks;
        this.file = file;
        this.kind = kind;
        this.path = path;
        this.gate = gate;
    }

    /** The locked file, for reading and writing. */
    public PosixFile file() {
        return file;
    }

    public LockKind kind() {
        return kind;
    }

    /** The path as given to {@link FileLocks#open}. */
    public Path path() {
        return path;
    }

    public boolean isOpen() {
        return !closed.get();
    }

    /**
     * Unlocks and closes; idempotent. The fd is released even if close(2) reports an error
     * (then thrown, e.g. EIO from NFS write-back).
     */
    @Override
    public void close() throws PosixException {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (gate == null) {
            try {
                locks.unlockQuietly(file);
            } finally {
                file.close();
            }
        } else {
            // classic: closing the (last) fd is the unlock; an explicit F_UNLCK would also
            // drop the lock other shared holders in this process still rely on
            ClassicGates.release(gate, kind, file);
        }
    }

    @Override
    public String toString() {
        return "LockedFile[" + kind + ", " + path + (closed.get() ? ", closed" : "") + "]";
    }
}
