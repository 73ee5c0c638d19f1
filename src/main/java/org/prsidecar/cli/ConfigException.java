package org.prsidecar.cli;

/** A configuration or command-line value that cannot be used; the message says which and why. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }
}
