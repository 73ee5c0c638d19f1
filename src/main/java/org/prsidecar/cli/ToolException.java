package org.prsidecar.cli;

/**
 * A disk argument that cannot be used: no such file, not emulated, refused, or a sidecar whose
 * disk cannot be told. The message names the argument and says what to do.
 */
final class ToolException extends Exception {
    private static final long serialVersionUID = 1L;

    ToolException(String message) {
        super(message);
    }
}
