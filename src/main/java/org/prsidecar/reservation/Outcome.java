package org.prsidecar.reservation;

import java.util.Objects;
import java.util.Optional;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * What executing a command produced: the new table (the same instance when nothing changed),
 * the status and sense to answer, the PR IN data (already cut to the allocation length;
 * empty for PR OUT) and a one-line account of what happened, for the log.
 */
public record Outcome(ReservationTable table, boolean changed, ScsiStatus status, Optional<SenseData> sense,
        byte[] data, String detail) {

    public Outcome {
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(sense, "sense");
        Objects.requireNonNull(detail, "detail");
        if ((status == ScsiStatus.CHECK_CONDITION) != sense.isPresent()) {
            throw new IllegalArgumentException("sense goes with CHECK CONDITION, and only with it");
        }
        if (status != ScsiStatus.GOOD && data.length != 0) {
            throw new IllegalArgumentException("data is returned only with GOOD");
        }
        data = data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public int dataLength() {
        return data.length;
    }

    public boolean isGood() {
        return status == ScsiStatus.GOOD;
    }

    static Outcome good(ReservationTable before, ReservationTable after, String detail) {
        return new Outcome(after, after != before, ScsiStatus.GOOD, Optional.empty(), new byte[0], detail);
    }

    static Outcome data(ReservationTable table, byte[] data, String detail) {
        return new Outcome(table, false, ScsiStatus.GOOD, Optional.empty(), data, detail);
    }

    static Outcome conflict(ReservationTable table, String detail) {
        return new Outcome(table, false, ScsiStatus.RESERVATION_CONFLICT, Optional.empty(), new byte[0],
                "RESERVATION CONFLICT: " + detail);
    }

    static Outcome checkCondition(ReservationTable table, SenseData sense, String detail) {
        return new Outcome(table, false, ScsiStatus.CHECK_CONDITION, Optional.of(sense), new byte[0],
                sense + ": " + detail);
    }
}
