package org.prsidecar.reservation;

import java.util.Objects;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.TransportId;

/**
 * An I_T nexus: the initiator port (named by its TransportID) and the relative target port
 * identifier it reached us through. prsidecar emulates one target port, number 1
 * (SPC reference 1.4 Decision).
 */
public record Nexus(TransportId initiator, int relativeTargetPortId) {

    /** The one emulated target port. */
    public static final int TARGET_PORT = 1;

    public Nexus {
        Objects.requireNonNull(initiator, "initiator");
        if (relativeTargetPortId < 1 || relativeTargetPortId > 0xFFFF) {
            throw new IllegalArgumentException("relative target port id out of range: " + relativeTargetPortId);
        }
    }

    /** The nexus of this initiator through the emulated target port. */
    public static Nexus of(TransportId initiator) {
        return new Nexus(initiator, TARGET_PORT);
    }

    /** The nexus of the iSCSI initiator (format 00b) with this name. */
    public static Nexus iscsi(String initiatorName) {
        return of(new IscsiTransportId(initiatorName));
    }

    @Override
    public String toString() {
        return relativeTargetPortId == TARGET_PORT ? initiator.text()
                : initiator.text() + " via port " + relativeTargetPortId;
    }
}
