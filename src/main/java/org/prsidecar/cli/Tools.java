package org.prsidecar.cli;

import org.prsidecar.store.SidecarStore;

/** What the operator's tools share. */
final class Tools {
    private Tools() {
    }

    /** The daemon's store settings, writing as "prsidecar VERSION COMMAND" so that sidecars show who wrote. */
    static SidecarStore.Options storeOptions(ServeSettings s, String command) {
        return SidecarStore.Options.defaults().withLockTimeout(s.lockTimeout()).withCacheBytes(8L << 20)
                .withCreateMode(s.sidecarMode()).withProgram("prsidecar " + Version.get() + " " + command);
    }
}
