package org.prsidecar.cli;

/** The version in the jar's manifest, or "dev" when run from classes. */
final class Version {
    private Version() {
    }

    static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }
}
