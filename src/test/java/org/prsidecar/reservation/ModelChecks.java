package org.prsidecar.reservation;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.prsidecar.reservation.AccessPolicy.Decision;
import org.prsidecar.reservation.AccessPolicy.Standing;
import org.prsidecar.reservation.GenCommands.Cmd;
import org.prsidecar.reservation.GenCommands.Kind;
import org.prsidecar.reservation.GenCommands.TidRef;
import org.prsidecar.reservation.ModelLogicalUnit.Reg;
import org.prsidecar.reservation.ModelLogicalUnit.Res;
import org.prsidecar.reservation.ModelLogicalUnit.State;
import org.prsidecar.reservation.ModelLogicalUnit.Ua;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;

/**
 * The invariants of SPC reference section 5, checked on the engine's own tables and answers,
 * and the comparison of engine and {@link ModelLogicalUnit}. PR IN data is taken apart here
 * byte by byte, not with the codecs under test. Every check throws {@link AssertionError}
 * saying which invariant broke.
 */
final class ModelChecks {
    private ModelChecks() {
    }

    static final int FULL = 0xFFFF;

    static AssertionError fail(String invariant, String what) {
        return new AssertionError("[" + invariant + "] " + what);
    }

    static void check(boolean ok, String invariant, Supplier<String> what) {
        if (!ok) {
            throw fail(invariant, what.get());
        }
    }

    // ------------------------------------------------------------------ engine table -> model terms

    /** The engine's table in the model's terms, to compare field by field. */
    static State asModel(ReservationTable t) {
        State s = State.fresh();
        s.gen = t.generation();
        s.aptpl = t.aptpl();
        for (Registration r : t.registrations()) {
            check(r.nexus().relativeTargetPortId() == Nexus.TARGET_PORT, "1.4", () -> "registration through port "
                    + r.nexus().relativeTargetPortId());
            String port = ModelLogicalUnit.portOf(r.nexus().initiator());
            check(!s.regs.containsKey(port), "inv 1", () -> "two registrations for " + port);
            s.regs.put(port, new Reg(port, r.key(), r.allTargetPorts(), r.client().orElse(null)));
        }
        t.reservation().ifPresent(r -> s.res = new Res(r.type().code(),
                r.holder().map(h -> ModelLogicalUnit.portOf(h.initiator())).orElse(null)));
        t.unitAttentions().forEach((n, q) -> s.uas.put(ModelLogicalUnit.portOf(n.initiator()),
                q.stream().map(ModelChecks::ua).collect(Collectors.toCollection(ArrayList::new))));
        return s;
    }

    /** For failure reports: the table in the model's terms, or as it prints when that fails. */
    static String asModelSafe(ReservationTable t) {
        try {
            return asModel(t).toString();
        } catch (AssertionError e) {
            return t.toString();
        }
    }

    static Ua ua(SenseData d) {
        check(d.key() == SenseKey.UNIT_ATTENTION, "2.10", () -> "queued sense is not a unit attention: " + d);
        for (Ua u : Ua.values()) {
            if (u.asc == d.asc() && u.ascq == d.ascq()) {
                return u;
            }
        }
        throw fail("2.10", "a unit attention the reference does not define: " + d);
    }

    static SenseData sense(Ua u) {
        return new SenseData(SenseKey.UNIT_ATTENTION, u.asc, u.ascq);
    }

    /**
     * The two commands a QEMU >= 11 migration destination replays (reference 7.9), judged on
     * the engine's table: REGISTER RK=0 SARK=own key, or the holder's PREEMPT RK=SARK=own key
     * of the reservation's type, from a process other than the one recorded on the registration.
     */
    static boolean isMigrationReplay(ReservationTable t, Cmd c) {
        Optional<Registration> own = t.registration(c.nexus());
        if (c.kind() != Kind.OUT || own.isEmpty() || c.client() == null
                || Optional.of(c.client()).equals(own.get().client())
                || c.corruption() != GenCommands.Corruption.NONE || c.specIpt() || c.scope() != 0) {
            return false;
        }
        long key = own.get().key();
        if (c.sa() == 0) {
            return c.rk() == 0 && c.sark() == key;
        }
        return c.sa() == 4 && c.rk() == key && c.sark() == key && t.isHolder(c.nexus())
                && t.reservation().map(r -> r.type().code() == c.type()).orElse(false);
    }

    // ------------------------------------------------------------------ invariants on one step

    /**
     * Invariants 1-4 and 8 for one executed command, from the engine's before and after
     * tables alone (no model): what a command may change, the generation, the unit attentions.
     */
    static void checkStep(ReservationTable before, Cmd c, Outcome o) {
        ReservationTable after = o.table();
        Nexus me = c.nexus();
        if (!o.changed()) {
            check(after == before, "inv 4", () -> "an unchanged outcome returns another table");
        }
        checkStructure(after);
        List<SenseData> pending = before.unitAttentions(me);
        if (!pending.isEmpty() && isMigrationReplay(before, c)) {
            // reference 7.9: QEMU's own replay runs; the guest's unit attentions stay queued
            check(after.unitAttentions(me).equals(pending), "7.9",
                    () -> "a replay touched the queue of its sender: " + after.unitAttentions(me));
        } else if (!pending.isEmpty()) {
            // reference 7.5: reported instead of executing; only that queue shrinks
            check(o.status() == ScsiStatus.CHECK_CONDITION && o.sense().equals(Optional.of(pending.get(0))),
                    "7.5", () -> "pending " + pending + " not reported first; got " + o.status() + " " + o.sense());
            check(after.generation() == before.generation() && after.aptpl() == before.aptpl()
                    && new ArrayList<>(after.registrations()).equals(new ArrayList<>(before.registrations()))
                    && after.reservation().equals(before.reservation()), "7.5",
                    () -> "reporting a unit attention changed the table");
            check(after.unitAttentions(me).equals(pending.subList(1, pending.size())), "7.5",
                    () -> "queue after reporting: " + after.unitAttentions(me));
            Map<Nexus, List<SenseData>> others = new LinkedHashMap<>(after.unitAttentions());
            others.remove(me);
            Map<Nexus, List<SenseData>> othersBefore = new LinkedHashMap<>(before.unitAttentions());
            othersBefore.remove(me);
            check(others.equals(othersBefore), "7.5", () -> "reporting changed other nexuses' queues");
            return;
        }
        if (o.status() != ScsiStatus.GOOD) {
            check(after == before && !o.changed(), "inv 4", () -> "a " + o.status() + " changed the table");
            check(o.dataLength() == 0, "inv 4", () -> "data with " + o.status());
            return;
        }
        if (c.kind() == Kind.IN) {
            check(after == before, "inv 4", () -> "PR IN changed the table");
            check(o.dataLength() <= c.alloc(), "inv 6", () -> o.dataLength() + " bytes for allocation length " + c.alloc());
            return;
        }
        check(o.dataLength() == 0, "QEMU", () -> "PR OUT returned data");
        checkGeneration(before, c, after);
        checkUnitAttentions(before, c, after);
        checkAllRegistrantsContinuity(before, c, after);
        checkSpecIpt(before, c, after);
    }

    /** Invariants 1 and 2 on any table. */
    static void checkStructure(ReservationTable t) {
        Set<Nexus> seen = new HashSet<>();
        for (Registration r : t.registrations()) {
            check(r.key() != 0, "inv 1", () -> "key 0 registered for " + r.nexus());
            check(seen.add(r.nexus()), "inv 1", () -> "two registrations for " + r.nexus());
        }
        t.reservation().ifPresent(res -> {
            check(t.registrationCount() > 0, "inv 2", () -> "reservation " + res + " without registrations");
            check(res.type().allRegistrants() == res.holder().isEmpty(), "inv 2", () -> "holder of " + res);
            res.holder().ifPresent(h -> check(t.isRegistered(h), "inv 2", () -> "holder " + h + " not registered"));
        });
    }

    /** Invariant 3 (reference 2.8): +1 exactly for the state-changing service actions. */
    static void checkGeneration(ReservationTable before, Cmd c, ReservationTable after) {
        Optional<Registration> own = before.registration(c.nexus());
        int delta = switch (c.sa()) {
            case 0, 6 -> own.isPresent() ? (c.sa() == 6 || c.rk() == own.get().key() ? 1 : 0) // else 7.9 replay
                    : (c.sark() != 0 ? 1 : 0);
            case 3, 4, 5, 7 -> 1;
            default -> 0;
        };
        check(after.generation() == before.generation() + delta, "inv 3", () -> "generation "
                + Integer.toUnsignedString(before.generation()) + " -> " + Integer.toUnsignedString(after.generation())
                + ", expected +" + delta);
    }

    /**
     * Invariant 8 (reference 2.10): the unit attentions a successful command queues, derived
     * from the before table and the command: exactly those nexuses, never the caller.
     */
    static void checkUnitAttentions(ReservationTable before, Cmd c, ReservationTable after) {
        Nexus me = c.nexus();
        Map<Nexus, EnumSet<Ua>> expected = new LinkedHashMap<>();
        Optional<Reservation> res = before.reservation();
        List<Nexus> gone = before.registrations().stream().map(Registration::nexus)
                .filter(n -> !after.isRegistered(n)).toList();
        switch (c.sa()) {
            case 3 -> before.registrations().stream().map(Registration::nexus).filter(n -> !n.equals(me))
                    .forEach(n -> add(expected, n, Ua.RESERVATIONS_PREEMPTED));
            case 4, 5 -> {
                List<Nexus> shouldGo = res.isPresent() && res.get().type().allRegistrants() && c.sark() == 0
                        ? before.registrations().stream().map(Registration::nexus).filter(n -> !n.equals(me)).toList()
                        : before.registrations().stream().filter(r -> r.key() == c.sark() && !r.nexus().equals(me))
                                .map(Registration::nexus).toList();
                check(gone.equals(shouldGo), "2.5", () -> "PREEMPT removed " + gone + ", expected " + shouldGo);
                for (Nexus n : gone) {
                    add(expected, n, Ua.REGISTRATIONS_PREEMPTED);
                    if (c.sa() == 5) {
                        add(expected, n, Ua.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
                    }
                }
                if (res.isPresent() && !res.get().type().allRegistrants()
                        && c.sark() == before.registration(res.get().holder().orElseThrow()).orElseThrow().key()
                        && res.get().type().code() != c.type()) {
                    after.registrations().stream().map(Registration::nexus).filter(n -> !n.equals(me))
                            .forEach(n -> add(expected, n, Ua.RESERVATIONS_RELEASED));
                }
            }
            case 2 -> {
                if (res.isPresent() && after.reservation().isEmpty() && res.get().type().code() >= 5) {
                    before.registrations().stream().map(Registration::nexus).filter(n -> !n.equals(me))
                            .forEach(n -> add(expected, n, Ua.RESERVATIONS_RELEASED));
                }
            }
            case 0, 6 -> {
                if (res.isPresent() && res.get().holder().equals(Optional.of(me)) && !after.isRegistered(me)
                        && res.get().type().registrantsOnly()) {
                    after.registrations().forEach(r -> add(expected, r.nexus(), Ua.RESERVATIONS_RELEASED));
                }
            }
            default -> {
            }
        }
        // nothing is queued for the caller (a replay leaves the caller's waiting queue as it was)
        check(after.unitAttentions(me).equals(before.unitAttentions(me)), "inv 8",
                () -> "unit attention queued for the caller: " + after.unitAttentions(me));
        Set<Nexus> all = new HashSet<>(before.unitAttentions().keySet());
        all.addAll(after.unitAttentions().keySet());
        all.addAll(expected.keySet());
        for (Nexus n : all) {
            List<Ua> was = before.unitAttentions(n).stream().map(ModelChecks::ua).toList();
            List<Ua> now = after.unitAttentions(n).stream().map(ModelChecks::ua).toList();
            EnumSet<Ua> want = expected.getOrDefault(n, EnumSet.noneOf(Ua.class));
            check(now.containsAll(want), "inv 8", () -> n + " should have " + want + " queued, has " + now);
            for (Ua u : now) {
                check(was.contains(u) || want.contains(u), "inv 8", () -> n + " got " + u + ", which "
                        + GenCommands.saName(c.sa()) + " does not queue for it");
            }
            check(now.subList(0, Math.min(was.size(), now.size())).equals(was), "7.5",
                    () -> n + ": queued unit attentions reordered: " + was + " -> " + now);
            if (!was.contains(Ua.REGISTRATIONS_PREEMPTED) && !was.contains(Ua.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR)
                    && now.contains(Ua.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR)) {
                check(now.indexOf(Ua.REGISTRATIONS_PREEMPTED) < now.indexOf(Ua.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR),
                        "7.5", () -> n + ": PREEMPT AND ABORT must queue 2A/05 before 2F/00: " + now);
            }
        }
    }

    private static void add(Map<Nexus, EnumSet<Ua>> m, Nexus n, Ua u) {
        m.computeIfAbsent(n, k -> EnumSet.noneOf(Ua.class)).add(u);
    }

    /** Invariant 2: a 7/8 reservation ends only with its last registrant (or a RELEASE, CLEAR, PREEMPT). */
    static void checkAllRegistrantsContinuity(ReservationTable before, Cmd c, ReservationTable after) {
        Optional<Reservation> res = before.reservation();
        if (res.isEmpty() || !res.get().type().allRegistrants()) {
            return;
        }
        boolean unregisters = c.sa() == 0 || c.sa() == 6;
        boolean preemptsKeys = (c.sa() == 4 || c.sa() == 5) && c.sark() != 0;
        if ((unregisters || preemptsKeys) && after.registrationCount() > 0) {
            check(after.reservation().equals(res), "inv 2", () -> "type " + res.get().type().code()
                    + " reservation changed to " + after.reservation() + " while registrants remain");
        }
        if (after.registrationCount() == 0) {
            check(after.reservation().isEmpty(), "inv 2", () -> "reservation outlives its last registrant");
        }
    }

    /** Invariant 4, SPEC_I_PT part: a successful list registers every port listed, with SARK. */
    static void checkSpecIpt(ReservationTable before, Cmd c, ReservationTable after) {
        if (c.kind() != Kind.OUT || c.sa() != 0 || !c.specIpt() || before.isRegistered(c.nexus()) || c.sark() == 0) {
            return;
        }
        for (TidRef t : c.tids()) {
            String port = t.port(c.sender());
            Optional<Registration> r = after.registrations().stream()
                    .filter(x -> ModelLogicalUnit.portOf(x.nexus().initiator()).equals(port)).findFirst();
            check(r.isPresent() && r.get().key() == c.sark(), "inv 4", () -> "SPEC_I_PT listed "
                    + GenCommands.shortName(port) + ", registered as " + r);
        }
    }

    // ------------------------------------------------------------------ engine vs model

    static void sameAsModel(ReservationTable t, State m) {
        State e = asModel(t);
        List<String> diffs = new ArrayList<>();
        if (e.gen != m.gen) {
            diffs.add("generation " + Integer.toUnsignedString(e.gen) + " (model " + Integer.toUnsignedString(m.gen) + ")");
        }
        if (e.aptpl != m.aptpl) {
            diffs.add("APTPL " + e.aptpl + " (model " + m.aptpl + ")");
        }
        if (!e.regs.equals(m.regs)) {
            diffs.add("registrations " + e.regs.values() + " (model " + m.regs.values() + ")");
        }
        if (!Objects.equals(e.res, m.res)) {
            diffs.add("reservation " + e.res + " (model " + m.res + ")");
        }
        if (!e.uas.equals(m.uas)) {
            diffs.add("unit attentions " + e.uas + " (model " + m.uas + ")");
        }
        check(diffs.isEmpty(), "model", () -> "engine and model disagree: " + String.join("; ", diffs));
    }

    // ------------------------------------------------------------------ PR IN data (1.5, inv 5, 6)

    /** Allocation lengths around headers and descriptors; each step tries two of them (and whole - 1). */
    private static final int[] CUTS = {0, 3, 7, 8, 9, 16, 23, 24, 31, 40};

    /**
     * Reads the table through PR IN as a nexus that never registers and checks all four
     * answers; {@code step} picks which truncations are tried this time.
     */
    static void observe(PersistentReservations engine, ReservationTable t, State m, int step) {
        byte[] keys = readAll(engine, t, 0);
        byte[] reservation = readAll(engine, t, 1);
        byte[] caps = readAll(engine, t, 2);
        byte[] full = readAll(engine, t, 3);
        checkReadKeys(keys, m);
        checkReadReservation(reservation, m);
        checkReportCapabilities(caps, m);
        List<Descriptor> ds = checkReadFullStatus(full, m);
        // invariant 5: READ RESERVATION agrees with the R_HOLDER bits
        long holders = ds.stream().filter(Descriptor::holder).count();
        if (m.res == null) {
            check(holders == 0, "inv 5", () -> "R_HOLDER set with no reservation");
        } else if (m.res.allRegistrants()) {
            check(holders == ds.size(), "inv 5", () -> "types 7/8: every registrant has R_HOLDER");
            check(get(reservation, 8, 8) == 0, "inv 5", () -> "types 7/8: READ RESERVATION key must be 0");
        } else {
            check(holders == 1, "inv 5", () -> holders + " descriptors with R_HOLDER for type " + m.res.type());
            Descriptor h = ds.stream().filter(Descriptor::holder).findFirst().orElseThrow();
            check(h.key() == get(reservation, 8, 8), "inv 5", () -> "READ RESERVATION key "
                    + GenCommands.hex(get(reservation, 8, 8)) + ", holder descriptor key " + GenCommands.hex(h.key()));
        }
        // invariant 6 at a few lengths around the headers and descriptors
        for (int sa = 0; sa <= 3; sa++) {
            byte[] whole = switch (sa) {
                case 0 -> keys;
                case 1 -> reservation;
                case 2 -> caps;
                default -> full;
            };
            for (int alloc : new int[] {CUTS[step % CUTS.length], CUTS[(step + 5) % CUTS.length], whole.length - 1}) {
                if (alloc >= 0) {
                    checkPrefix(read(engine, t, sa, alloc), whole, alloc, sa);
                }
            }
        }
    }

    static void checkPrefix(byte[] got, byte[] whole, int alloc, int sa) {
        Supplier<String> what = () -> GenCommands.inName(sa);
        check(got.length == Math.min(alloc, whole.length), "inv 6", () -> what.get() + " with allocation length " + alloc
                + " returned " + got.length + " of " + whole.length + " bytes");
        check(Arrays.equals(got, Arrays.copyOf(whole, got.length)), "inv 6", () -> what.get() + " with allocation length "
                + alloc + " is not a prefix of the full answer");
    }

    static byte[] readAll(PersistentReservations engine, ReservationTable t, int sa) {
        return read(engine, t, sa, FULL);
    }

    static byte[] read(PersistentReservations engine, ReservationTable t, int sa, int alloc) {
        byte[] cdb = new byte[10];
        cdb[0] = 0x5E;
        cdb[1] = (byte) sa;
        GenCommands.put(cdb, 7, alloc, 2);
        Outcome o = engine.execute(t, Request.of(GenCommands.OBSERVER, cdb));
        check(o.isGood(), "1.5", () -> "PR IN " + GenCommands.inName(sa) + " failed: " + o.detail());
        check(o.table() == t && !o.changed(), "inv 4", () -> "PR IN changed the table");
        return o.data();
    }

    static void checkReadKeys(byte[] b, State m) {
        check(b.length >= 8, "1.5", () -> "READ KEYS shorter than 8 bytes");
        check((int) get(b, 0, 4) == m.gen, "1.5", () -> "READ KEYS generation " + get(b, 0, 4) + ", model " + m.gen);
        check(get(b, 4, 4) == 8L * m.regs.size(), "inv 5", () -> "READ KEYS additional length " + get(b, 4, 4) + " for "
                + m.regs.size() + " registrations");
        check(b.length == 8 + 8 * m.regs.size(), "1.5", () -> "READ KEYS is " + b.length + " bytes");
        List<Long> got = new ArrayList<>();
        for (int at = 8; at < b.length; at += 8) {
            got.add(get(b, at, 8));
        }
        List<Long> want = m.regs.values().stream().map(Reg::key).collect(Collectors.toCollection(ArrayList::new));
        got.sort(Long::compareUnsigned);
        want.sort(Long::compareUnsigned);
        check(got.equals(want), "1.5", () -> "READ KEYS reports " + hexes(got) + ", registered " + hexes(want));
    }

    static void checkReadReservation(byte[] b, State m) {
        byte[] want;
        if (m.res == null) {
            want = new byte[8];
        } else {
            want = new byte[24];
            GenCommands.put(want, 4, 16, 4);
            GenCommands.put(want, 8, m.res.allRegistrants() ? 0 : m.holderKey(), 8);
            want[21] = (byte) m.res.type();
        }
        GenCommands.put(want, 0, m.gen, 4);
        check(Arrays.equals(b, want), "1.5", () -> "READ RESERVATION " + hexdump(b) + ", expected " + hexdump(want));
    }

    static void checkReportCapabilities(byte[] b, State m) {
        // reference 1.5 Decision: SIP_C ATP_C PTPL_C, TMV, ALLOW COMMANDS 000b, PTPL_A, all six types
        byte[] want = {0, 8, 0x0D, (byte) (0x80 | (m.aptpl ? 1 : 0)), (byte) 0xEA, 0x01, 0, 0};
        check(Arrays.equals(b, want), "1.5", () -> "REPORT CAPABILITIES " + hexdump(b) + ", expected " + hexdump(want));
    }

    /** A READ FULL STATUS descriptor, read by hand. */
    record Descriptor(long key, boolean allTgPt, boolean holder, int scopeType, int rtpi, String port) {
        @Override
        public String toString() {
            return GenCommands.shortName(port) + " key=" + GenCommands.hex(key) + (allTgPt ? " ALL_TG_PT" : "")
                    + (holder ? " R_HOLDER" : "") + String.format(" scope|type=%02x", scopeType) + " port=" + rtpi;
        }
    }

    static List<Descriptor> checkReadFullStatus(byte[] b, State m) {
        check(b.length >= 8 && (int) get(b, 0, 4) == m.gen, "1.5", () -> "READ FULL STATUS generation");
        check(get(b, 4, 4) == b.length - 8, "1.5", () -> "READ FULL STATUS additional length " + get(b, 4, 4) + " for "
                + (b.length - 8) + " bytes");
        List<Descriptor> ds = new ArrayList<>();
        int at = 8;
        while (at < b.length) {
            check(b.length - at >= 24, "1.5", () -> "READ FULL STATUS descriptor truncated");
            int idLength = (int) get(b, at + 20, 4);
            check(at + 24 + idLength <= b.length, "1.5", () -> "ADDITIONAL DESCRIPTOR LENGTH overruns");
            ds.add(new Descriptor(get(b, at, 8), (b[at + 12] & 2) != 0, (b[at + 12] & 1) != 0, b[at + 13] & 0xFF,
                    (int) get(b, at + 18, 2), iscsiPort(b, at + 24, idLength)));
            at += 24 + idLength;
        }
        check(ds.size() == m.regs.size(), "inv 5", () -> ds.size() + " descriptors for " + m.regs.size() + " registrations");
        Map<String, Descriptor> byPort = new TreeMap<>();
        for (Descriptor d : ds) {
            check(byPort.put(d.port(), d) == null, "inv 1", () -> "two descriptors for " + d.port());
        }
        for (Reg r : m.regs.values()) {
            Descriptor d = byPort.get(r.port());
            check(d != null, "inv 5", () -> "no descriptor for " + r.port());
            boolean holder = m.holds(r.port());
            Descriptor want = new Descriptor(r.key(), r.allTgPt(), holder, holder ? m.res.type() : 0,
                    r.allTgPt() ? 0 : 1, r.port());
            check(d.equals(want), "1.5", () -> "READ FULL STATUS " + d + ", expected " + want);
        }
        return ds;
    }

    /** The port an iSCSI TransportID names, folded as the model names ports. */
    static String iscsiPort(byte[] b, int at, int length) {
        check(length >= 24 && length % 4 == 0, "1.4", () -> "iSCSI TransportID of " + length + " bytes");
        int format = (b[at] & 0xC0) >>> 6;
        check((b[at] & 0x0F) == 5 && format <= 1, "1.4", () -> String.format("TransportID byte 0 %02Xh", b[at]));
        check(get(b, at + 2, 2) == length - 4, "1.4", () -> "iSCSI ADDITIONAL LENGTH " + get(b, at + 2, 2));
        int end = at + 4;
        while (end < at + length && b[end] != 0) {
            end++;
        }
        check(end < at + length, "1.4", () -> "iSCSI name not NUL-terminated");
        String s = new String(b, at + 4, end - at - 4, StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        check((format == 1) == s.contains(",i,0x"), "1.4", () -> "format " + format + " with name " + s);
        return s;
    }

    static long get(byte[] b, int at, int bytes) {
        return GenCommands.get(b, at, bytes);
    }

    static String hexes(List<Long> keys) {
        return keys.stream().map(GenCommands::hex).collect(Collectors.joining(", ", "[", "]"));
    }

    static String hexdump(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    // ------------------------------------------------------------------ section 3: access (inv 7)

    /** Section 3's table, in its own terms: may a nexus of this standing run a command of this group? */
    static boolean allowed(CommandGroup g, int type, Standing standing) {
        if (standing == Standing.HOLDER) {
            return true;
        }
        boolean registered = standing == Standing.REGISTERED;
        return switch (g) {
            case ALWAYS, PR_OUT_REGISTER -> true;
            case READ -> switch (type) {
                case 1, 5, 7 -> true; // WE lets everyone read; 5/7 let the unregistered read too
                case 3 -> false;
                default -> registered; // 6, 8
            };
            case WRITE -> type != 1 && type != 3 && registered;
            case PR_OUT_REGISTRANT -> registered;
            case PR_OUT_HOLDER -> false; // under 7/8 a registrant is a holder
        };
    }

    /** Sample CDBs of each group, named as section 3 names them. */
    static final Map<CommandGroup, List<byte[]>> SAMPLES = samples();

    private static Map<CommandGroup, List<byte[]>> samples() {
        Map<CommandGroup, List<byte[]>> m = new LinkedHashMap<>();
        m.put(CommandGroup.ALWAYS, List.of(cdb(0x00), cdb(0x12), cdb(0x03), cdb(0x4D), cdb(0x5E), cdb(0x25),
                cdb(0xA0), cdb(0x9E, 0x10), cdb(0xA3, 0x0A)));
        m.put(CommandGroup.READ, List.of(cdb(0x08), cdb(0x28), cdb(0xA8), cdb(0x88), cdb(0x2F), cdb(0x34),
                cdb(0x9E, 0x12), cdb(0x1A), cdb(0x5A), cdb(0x3C), cdb(0x1C), cdb(0xA3, 0x0C)));
        m.put(CommandGroup.WRITE, List.of(cdb(0x0A), cdb(0x2A), cdb(0x8A), cdb(0x41), cdb(0x93), cdb(0x42),
                cdb(0x89), cdb(0x35), cdb(0x04), cdb(0x15), cdb(0x55)));
        m.put(CommandGroup.PR_OUT_REGISTER, List.of(cdb(0x5F, 0), cdb(0x5F, 6)));
        m.put(CommandGroup.PR_OUT_REGISTRANT, List.of(cdb(0x5F, 2), cdb(0x5F, 3), cdb(0x5F, 4), cdb(0x5F, 5)));
        m.put(CommandGroup.PR_OUT_HOLDER, List.of(cdb(0x5F, 1), cdb(0x5F, 7)));
        return m;
    }

    static byte[] cdb(int opcode) {
        return cdb(opcode, 0);
    }

    static byte[] cdb(int opcode, int serviceAction) {
        byte[] b = new byte[16];
        b[0] = (byte) opcode;
        b[1] = (byte) serviceAction;
        return b;
    }

    static Standing standing(State m, String port) {
        return m.holds(port) ? Standing.HOLDER : m.regs.containsKey(port) ? Standing.REGISTERED : Standing.UNREGISTERED;
    }

    /**
     * Invariant 7 for every nexus the test knows and every group, with one of the group's
     * sample commands ({@code step} picks which); {@link #checkWholeAccessTable} tries them all.
     */
    static void checkAccess(ReservationTable t, State m, int step) {
        List<Nexus> nexuses = new ArrayList<>(Arrays.asList(GenCommands.SENDERS));
        nexuses.add(Nexus.of(GenCommands.E));
        nexuses.add(Nexus.of(GenCommands.B_PORT));
        nexuses.add(GenCommands.OBSERVER);
        for (Nexus n : nexuses) {
            Standing want = standing(m, ModelLogicalUnit.portOf(n.initiator()));
            check(AccessPolicy.standing(n, t) == want, "inv 7", () -> n + " stands " + AccessPolicy.standing(n, t)
                    + ", expected " + want);
            for (Map.Entry<CommandGroup, List<byte[]>> e : SAMPLES.entrySet()) {
                Decision d = m.res == null || allowed(e.getKey(), m.res.type(), want) ? Decision.ALLOWED
                        : Decision.RESERVATION_CONFLICT;
                byte[] cdb = e.getValue().get(step % e.getValue().size());
                check(AccessPolicy.check(cdb, n, t) == d, "inv 7", () -> String.format(
                        "opcode %02Xh/%d (%s) from %s under %s: %s, section 3 says %s", cdb[0], cdb[1], e.getKey(),
                        n, m.res, AccessPolicy.check(cdb, n, t), d));
            }
        }
    }

    /** Invariant 7, engine side: a PR OUT the access table forbids does not succeed. */
    static void checkEngineRespectsAccess(ReservationTable before, Cmd c, Outcome o) {
        if (c.kind() == Kind.IN || !before.unitAttentions(c.nexus()).isEmpty() || c.sa() > 7) {
            return;
        }
        if (AccessPolicy.check(c.cdb(), c.nexus(), before) == Decision.RESERVATION_CONFLICT) {
            check(!o.isGood(), "inv 7", () -> GenCommands.saName(c.sa()) + " from "
                    + c.nexus() + " conflicts by section 3 but the engine answered GOOD");
        }
    }

    /** Section 3's table checked in full against AccessPolicy: all groups, types, standings. */
    static void checkWholeAccessTable() {
        for (CommandGroup g : CommandGroup.values()) {
            for (ReservationType type : ReservationType.values()) {
                for (Standing s : Standing.values()) {
                    if (type.allRegistrants() && s == Standing.REGISTERED) {
                        continue; // under 7/8 every registrant holds
                    }
                    Decision want = allowed(g, type.code(), s) ? Decision.ALLOWED : Decision.RESERVATION_CONFLICT;
                    check(AccessPolicy.check(g, type, s) == want, "inv 7", () -> g + " under type " + type.code() + " for "
                            + s + ": " + AccessPolicy.check(g, type, s) + ", section 3 says " + want);
                }
            }
        }
        for (Map.Entry<CommandGroup, List<byte[]>> e : SAMPLES.entrySet()) {
            for (byte[] cdb : e.getValue()) {
                check(CommandGroup.of(cdb) == e.getKey(), "section 3", () -> String.format("opcode %02Xh/%d is %s, not %s",
                        cdb[0], cdb[1], CommandGroup.of(cdb), e.getKey()));
            }
        }
    }
}
