package org.prsidecar.scsi;

import java.util.Optional;

/** SCSI status byte (SAM-5), the {@code result} word of a pr-helper response. */
public enum ScsiStatus {
    GOOD(0x00),
    CHECK_CONDITION(0x02),
    BUSY(0x08),
    RESERVATION_CONFLICT(0x18),
    TASK_SET_FULL(0x28);

    private final int code;

    ScsiStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<ScsiStatus> fromCode(int code) {
        for (ScsiStatus s : values()) {
            if (s.code == code) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
