package org.prsidecar.helper;

import java.util.Objects;
import java.util.Optional;
import org.prsidecar.reservation.Nexus;

/**
 * Who is on the other end of a connection: the I_T nexus its commands come from, the
 * process behind it (host, pid and start time: tells a migration destination from the
 * source, see SPC reference 7.9), and a description for logs.
 */
public record PeerIdentity(Nexus nexus, Optional<String> client, String description) {
    public PeerIdentity {
        Objects.requireNonNull(nexus, "nexus");
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(description, "description");
    }

    /** The initiator's name, as logs show it. */
    public String initiator() {
        return nexus.initiator().text();
    }
}
