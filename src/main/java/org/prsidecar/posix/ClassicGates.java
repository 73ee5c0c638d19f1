package org.prsidecar.posix;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * In-process serialization for the classic-lock fallback (kernels without OFD locks).
 * Classic fcntl locks belong to the process, so they do not exclude two callers in one
 * JVM, and closing any fd of a file drops the process's lock on it. So, per canonical path:
 * <ul>
 * <li>a gate is taken before the file is opened and given back only after its fd is closed
 *     (readers share it, a writer has it alone);
 * <li>while other shared holders remain, a leaving shared holder's fd is parked, not closed
 *     (closing it would drop the lock the others still rely on); the last one out closes
 *     them all.
 * </ul>
 * The gate is not owned by a thread (a {@link LockedFile} may be closed by another thread
 * than the one that opened it) and not reentrant (a thread that opens the same file twice
 * waits for itself, exactly as two OFD locks would conflict). Files reached by two
 * different canonical paths (hard links, bind mounts) are not serialized; nor are fds of
 * the file opened elsewhere in the process, whose close drops the lock.
 */
final class ClassicGates {
    private static final Map<Path, Gate> GATES = new HashMap<>();

    private ClassicGates() {
    }

    static final class Gate {
        final Path key;
        /** Holders and waiters; guarded by GATES. The entry is removed at zero. */
        int users;
        /** Guarded by this gate. */
        int readers;
        boolean writer;
        final List<Integer> parked = new ArrayList<>();

        Gate(Path key) {
            this.key = key;
        }
    }

    /** The key: the real path of the file, or of its directory for a file not created yet. */
    static Path canonical(Path path) {
        Path abs = path.toAbsolutePath().normalize();
        try {
            return abs.toRealPath();
        } catch (NoSuchFileException e) {
            Path parent = abs.getParent();
            if (parent != null && abs.getFileName() != null) {
                try {
                    return parent.toRealPath().resolve(abs.getFileName());
                } catch (IOException ignored) {
                    return abs;
                }
            }
            return abs;
        } catch (IOException e) {
            return abs;
        }
    }

    /**
     * Takes the gate of {@code key} for {@code kind}, waiting until {@code deadlineNanos}
     * (System.nanoTime) if {@code wait}. Returns null if not granted in time.
     */
    static Gate acquire(Path key, LockKind kind, long deadlineNanos, boolean wait) throws InterruptedIOException {
        Gate g;
        synchronized (GATES) {
            g = GATES.computeIfAbsent(key, Gate::new);
            g.users++;
        }
        boolean granted = false;
        try {
            synchronized (g) {
                while (kind == LockKind.SHARED ? g.writer : (g.writer || g.readers > 0)) {
                    long remaining = deadlineNanos - System.nanoTime();
                    if (!wait || remaining <= 0) {
                        return null;
                    }
                    try {
                        TimeUnit.NANOSECONDS.timedWait(g, remaining);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new InterruptedIOException("interrupted while waiting for " + kind.adjective()
                                + " lock on " + key);
                    }
                }
                if (kind == LockKind.SHARED) {
                    g.readers++;
                } else {
                    g.writer = true;
                }
                granted = true;
                return g;
            }
        } finally {
            if (!granted) {
                leave(g);
            }
        }
    }

    /**
     * Gives the gate back, closing {@code file} (if not null) before that, or parking its
     * fd while other shared holders remain.
     *
     * @throws PosixException if close(2) reported an error (the gate is given back anyway)
     */
    static void release(Gate g, LockKind kind, PosixFile file) throws PosixException {
        PosixException error = null;
        try {
            synchronized (g) {
                if (kind == LockKind.EXCLUSIVE) {
                    error = close(file, null);
                    g.writer = false;
                } else {
                    g.readers--;
                    if (g.readers > 0) {
                        if (file != null) {
                            int fd = file.detach();
                            if (fd >= 0) {
                                g.parked.add(fd);
                            }
                        }
                    } else {
                        error = close(file, null);
                        for (int fd : g.parked) {
                            LibC.close(fd);
                        }
                        g.parked.clear();
                    }
                }
                g.notifyAll();
            }
        } finally {
            leave(g);
        }
        if (error != null) {
            throw error;
        }
    }

    private static PosixException close(PosixFile file, PosixException error) {
        if (file != null) {
            try {
                file.close();
            } catch (PosixException e) {
                return e;
            }
        }
        return error;
    }

    private static void leave(Gate g) {
        synchronized (GATES) {
            if (--g.users == 0) {
                GATES.remove(g.key, g);
            }
        }
    }

    /** For tests: the number of paths with holders or waiters. */
    static int activeGates() {
        synchronized (GATES) {
            return GATES.size();
        }
    }
}
