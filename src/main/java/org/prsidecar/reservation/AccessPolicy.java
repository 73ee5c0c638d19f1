package org.prsidecar.reservation;

import org.prsidecar.scsi.ReservationType;

/**
 * Which commands a persistent reservation lets through (SPC reference section 3, invariant
 * 7): a pure function of the command's group, the reservation type and where the nexus
 * stands. prsidecar sees only PR commands, so nothing calls this for data commands yet;
 * it is part of the library API.
 */
public final class AccessPolicy {
    private AccessPolicy() {
    }

    /** Where a nexus stands relative to the reservation. */
    public enum Standing {
        HOLDER, REGISTERED, UNREGISTERED
    }

    public enum Decision {
        ALLOWED, RESERVATION_CONFLICT
    }

    /** The decision for a CDB (any opcode) from {@code nexus} against {@code table}. */
    public static Decision check(byte[] cdb, Nexus nexus, ReservationTable table) {
        CommandGroup group = CommandGroup.of(cdb);
        if (table.reservation().isEmpty()) {
            return Decision.ALLOWED;
        }
        return check(group, table.reservation().get().type(), standing(nexus, table));
    }

    public static Standing standing(Nexus nexus, ReservationTable table) {
        if (table.isHolder(nexus)) {
            return Standing.HOLDER;
        }
        return table.isRegistered(nexus) ? Standing.REGISTERED : Standing.UNREGISTERED;
    }

    /** The table of reference section 3, for a reservation of {@code type}. */
    public static Decision check(CommandGroup group, ReservationType type, Standing standing) {
        if (standing == Standing.HOLDER) {
            return Decision.ALLOWED;
        }
        boolean registered = standing == Standing.REGISTERED;
        // types 5-8 let registrants act like the holder; 1 and 3 do not
        boolean registrantsShare = type.registrantsOnly() || type.allRegistrants();
        boolean allowed = switch (group) {
            case ALWAYS, PR_OUT_REGISTER -> true;
            case READ -> !type.exclusiveAccess() || (registrantsShare && registered);
            case WRITE -> registrantsShare && registered;
            case PR_OUT_REGISTRANT -> registered;
            case PR_OUT_HOLDER -> false;
        };
        return allowed ? Decision.ALLOWED : Decision.RESERVATION_CONFLICT;
    }
}
