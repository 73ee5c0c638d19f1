package org.prsidecar.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.reservation.Request;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;

/**
 * Cost of one command against tables of 1, 100, 1,000 and 10,000 registrations (docs/benchmarks.md,
 * "Reservation engine"). Every command runs against the same starting table: the engine is
 * pure, so this is the cost of deciding and building the next table, without storage.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
public class EngineBenchmark {

    @Param({"1", "100", "1000", "10000"})
    public int registrations;

    private final PersistentReservations engine = new PersistentReservations(1 << 20);
    private ReservationTable table;
    private Nexus holder;
    private Nexus last;
    private Request readKeys;
    private Request readReservation;
    private Request readFullStatus;
    private Request reportCapabilities;
    private Request registerNew;
    private Request reRegister;
    private Request preemptLast;
    private Request releaseHolder;

    @Setup
    public void setUp() {
        List<Registration> regs = new ArrayList<>();
        for (int i = 0; i < registrations; i++) {
            regs.add(new Registration(Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:node" + i), 0x1000 + i));
        }
        holder = regs.get(0).nexus();
        last = regs.get(regs.size() - 1).nexus();
        table = ReservationTable.of(42, false, regs,
                Optional.of(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, holder)),
                java.util.Map.of());
        readKeys = in(PrInServiceAction.READ_KEYS);
        readReservation = in(PrInServiceAction.READ_RESERVATION);
        readFullStatus = in(PrInServiceAction.READ_FULL_STATUS);
        reportCapabilities = in(PrInServiceAction.REPORT_CAPABILITIES);
        registerNew = out(Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:newcomer"), PrOutServiceAction.REGISTER, null,
                0, 0xBEEF);
        reRegister = out(last, PrOutServiceAction.REGISTER, null, 0x1000 + registrations - 1, 0xFEED);
        preemptLast = registrations > 1
                ? out(holder, PrOutServiceAction.PREEMPT, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 0x1000,
                        0x1000 + registrations - 1)
                : out(holder, PrOutServiceAction.PREEMPT, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 0x1000,
                        0x1000);
        releaseHolder = out(holder, PrOutServiceAction.RELEASE, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
                0x1000, 0);
        for (Request r : List.of(readKeys, readReservation, readFullStatus, reportCapabilities, registerNew,
                reRegister, preemptLast, releaseHolder)) {
            Outcome o = engine.execute(table, r);
            if (!o.isGood()) {
                throw new IllegalStateException("benchmark command does not succeed: " + o.detail());
            }
        }
    }

    private Request in(PrInServiceAction sa) {
        return Request.of(holder, PersistentReserveInCdb.of(sa, 8192).encode());
    }

    private static Request out(Nexus from, PrOutServiceAction sa, ReservationType type, long rk, long sark) {
        return Request.of(from, PersistentReserveOutCdb.of(sa, type, 24).encode(), BasicParameterList.of(rk, sark)
                .encode());
    }

    @Benchmark
    public Outcome readKeys() {
        return engine.execute(table, readKeys);
    }

    @Benchmark
    public Outcome readReservation() {
        return engine.execute(table, readReservation);
    }

    @Benchmark
    public Outcome readFullStatus() {
        return engine.execute(table, readFullStatus);
    }

    @Benchmark
    public Outcome reportCapabilities() {
        return engine.execute(table, reportCapabilities);
    }

    @Benchmark
    public Outcome registerNewNexus() {
        return engine.execute(table, registerNew);
    }

    @Benchmark
    public Outcome replaceKey() {
        return engine.execute(table, reRegister);
    }

    @Benchmark
    public Outcome preemptOneRegistration() {
        return engine.execute(table, preemptLast);
    }

    @Benchmark
    public Outcome releaseWithUnitAttentions() {
        return engine.execute(table, releaseHolder);
    }
}
