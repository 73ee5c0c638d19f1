package org.prsidecar.scsi;

import java.util.Optional;

/** PERSISTENT RESERVE IN service actions (CDB byte 1 bits 4:0). */
public enum PrInServiceAction {
    READ_KEYS(0),
    READ_RESERVATION(1),
    REPORT_CAPABILITIES(2),
    READ_FULL_STATUS(3);

    private final int code;

    PrInServiceAction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<PrInServiceAction> fromCode(int code) {
        for (PrInServiceAction sa : values()) {
            if (sa.code == code) {
                return Optional.of(sa);
            }
        }
        return Optional.empty();
    }
}
