package org.prsidecar.helper;

/** The peer of a connection cannot be mapped to an initiator: the connection is refused. */
public final class IdentityException extends Exception {
    private static final long serialVersionUID = 1L;

    public IdentityException(String message) {
        super(message);
    }
}
