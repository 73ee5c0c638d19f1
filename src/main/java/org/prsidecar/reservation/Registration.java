package org.prsidecar.reservation;

import java.util.Objects;
import java.util.Optional;

/**
 * One registration: an I_T nexus with its reservation key (never 0).
 *
 * @param client the QEMU process (or other client) that last changed this registration, when
 *     known: live migration's replayed REGISTER is recognised by it (SPC reference 7.9)
 */
public record Registration(Nexus nexus, long key, boolean allTargetPorts, Optional<String> client) {

    public Registration {
        Objects.requireNonNull(nexus, "nexus");
        Objects.requireNonNull(client, "client");
        if (key == 0) {
            throw new IllegalArgumentException("a registration never has key 0");
        }
    }

    public Registration(Nexus nexus, long key) {
        this(nexus, key, false, Optional.empty());
    }

    Registration withKey(long newKey, Optional<String> newClient) {
        return new Registration(nexus, newKey, allTargetPorts, newClient.or(() -> client));
    }

    Registration withClient(Optional<String> newClient) {
        return newClient.isEmpty() || newClient.equals(client) ? this
                : new Registration(nexus, key, allTargetPorts, newClient);
    }
}
