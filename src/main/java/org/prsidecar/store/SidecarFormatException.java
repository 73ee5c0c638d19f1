package org.prsidecar.store;

/** A sidecar's bytes are not a valid sidecar of the expected disk; the message says where. */
public final class SidecarFormatException extends Exception {
    private static final long serialVersionUID = 1L;

    public SidecarFormatException(String message) {
        super(message);
    }

    public SidecarFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
