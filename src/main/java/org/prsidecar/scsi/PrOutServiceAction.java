package org.prsidecar.scsi;

import java.util.Optional;

/** PERSISTENT RESERVE OUT service actions (CDB byte 1 bits 4:0). */
public enum PrOutServiceAction {
    REGISTER(0),
    RESERVE(1),
    RELEASE(2),
    CLEAR(3),
    PREEMPT(4),
    PREEMPT_AND_ABORT(5),
    REGISTER_AND_IGNORE_EXISTING_KEY(6),
    REGISTER_AND_MOVE(7),
    REPLACE_LOST_RESERVATION(8);

    private final int code;

    PrOutServiceAction(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    public static Optional<PrOutServiceAction> fromCode(int code) {
        for (PrOutServiceAction sa : values()) {
            if (sa.code == code) {
                return Optional.of(sa);
            }
        }
        return Optional.empty();
    }
}
