package org.prsidecar.posix;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * A lock was not granted before the deadline: somebody else (another open file
 * description, in this process or another, on this host or another) held a conflicting
 * lock all along. The file that was opened to wait for it has been closed.
 */
public final class LockTimeoutException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path path;
    private final LockKind kind;
    private final Duration waited;

    public LockTimeoutException(Path path, LockKind kind, Duration waited) {
        super("timed out after " + waited.toMillis() + " ms waiting for " + kind.adjective()
                + " lock on " + path);
        this.path = Objects.requireNonNull(path, "path");
        this.kind = Objects.requireNonNull(kind, "kind");
        this.waited = Objects.requireNonNull(waited, "waited");
    }

    public Path path() {
        return path;
    }

    public LockKind kind() {
        return kind;
    }

    /** How long the caller waited before giving up. */
    public Duration waited() {
        return waited;
    }
}
