package org.prsidecar.reservation;

import java.util.Objects;
import java.util.Optional;
import org.prsidecar.scsi.ReservationType;

/**
 * The persistent reservation. For types 1/3/5/6 {@code holder} is the reserving nexus; for the
 * all-registrants types 7/8 it is empty, because every registrant holds the reservation.
 */
public record Reservation(ReservationType type, int scope, Optional<Nexus> holder) {

    public Reservation {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(holder, "holder");
        if (scope != 0) {
            throw new IllegalArgumentException("only LU scope (0) exists: " + scope);
        }
        if (type.allRegistrants() == holder.isPresent()) {
            throw new IllegalArgumentException(type.allRegistrants()
                    ? "an all-registrants reservation has no single holder"
                    : "a " + type + " reservation needs a holder");
        }
    }

    /** A reservation of {@code type} made by {@code by}. */
    public static Reservation of(ReservationType type, Nexus by) {
        return new Reservation(type, 0, type.allRegistrants() ? Optional.empty() : Optional.of(by));
    }
}
