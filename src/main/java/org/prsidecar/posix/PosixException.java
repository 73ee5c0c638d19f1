package org.prsidecar.posix;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * A system call failed: carries errno, the call ({@code "open"}, {@code
 * "fcntl(F_OFD_SETLK)"}) and, where there is one, the path. The message reads like
 * {@code open /srv/x.json: Permission denied (EACCES)}, followed by {@code ": "} and a
 * detail when there is one.
 */
public class PosixException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int errno;
    private final String call;
    private final transient Path path;
    private final String detail;
    private final boolean timeout;

    public PosixException(int errno, String call, Path path) {
        this(errno, call, path, null, false);
    }

    public PosixException(int errno, String call, Path path, String detail) {
        this(errno, call, path, detail, false);
    }

    PosixException(int errno, String call, Path path, String detail, boolean timeout) {
        super(message(errno, call, path, detail));
        this.errno = errno;
        this.call = Objects.requireNonNull(call, "call");
        this.path = path;
        this.detail = detail;
        this.timeout = timeout;
    }

    private static String message(int errno, String call, Path path, String detail) {
        StringBuilder b = new StringBuilder(call);
        if (path != null) {
            b.append(' ').append(path);
        }
        b.append(": ").append(Errno.description(errno)).append(" (").append(Errno.name(errno)).append(')');
        if (detail != null) {
            b.append(": ").append(detail);
        }
        return b.toString();
    }

    /** The errno value. */
    public int errno() {
        return errno;
    }

    /** The symbolic errno name, e.g. {@code "EACCES"}. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** The call that failed, e.g. {@code "open"} or {@code "fcntl(F_OFD_SETLK)"}. */
    public String call() {
        return call;
    }

    /** The path the call was about, if any. */
    public Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /** Extra context (a limit, what was expected), if any. */
    public Optional<String> detail() {
        return Optional.ofNullable(detail);
    }

    /**
     * Whether this is a receive that timed out ({@link UnixConnection#setReceiveTimeout}):
     * errno is then EAGAIN.
     */
    public boolean isTimeout() {
        return timeout;
    }
}
