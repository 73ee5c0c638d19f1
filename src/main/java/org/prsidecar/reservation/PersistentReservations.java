package org.prsidecar.reservation;

import java.util.Optional;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * The reservation engine: executes one PERSISTENT RESERVE IN or OUT command of one I_T nexus
 * against a table and returns the {@link Outcome}. Pure and thread-safe; it never throws for
 * a command the standard answers (malformed CDBs and parameter lists included).
 */
public final class PersistentReservations {

    /** Default bound on registrations per logical unit (beyond it: 05/55/04). */
    public static final int DEFAULT_MAX_REGISTRATIONS = 16_384;

    private final int maxRegistrations;

    public PersistentReservations() {
        this(DEFAULT_MAX_REGISTRATIONS);
    }

    /**
     * @param maxRegistrations registrations a table may hold; also bounds how many nexuses may
     *     have unit attentions waiting (the oldest queues are dropped past it)
     */
    public PersistentReservations(int maxRegistrations) {
        if (maxRegistrations < 1) {
            throw new IllegalArgumentException("maxRegistrations must be positive: " + maxRegistrations);
        }
        this.maxRegistrations = maxRegistrations;
    }

    public int maxRegistrations() {
        return maxRegistrations;
    }

    /** Whether the engine answers this operation code (PR IN 5Eh or PR OUT 5Fh). */
    public static boolean isPersistentReserveCommand(int opcode) {
        return opcode == PersistentReserveInCdb.OPCODE || opcode == PersistentReserveOutCdb.OPCODE;
    }

    public Outcome execute(ReservationTable table, Request request) {
        int opcode = request.opcode();
        if (!isPersistentReserveCommand(opcode)) {
            return Outcome.checkCondition(table, SenseData.INVALID_COMMAND_OPERATION_CODE,
                    String.format("opcode %02Xh is not PERSISTENT RESERVE IN or OUT", opcode & 0xFF));
        }
        // reference 7.5: a pending unit attention is reported instead of executing the command
        // (except to a live-migration replay, which is QEMU's, not the guest's)
        if (!table.unitAttentions(request.nexus()).isEmpty() && !MigrationReplay.is(table, request)) {
            ReservationTable.Builder b = table.toBuilder();
            SenseData ua = b.pollUnitAttention(request.nexus()).orElseThrow();
            return new Outcome(b.build(), true, ScsiStatus.CHECK_CONDITION, Optional.of(ua), new byte[0],
                    "reported pending unit attention " + ua);
        }
        Outcome o = opcode == PersistentReserveInCdb.OPCODE ? persistentReserveIn(table, request)
                : PersistentReserveOut.execute(table, request, maxRegistrations);
        if (o.table().unitAttentions().size() > maxRegistrations) {
            return new Outcome(o.table().toBuilder().limitUnitAttentionQueues(maxRegistrations).build(),
                    o.changed(), o.status(), o.sense(), o.data(), o.detail());
        }
        return o;
    }

    private static Outcome persistentReserveIn(ReservationTable table, Request request) {
        try {
            PersistentReserveInCdb cdb = PersistentReserveInCdb.decode(request.cdbBytes());
            byte[] data = PersistentReserveIn.answer(cdb.serviceAction(), table).encode(cdb.allocationLength());
            return Outcome.data(table, data, cdb.serviceAction() + ": " + data.length + " bytes");
        } catch (ScsiException e) {
            return fromException(table, e);
        }
    }

    static Outcome fromException(ReservationTable table, ScsiException e) {
        if (e.status() == ScsiStatus.CHECK_CONDITION) {
            return Outcome.checkCondition(table, e.sense().orElseThrow(), e.getMessage());
        }
        if (e.status() == ScsiStatus.RESERVATION_CONFLICT) {
            return Outcome.conflict(table, e.getMessage());
        }
        return new Outcome(table, false, e.status(), Optional.empty(), new byte[0], e.getMessage());
    }

    /**
     * An emulated power loss and power on (reference 2.9, invariant 9): with APTPL set the
     * registrations and the reservation survive; without it the table empties. Either way the
     * generation restarts at 0 and no unit attention stays queued.
     */
    public static ReservationTable powerCycle(ReservationTable table) {
        if (!table.aptpl()) {
            return ReservationTable.empty();
        }
        return table.toBuilder().generation(0).clearUnitAttentions().build();
    }
}
