package org.prsidecar.cli;

/** Entry point of {@code prsidecar}; the commands arrive with the CLI. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.err.println("prsidecar: no commands yet");
        System.exit(2);
    }
}
