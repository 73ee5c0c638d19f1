package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.RegisterAndMoveParameterList;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.TransportId;

/**
 * A logical unit under test: a table, the engine, and commands sent as named initiators,
 * written the way sg_persist spells them.
 *
 * <pre>
 * LogicalUnit lu = new LogicalUnit();
 * lu.as(A).register(0, 0xA).good();
 * lu.as(A).reserve(0xA, WE_RO).good();
 * lu.as(B).reserve(0xB, WE_RO).conflict();
 * </pre>
 */
final class LogicalUnit {
    static final Nexus A = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:a");
    static final Nexus B = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:b");
    static final Nexus C = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:c");
    static final Nexus D = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:d");

    static final ReservationType WE = ReservationType.WRITE_EXCLUSIVE;
    static final ReservationType EA = ReservationType.EXCLUSIVE_ACCESS;
    static final ReservationType WE_RO = ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
    static final ReservationType EA_RO = ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
    static final ReservationType WE_AR = ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS;
    static final ReservationType EA_AR = ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;

    private final PersistentReservations engine;
    private ReservationTable table;
    private final List<Outcome> history = new ArrayList<>();

    LogicalUnit() {
        this(ReservationTable.empty());
    }

    LogicalUnit(ReservationTable table) {
        this(table, new PersistentReservations());
    }

    LogicalUnit(ReservationTable table, PersistentReservations engine) {
        this.table = table;
        this.engine = engine;
    }

    ReservationTable table() {
        return table;
    }

    int generation() {
        return table.generation();
    }

    List<Outcome> history() {
        return history;
    }

    void powerCycle() {
        table = PersistentReservations.powerCycle(table);
    }

    Initiator as(Nexus nexus) {
        return new Initiator(nexus, Optional.empty());
    }

    /** Commands from {@code nexus} sent by the process {@code client} (live migration tests). */
    Initiator as(Nexus nexus, String client) {
        return new Initiator(nexus, Optional.of(client));
    }

    /** Executes a raw request, keeping the new table. */
    Result execute(Request request) {
        ReservationTable before = table;
        Outcome o = engine.execute(before, request);
        if (!o.changed()) {
            assertSame(before, o.table(), "an unchanged outcome must return the same table");
        }
        table = o.table();
        history.add(o);
        return new Result(o, before);
    }

    final class Initiator {
        private final Nexus nexus;
        private final Optional<String> client;

        private Initiator(Nexus nexus, Optional<String> client) {
            this.nexus = nexus;
            this.client = client;
        }

        Result out(PrOutServiceAction sa, ReservationType type, byte[] params) {
            return out(new PersistentReserveOutCdb(sa, 0, type == null ? 0 : type.code(), params.length, 0), params);
        }

        Result out(PersistentReserveOutCdb cdb, byte[] params) {
            return execute(new Request(nexus, client, cdb.encode(), params));
        }

        Result out(PrOutServiceAction sa, ReservationType type, BasicParameterList p) {
            return out(sa, type, p.encode());
        }

        Result register(long rk, long sark) {
            return out(PrOutServiceAction.REGISTER, null, BasicParameterList.of(rk, sark));
        }

        Result register(long rk, long sark, boolean allTgPt, boolean aptpl) {
            return out(PrOutServiceAction.REGISTER, null,
                    new BasicParameterList(rk, sark, false, allTgPt, aptpl, List.of()));
        }

        /** REGISTER with SPEC_I_PT for these initiator ports. */
        Result registerSpecifying(long sark, TransportId... ports) {
            return out(PrOutServiceAction.REGISTER, null,
                    new BasicParameterList(0, sark, true, false, false, List.of(ports)));
        }

        Result registerAndIgnore(long sark) {
            return out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, BasicParameterList.of(0, sark));
        }

        Result registerAndIgnore(long sark, boolean aptpl) {
            return out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null,
                    new BasicParameterList(0, sark, false, false, aptpl, List.of()));
        }

        Result reserve(long rk, ReservationType type) {
            return out(PrOutServiceAction.RESERVE, type, BasicParameterList.of(rk, 0));
        }

        Result release(long rk, ReservationType type) {
            return out(PrOutServiceAction.RELEASE, type, BasicParameterList.of(rk, 0));
        }

        Result clear(long rk) {
            return out(PrOutServiceAction.CLEAR, null, BasicParameterList.of(rk, 0));
        }

        Result preempt(long rk, long sark, ReservationType type) {
            return out(PrOutServiceAction.PREEMPT, type, BasicParameterList.of(rk, sark));
        }

        Result preemptAndAbort(long rk, long sark, ReservationType type) {
            return out(PrOutServiceAction.PREEMPT_AND_ABORT, type, BasicParameterList.of(rk, sark));
        }

        Result registerAndMove(long rk, long sark, Nexus destination, boolean unregister) {
            return out(PrOutServiceAction.REGISTER_AND_MOVE, null, new RegisterAndMoveParameterList(rk, sark,
                    unregister, false, destination.relativeTargetPortId(), destination.initiator()).encode());
        }

        Result in(PrInServiceAction sa, int allocationLength) {
            return execute(new Request(nexus, client, PersistentReserveInCdb.of(sa, allocationLength).encode(),
                    new byte[0]));
        }

        List<Long> readKeys() {
            return decode(() -> ReadKeysData.decode(in(PrInServiceAction.READ_KEYS, 8192).good().data())).keys();
        }

        Optional<ReadReservationData.Reserved> readReservation() {
            return decode(() -> ReadReservationData.decode(in(PrInServiceAction.READ_RESERVATION, 8192).good().data()))
                    .reservation();
        }

        ReadFullStatusData readFullStatus() {
            return decode(() -> ReadFullStatusData.decode(in(PrInServiceAction.READ_FULL_STATUS, 8192).good().data()));
        }

        ReportCapabilitiesData reportCapabilities() {
            return decode(() -> ReportCapabilitiesData.decode(
                    in(PrInServiceAction.REPORT_CAPABILITIES, 8192).good().data()));
        }
    }

    private interface Decoder<T> {
        T decode() throws ScsiException;
    }

    private static <T> T decode(Decoder<T> d) {
        try {
            return d.decode();
        } catch (ScsiException e) {
            return fail("PR IN data does not decode: " + e.getMessage());
        }
    }

    /** One command's outcome, with assertions that read like the standard. */
    record Result(Outcome outcome, ReservationTable before) {

        Result good() {
            assertEquals(ScsiStatus.GOOD, outcome.status(), outcome::detail);
            return this;
        }

        Result conflict() {
            assertEquals(ScsiStatus.RESERVATION_CONFLICT, outcome.status(), outcome::detail);
            assertTrue(outcome.sense().isEmpty(), "RESERVATION CONFLICT carries no sense");
            assertUnchanged();
            return this;
        }

        Result checkCondition(SenseData sense) {
            assertEquals(ScsiStatus.CHECK_CONDITION, outcome.status(), outcome::detail);
            assertEquals(Optional.of(sense), outcome.sense(), outcome::detail);
            return this;
        }

        /** An error answer (not a unit attention report) leaves the table as it was. */
        Result rejectedWith(SenseData sense) {
            checkCondition(sense);
            assertUnchanged();
            return this;
        }

        Result unchanged() {
            assertUnchanged();
            return this;
        }

        private void assertUnchanged() {
            assertSame(before, outcome.table(), () -> "table changed by: " + outcome.detail());
        }

        byte[] data() {
            return outcome.data();
        }
    }
}
