package org.prsidecar.helper;

/**
 * A frame that breaks the pr-helper protocol (docs/protocol.md): the connection is closed
 * without an answer, as qemu-pr-helper does, and the reason is logged.
 */
public final class FrameException extends Exception {
    private static final long serialVersionUID = 1L;

    public FrameException(String message) {
        super(message);
    }
}
