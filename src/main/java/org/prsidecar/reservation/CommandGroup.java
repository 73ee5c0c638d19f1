package org.prsidecar.reservation;

import java.util.Objects;

/**
 * How a command is treated under a persistent reservation: the six groups of SPC reference
 * section 3. Membership is reconstructed from SCST's and CTL's per-opcode flags.
 */
public enum CommandGroup {
    /** G1: allowed under every reservation (INQUIRY, REPORT LUNS, PR IN, TEST UNIT READY...). */
    ALWAYS,
    /** G2: read-like (READ, VERIFY, PRE-FETCH, MODE SENSE...). */
    READ,
    /** G3: everything else, writes among them. */
    WRITE,
    /** G4: PR OUT REGISTER and REGISTER AND IGNORE EXISTING KEY (and service actions that fail anyway). */
    PR_OUT_REGISTER,
    /** G5: PR OUT RELEASE, CLEAR, PREEMPT, PREEMPT AND ABORT. */
    PR_OUT_REGISTRANT,
    /** G6: PR OUT RESERVE and REGISTER AND MOVE. */
    PR_OUT_HOLDER;

    private static final int MAINTENANCE_IN = 0xA3;
    private static final int SERVICE_ACTION_IN_16 = 0x9E;
    private static final int VARIABLE_LENGTH = 0x7F;

    /** Classifies a CDB by its operation code and, where it matters, its service action. */
    public static CommandGroup of(byte[] cdb) {
        Objects.requireNonNull(cdb, "cdb");
        if (cdb.length == 0) {
            throw new IllegalArgumentException("empty CDB");
        }
        int opcode = cdb[0] & 0xFF;
        return switch (opcode) {
            case 0x00, 0x03, 0x12, 0x25, 0x4D, 0x5E, 0xA0 -> ALWAYS; // TUR, REQUEST SENSE, INQUIRY,
                // READ CAPACITY(10), LOG SENSE, PR IN, REPORT LUNS
            case 0x08, 0x28, 0xA8, 0x88, // READ(6/10/12/16)
                 0x2F, 0xAF, 0x8F, // VERIFY(10/12/16)
                 0x34, 0x90, // PRE-FETCH(10/16)
                 0x1A, 0x5A, // MODE SENSE(6/10)
                 0x3C, 0x1C, 0x3E, 0x37, 0xB7, 0x8C -> READ; // READ BUFFER, RECEIVE DIAGNOSTIC RESULTS,
                // READ LONG(10), READ DEFECT DATA(10/12), READ ATTRIBUTE
            case SERVICE_ACTION_IN_16 -> serviceActionIn16(cdb);
            case MAINTENANCE_IN -> maintenanceIn(cdb);
            case VARIABLE_LENGTH -> variableLength(cdb);
            case 0x5F -> persistentReserveOut(cdb);
            default -> WRITE;
        };
    }

    private static CommandGroup serviceActionIn16(byte[] cdb) {
        int sa = cdb.length > 1 ? cdb[1] & 0x1F : -1;
        return switch (sa) {
            case 0x10 -> ALWAYS; // READ CAPACITY(16)
            case 0x11, 0x12 -> READ; // READ LONG(16), GET LBA STATUS
            default -> WRITE;
        };
    }

    private static CommandGroup maintenanceIn(byte[] cdb) {
        int sa = cdb.length > 1 ? cdb[1] & 0x1F : -1;
        return switch (sa) {
            case 0x05, 0x0A, 0x0E, 0x0F -> ALWAYS; // REPORT IDENTIFYING INFORMATION, REPORT TARGET PORT
                // GROUPS, REPORT PRIORITY, REPORT TIMESTAMP
            case 0x0C, 0x0D -> READ; // REPORT SUPPORTED OPERATION CODES / TASK MANAGEMENT FUNCTIONS
            default -> WRITE;
        };
    }

    private static CommandGroup variableLength(byte[] cdb) {
        int sa = cdb.length > 9 ? (cdb[8] & 0xFF) << 8 | (cdb[9] & 0xFF) : -1;
        return sa == 0x0009 || sa == 0x000A ? READ : WRITE; // READ(32), VERIFY(32)
    }

    private static CommandGroup persistentReserveOut(byte[] cdb) {
        int sa = cdb.length > 1 ? cdb[1] & 0x1F : -1;
        return switch (sa) {
            case 1, 7 -> PR_OUT_HOLDER;
            case 2, 3, 4, 5 -> PR_OUT_REGISTRANT;
            default -> PR_OUT_REGISTER; // REGISTER, RIEK, and codes that fail on their own
        };
    }
}
