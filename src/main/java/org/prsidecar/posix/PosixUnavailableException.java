package org.prsidecar.posix;

/**
 * The native layer cannot work in this JVM: an unsupported operating system or
 * architecture, or JNA could not load its native library. Thrown by the first call into
 * this package (and by every later one, with the same message); the message says what was
 * found and what to do about it.
 */
public final class PosixUnavailableException extends UnsupportedOperationException {
    private static final long serialVersionUID = 1L;

    PosixUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
