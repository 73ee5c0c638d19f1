package org.prsidecar.store;

import java.time.Instant;
import java.util.Objects;
import org.prsidecar.reservation.ReservationTable;

/**
 * What a sidecar holds: the table of one disk, with the disk's identity, a revision that
 * moves on every write (whoever writes), and who wrote last.
 */
public record SidecarDocument(String disk, long revision, Writer writer, ReservationTable table) {

    /** Who wrote a sidecar: for operators reading it, and for logs. */
    public record Writer(String host, long pid, Instant time, String program) {
        public Writer {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(time, "time");
            Objects.requireNonNull(program, "program");
        }
    }

    public SidecarDocument {
        Objects.requireNonNull(disk, "disk");
        Objects.requireNonNull(writer, "writer");
        Objects.requireNonNull(table, "table");
        if (revision < 0) {
            throw new IllegalArgumentException("negative revision " + revision);
        }
    }
}
