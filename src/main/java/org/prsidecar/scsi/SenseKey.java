package org.prsidecar.scsi;

import java.util.Optional;

/** The sense keys prsidecar reports or decodes (SPC-4 table "Sense key descriptions"). */
public enum SenseKey {
    NO_SENSE(0x0),
    RECOVERED_ERROR(0x1),
    NOT_READY(0x2),
    MEDIUM_ERROR(0x3),
    HARDWARE_ERROR(0x4),
    ILLEGAL_REQUEST(0x5),
    UNIT_ATTENTION(0x6),
    DATA_PROTECT(0x7),
    ABORTED_COMMAND(0xB);

    private final int code;

    SenseKey(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<SenseKey> fromCode(int code) {
        for (SenseKey k : values()) {
            if (k.code == code) {
                return Optional.of(k);
            }
        }
        return Optional.empty();
    }
}
