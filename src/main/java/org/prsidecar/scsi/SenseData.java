package org.prsidecar.scsi;

import java.util.Map;
import java.util.Objects;

/**
 * Sense data: sense key with additional sense code and qualifier. Encoded in fixed format
 * (response code 70h, additional length 10), as qemu-pr-helper builds it (SPC reference 7.8).
 */
public record SenseData(SenseKey key, int asc, int ascq) {

    /** Length of the fixed-format sense prsidecar encodes: 8 header bytes + 10 additional. */
    public static final int FIXED_LENGTH = 18;

    public static final SenseData INVALID_COMMAND_OPERATION_CODE = illegal(0x20, 0x00);
    public static final SenseData INVALID_FIELD_IN_CDB = illegal(0x24, 0x00);
    public static final SenseData INVALID_FIELD_IN_PARAMETER_LIST = illegal(0x26, 0x00);
    public static final SenseData PARAMETER_LIST_LENGTH_ERROR = illegal(0x1A, 0x00);
    public static final SenseData INVALID_RELEASE_OF_PERSISTENT_RESERVATION = illegal(0x26, 0x04);
    public static final SenseData INSUFFICIENT_REGISTRATION_RESOURCES = illegal(0x55, 0x04);

    public static final SenseData RESERVATIONS_PREEMPTED = unitAttention(0x2A, 0x03);
    public static final SenseData RESERVATIONS_RELEASED = unitAttention(0x2A, 0x04);
    public static final SenseData REGISTRATIONS_PREEMPTED = unitAttention(0x2A, 0x05);
    public static final SenseData COMMANDS_CLEARED_BY_ANOTHER_INITIATOR = unitAttention(0x2F, 0x00);

    /** What qemu-pr-helper answers for an I/O error: ABORTED COMMAND, I/O PROCESS TERMINATED. */
    public static final SenseData IO_PROCESS_TERMINATED = new SenseData(SenseKey.ABORTED_COMMAND, 0x00, 0x06);
    public static final SenseData LOGICAL_UNIT_COMMUNICATION_FAILURE =
            new SenseData(SenseKey.ABORTED_COMMAND, 0x08, 0x00);
    public static final SenseData INTERNAL_TARGET_FAILURE = new SenseData(SenseKey.HARDWARE_ERROR, 0x44, 0x00);
    /** NOT READY, LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED: an operator must act. */
    public static final SenseData MANUAL_INTERVENTION_REQUIRED = new SenseData(SenseKey.NOT_READY, 0x04, 0x03);

    private static final Map<Integer, String> DESCRIPTIONS = Map.ofEntries(
            Map.entry(0x2000, "INVALID COMMAND OPERATION CODE"),
            Map.entry(0x2400, "INVALID FIELD IN CDB"),
            Map.entry(0x2600, "INVALID FIELD IN PARAMETER LIST"),
            Map.entry(0x1A00, "PARAMETER LIST LENGTH ERROR"),
            Map.entry(0x2604, "INVALID RELEASE OF PERSISTENT RESERVATION"),
            Map.entry(0x5504, "INSUFFICIENT REGISTRATION RESOURCES"),
            Map.entry(0x2A03, "RESERVATIONS PREEMPTED"),
            Map.entry(0x2A04, "RESERVATIONS RELEASED"),
            Map.entry(0x2A05, "REGISTRATIONS PREEMPTED"),
            Map.entry(0x2F00, "COMMANDS CLEARED BY ANOTHER INITIATOR"),
            Map.entry(0x0006, "I/O PROCESS TERMINATED"),
            Map.entry(0x0800, "LOGICAL UNIT COMMUNICATION FAILURE"),
            Map.entry(0x4400, "INTERNAL TARGET FAILURE"),
            Map.entry(0x0403, "LOGICAL UNIT NOT READY, MANUAL INTERVENTION REQUIRED"),
            Map.entry(0x2900, "POWER ON, RESET, OR BUS DEVICE RESET OCCURRED"),
            Map.entry(0x0000, "NO ADDITIONAL SENSE INFORMATION"));

    public SenseData {
        Objects.requireNonNull(key, "key");
        if (asc < 0 || asc > 0xFF || ascq < 0 || ascq > 0xFF) {
            throw new IllegalArgumentException("ASC/ASCQ out of range: " + asc + "/" + ascq);
        }
    }

    private static SenseData illegal(int asc, int ascq) {
        return new SenseData(SenseKey.ILLEGAL_REQUEST, asc, ascq);
    }

    private static SenseData unitAttention(int asc, int ascq) {
        return new SenseData(SenseKey.UNIT_ATTENTION, asc, ascq);
    }

    /** Fixed-format sense (70h, additional length 10): 18 bytes. */
    public byte[] encode() {
        byte[] b = new byte[FIXED_LENGTH];
        encodeInto(b);
        return b;
    }

    /**
     * Writes the fixed-format sense over the first 18 bytes of {@code dst} (at least 18 bytes);
     * the bytes after them are left as they are.
     */
    public void encodeInto(byte[] dst) {
        if (dst.length < FIXED_LENGTH) {
            throw new IllegalArgumentException("sense buffer shorter than " + FIXED_LENGTH);
        }
        java.util.Arrays.fill(dst, 0, FIXED_LENGTH, (byte) 0); // a reused buffer must not leak old fields
        dst[0] = 0x70;
        dst[2] = (byte) key.code();
        dst[7] = 10;
        dst[12] = (byte) asc;
        dst[13] = (byte) ascq;
    }

    /**
     * Decodes fixed (70h/71h) or descriptor (72h/73h) format sense, as a client receives it.
     * Trailing bytes (the rest of a 96-byte sense buffer) are ignored.
     */
    public static SenseData decode(byte[] b) throws ScsiException {
        if (b.length < 1) {
            throw malformed("empty sense data");
        }
        int responseCode = b[0] & 0x7F;
        int keyCode;
        int asc;
        int ascq;
        if (responseCode == 0x70 || responseCode == 0x71) {
            if (b.length < 14) {
                throw malformed("fixed-format sense shorter than 14 bytes: " + b.length);
            }
            keyCode = b[2] & 0x0F;
            asc = b[12] & 0xFF;
            ascq = b[13] & 0xFF;
        } else if (responseCode == 0x72 || responseCode == 0x73) {
            if (b.length < 4) {
                throw malformed("descriptor-format sense shorter than 4 bytes: " + b.length);
            }
            keyCode = b[1] & 0x0F;
            asc = b[2] & 0xFF;
            ascq = b[3] & 0xFF;
        } else {
            throw malformed(String.format("unknown sense response code %02Xh", responseCode));
        }
        SenseKey key = SenseKey.fromCode(keyCode)
                .orElseThrow(() -> malformed(String.format("unsupported sense key %Xh", keyCode)));
        return new SenseData(key, asc, ascq);
    }

    private static ScsiException malformed(String why) {
        return new ScsiException(ScsiStatus.CHECK_CONDITION, INVALID_FIELD_IN_PARAMETER_LIST, why);
    }

    /** The standard's name of this ASC/ASCQ, or its hex value when prsidecar does not know it. */
    public String description() {
        String d = DESCRIPTIONS.get(asc << 8 | ascq);
        return d != null ? d : String.format("ASC %02Xh ASCQ %02Xh", asc, ascq);
    }

    /** {@code ILLEGAL_REQUEST 24/00 INVALID FIELD IN CDB}: the form logs and tests use. */
    @Override
    public String toString() {
        return String.format("%s %02X/%02X %s", key, asc, ascq, description());
    }
}
