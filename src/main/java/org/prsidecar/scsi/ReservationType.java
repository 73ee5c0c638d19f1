package org.prsidecar.scsi;

import java.util.Optional;

/** The six persistent reservation types (SPC reference 1.1), with their TYPE codes. */
public enum ReservationType {
    WRITE_EXCLUSIVE(1, "Write Exclusive"),
    EXCLUSIVE_ACCESS(3, "Exclusive Access"),
    WRITE_EXCLUSIVE_REGISTRANTS_ONLY(5, "Write Exclusive, registrants only"),
    EXCLUSIVE_ACCESS_REGISTRANTS_ONLY(6, "Exclusive Access, registrants only"),
    WRITE_EXCLUSIVE_ALL_REGISTRANTS(7, "Write Exclusive, all registrants"),
    EXCLUSIVE_ACCESS_ALL_REGISTRANTS(8, "Exclusive Access, all registrants");

    private final int code;
    private final String title;

    ReservationType(int code, String title) {
        this.code = code;
        this.title = title;
    }

    /** The TYPE field value of the CDB and of PR IN data. */
    public int code() {
        return code;
    }

    /** As sg_persist prints it, e.g. "Write Exclusive, registrants only". */
    public String title() {
        return title;
    }

    /** Types 7 and 8: every registrant is a reservation holder. */
    public boolean allRegistrants() {
        return this == WRITE_EXCLUSIVE_ALL_REGISTRANTS || this == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    /** Types 5 and 6: one holder, but every registrant gets access. */
    public boolean registrantsOnly() {
        return this == WRITE_EXCLUSIVE_REGISTRANTS_ONLY || this == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
    }

    /** Types 3, 6 and 8 also restrict reads. */
    public boolean exclusiveAccess() {
        return this == EXCLUSIVE_ACCESS || this == EXCLUSIVE_ACCESS_REGISTRANTS_ONLY
                || this == EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
    }

    public static Optional<ReservationType> fromCode(int code) {
        for (ReservationType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }
}
