package org.prsidecar.store;

import java.util.Objects;
import org.prsidecar.reservation.ReservationTable;

/**
 * Durable storage of reservation tables, one per disk. Implementations make {@link #update}
 * atomic across every process and host that shares the storage.
 */
public interface TableStore {

    /** The current table of {@code disk}; a fresh disk's table if it has none yet. */
    ReservationTable read(Disk disk) throws StoreException;

    /**
     * Atomically: reads the table under an exclusive lock, applies {@code update}, and when
     * the table it returns is a different one, makes that durable before returning. If any
     * step fails, the old table stays and a {@link StoreException} says why.
     *
     * @return what {@code update} returned, once its table is durable
     */
    <R> Change<R> update(Disk disk, TableUpdate<R> update) throws StoreException;

    /** A computation on a table: pure, may run more than once. */
    @FunctionalInterface
    interface TableUpdate<R> {
        Change<R> apply(ReservationTable current);
    }

    /** A new table (the same instance when nothing changed) and a result for the caller. */
    record Change<R>(ReservationTable table, R result) {
        public Change {
            Objects.requireNonNull(table, "table");
        }
    }
}
