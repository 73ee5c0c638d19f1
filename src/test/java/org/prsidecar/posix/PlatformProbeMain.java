package org.prsidecar.posix;

/** Child process: loads the native layer and prints OK or the failure message. */
public final class PlatformProbeMain {
    private PlatformProbeMain() {
    }

    public static void main(String[] args) {
        try {
            PosixPlatform.requireAvailable();
            System.out.println("OK " + PosixPlatform.describe());
        } catch (PosixUnavailableException e) {
            System.out.println("FAIL " + e.getMessage());
        }
    }
}
