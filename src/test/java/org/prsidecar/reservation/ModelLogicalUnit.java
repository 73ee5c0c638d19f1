package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;
import org.prsidecar.reservation.GenCommands.Cmd;
import org.prsidecar.reservation.GenCommands.Corruption;
import org.prsidecar.reservation.GenCommands.Kind;
import org.prsidecar.reservation.GenCommands.TidRef;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.TransportId;

/**
 * A second, deliberately plain reading of SPC reference section 2 (with the Decisions of
 * section 7), written without looking at how the engine structures it: a logical unit is a
 * list of registrations, an optional reservation, a generation, APTPL and per-port unit
 * attention queues. {@link #execute} answers a command with every answer the reference
 * allows: several when the reference leaves a choice (which of two simultaneous errors is
 * reported, reference 2 "tests must not depend on precedence"), exactly one otherwise.
 *
 * <p>Ports are named by their folded text ({@code iqn...:b}, {@code iqn...:b,i,0x00023d000001}).
 */
final class ModelLogicalUnit {
    private ModelLogicalUnit() {
    }

    static final int ILLEGAL_REQUEST = 0x5;
    static final int UNIT_ATTENTION = 0x6;

    /** The unit attentions of reference 2.10. */
    enum Ua {
        RESERVATIONS_PREEMPTED(0x2A, 0x03),
        RESERVATIONS_RELEASED(0x2A, 0x04),
        REGISTRATIONS_PREEMPTED(0x2A, 0x05),
        COMMANDS_CLEARED_BY_ANOTHER_INITIATOR(0x2F, 0x00);

        final int asc;
        final int ascq;

        Ua(int asc, int ascq) {
            this.asc = asc;
            this.ascq = ascq;
        }
    }

    /**
     * One registration. {@code lastUser}: the QEMU process that last acted on the PR state
     * through this nexus (registered, re-keyed, reserved, released, preempted, moved), or
     * null when the registration was made for it by another nexus (SPEC_I_PT, REGISTER AND
     * MOVE) and it has not acted since. Reference 7.9 tells a live-migration replay by it.
     */
    record Reg(String port, long key, boolean allTgPt, String lastUser) {
        Reg withKey(long k) {
            return new Reg(port, k, allTgPt, lastUser);
        }

        Reg usedBy(String client) {
            return new Reg(port, key, allTgPt, client);
        }
    }

    /** The reservation: its type code and holder port (null for 7/8: every registrant holds). */
    record Res(int type, String holder) {
        boolean allRegistrants() {
            return type == 7 || type == 8;
        }
    }

    /** The whole state; copy before changing ({@link #copy}). */
    static final class State {
        int gen;
        boolean aptpl;
        final LinkedHashMap<String, Reg> regs = new LinkedHashMap<>();
        Res res;
        final LinkedHashMap<String, List<Ua>> uas = new LinkedHashMap<>();

        static State fresh() {
            return new State(); // reference 7.4: generation 0, nothing registered, APTPL off
        }

        State copy() {
            State s = new State();
            s.gen = gen;
            s.aptpl = aptpl;
            s.regs.putAll(regs);
            s.res = res;
            uas.forEach((p, q) -> s.uas.put(p, new ArrayList<>(q)));
            return s;
        }

        Reg reg(String port) {
            return regs.get(port);
        }

        boolean holds(String port) {
            return res != null && regs.containsKey(port) && (res.allRegistrants() || res.holder().equals(port));
        }

        /** A unit attention for {@code port}; one already waiting is not queued twice. */
        void queue(String port, Ua ua) {
            List<Ua> q = uas.computeIfAbsent(port, p -> new ArrayList<>());
            if (!q.contains(ua)) {
                q.add(ua);
            }
        }

        void queueAllBut(String except, Ua ua) {
            for (String p : regs.keySet()) {
                if (!p.equals(except)) {
                    queue(p, ua);
                }
            }
        }

        /** The key of the reservation holder (types 1/3/5/6). */
        long holderKey() {
            return regs.get(res.holder()).key();
        }

        @Override
        public String toString() {
            return "gen=" + Integer.toUnsignedString(gen) + " aptpl=" + aptpl + " regs=" + regs.values().stream()
                    .map(r -> GenCommands.shortName(r.port()) + "=" + GenCommands.hex(r.key())
                            + (r.allTgPt() ? "(all tg pt)" : "") + (r.lastUser() == null ? "" : "@" + r.lastUser()))
                    .collect(Collectors.joining(", ", "[", "]"))
                    + " res=" + (res == null ? "none" : "type " + res.type() + " held by "
                            + (res.holder() == null ? "all registrants" : GenCommands.shortName(res.holder())))
                    + (uas.isEmpty() ? "" : " uas=" + uas.entrySet().stream()
                            .map(e -> GenCommands.shortName(e.getKey()) + e.getValue()).collect(Collectors.joining(", ")));
        }
    }

    enum Status { GOOD, RESERVATION_CONFLICT, CHECK_CONDITION }

    /** One acceptable answer and the state it leaves. */
    record Answer(Status status, int senseKey, int asc, int ascq, State after, String why) {
        static Answer good(State after, String why) {
            return new Answer(Status.GOOD, 0, 0, 0, after, why);
        }

        String sense() {
            return status != Status.CHECK_CONDITION ? "" : String.format(" %X %02X/%02X", senseKey, asc, ascq);
        }

        @Override
        public String toString() {
            return status + sense() + " (" + why + ") -> " + after;
        }
    }

    /** An error answer: the state stays as it was. */
    private record Error(Status status, int asc, int ascq, String why) {
        static Error conflict(String why) {
            return new Error(Status.RESERVATION_CONFLICT, 0, 0, why);
        }

        static Error illegal(int asc, int ascq, String why) {
            return new Error(Status.CHECK_CONDITION, asc, ascq, why);
        }

        Answer answer(State s) {
            return new Answer(status, status == Status.CHECK_CONDITION ? ILLEGAL_REQUEST : 0, asc, ascq, s, why);
        }
    }

    private static final int[] VALID_TYPES = {1, 3, 5, 6, 7, 8};

    static boolean validType(int code) {
        for (int t : VALID_TYPES) {
            if (t == code) {
                return true;
            }
        }
        return false;
    }

    /** How a TransportID names a port here: case-folded iSCSI name, with its ISID if any. */
    static String portOf(TransportId id) {
        if (id instanceof IscsiTransportId i) {
            return i.name().toLowerCase(Locale.ROOT) + i.isid().map(s -> ",i,0x" + s.toLowerCase(Locale.ROOT)).orElse("");
        }
        return id.text();
    }

    static String portOf(Cmd c) {
        return portOf(c.nexus().initiator());
    }

    /**
     * The two commands a QEMU >= 11 migration destination replays (reference 7.9), from a
     * process other than the one that last acted on the registration: QEMU's own commands, so
     * a unit attention waiting for the guest does not stop them.
     */
    static boolean isMigrationReplay(State s, Cmd c, String me) {
        Reg own = s.reg(me);
        if (c.kind() != Kind.OUT || own == null || c.client() == null || c.client().equals(own.lastUser())
                || c.corruption() != Corruption.NONE || c.specIpt() || c.scope() != 0) {
            return false;
        }
        if (c.sa() == 0) {
            return c.rk() == 0 && c.sark() == own.key();
        }
        return c.sa() == 4 && c.rk() == own.key() && c.sark() == own.key() && s.res != null
                && c.type() == s.res.type() && (s.res.allRegistrants() || me.equals(s.res.holder()));
    }

    // ------------------------------------------------------------------ power cycle (2.9)

    static State powerCycle(State s) {
        if (!s.aptpl) {
            return State.fresh();
        }
        State n = s.copy();
        n.gen = 0;
        n.uas.clear();
        return n;
    }

    // ------------------------------------------------------------------ one command

    /** Every answer the reference allows for {@code c} on {@code s} (never empty). */
    static List<Answer> execute(State s, Cmd c) {
        String me = portOf(c);
        List<Ua> pending = s.uas.get(me);
        if (pending != null && !pending.isEmpty() && !isMigrationReplay(s, c, me)) {
            // reference 7.5: the oldest unit attention is reported, the command not executed
            State n = s.copy();
            Ua ua = n.uas.get(me).remove(0);
            if (n.uas.get(me).isEmpty()) {
                n.uas.remove(me);
            }
            return List.of(new Answer(Status.CHECK_CONDITION, UNIT_ATTENTION, ua.asc, ua.ascq, n, "reports " + ua));
        }
        if (c.kind() == Kind.IN) {
            return c.sa() <= 3 ? List.of(Answer.good(s, "PR IN")) : errors(s, Set.of(
                    Error.illegal(0x24, 0, "PR IN service action " + c.sa() + " is reserved")));
        }
        if (c.sa() >= 8) {
            // reference 1.1 and 2.7 Decision: 24/00 (a broken list may be reported instead)
            Set<Error> e = new LinkedHashSet<>();
            e.add(Error.illegal(0x24, 0, "PR OUT service action " + c.sa() + " is not supported"));
            if (c.corruption() != Corruption.NONE) {
                e.add(Error.illegal(0x1A, 0, "and the list is broken"));
            }
            return errors(s, e);
        }
        Set<Error> framing = framingErrors(c);
        Set<Error> errs = new LinkedHashSet<>(framing);
        Reg own = s.reg(me);
        // reference 1.2: RK must be the nexus's key (REGISTER: 0 when unregistered; RIEK: ignored)
        boolean rkWrong = switch (c.sa()) {
            case 0 -> own == null ? c.rk() != 0 : c.rk() != own.key();
            case 6 -> false;
            default -> own == null || c.rk() != own.key();
        };
        if (!framing.isEmpty()) {
            if (rkWrong) {
                errs.add(Error.conflict("RK " + GenCommands.hex(c.rk()) + " is not the nexus's key"));
            }
            return errors(s, errs);
        }
        return switch (c.sa()) {
            case 0, 6 -> register(s, c, me, own, rkWrong);
            case 1 -> reserve(s, c, me, own, rkWrong);
            case 2 -> release(s, c, me, own, rkWrong);
            case 3 -> clear(s, c, me, rkWrong);
            case 4, 5 -> preempt(s, c, me, own, rkWrong);
            case 7 -> registerAndMove(s, c, me, own, rkWrong);
            default -> throw new IllegalStateException("SA " + c.sa());
        };
    }

    /** Reference 1.1, 1.2, 1.3, 1.4, 7.7: a list that cannot be read as sent. */
    private static Set<Error> framingErrors(Cmd c) {
        Set<Error> e = new LinkedHashSet<>();
        switch (c.corruption()) {
            case NONE -> {
            }
            case CDB_LENGTH -> e.add(Error.illegal(0x1A, 0, "CDB bytes 5-6 not zero (7.7)"));
            case SHORT -> e.add(Error.illegal(0x1A, 0, "list shorter than 24 bytes"));
            case LONG -> {
                e.add(Error.illegal(0x1A, 0, "bytes beyond the list"));
                if (c.hasTransportIdLength()) {
                    e.add(Error.illegal(0x26, 0, "bytes beyond the TransportIDs"));
                }
            }
            case TPDL_OVERRUN -> {
                if (c.hasTransportIdLength()) {
                    e.add(Error.illegal(0x26, 0, "TransportIDs overrun the list (1.2)"));
                    if (c.kind() == Kind.MOVE) {
                        e.add(Error.illegal(0x1A, 0, "REGISTER AND MOVE list length"));
                    }
                } else {
                    e.add(Error.illegal(0x1A, 0, "bytes beyond the list"));
                }
            }
        }
        if (c.kind() == Kind.OUT && c.specIpt()) {
            for (TidRef t : c.tids()) {
                if (!t.decodable()) {
                    e.add(Error.illegal(0x26, 0, "malformed TransportID " + t.describe(c.sender())));
                }
            }
            if (c.sa() != 0) {
                // reference 7.2: SPEC_I_PT only with REGISTER
                e.add(Error.illegal(0x26, 0, "SPEC_I_PT with " + GenCommands.saName(c.sa())));
            }
        }
        if (c.kind() == Kind.MOVE && !c.dest().decodable()) {
            e.add(Error.illegal(0x26, 0, "malformed destination TransportID"));
        }
        return e;
    }

    private static List<Answer> errors(State s, Set<Error> errs) {
        return errs.stream().map(e -> e.answer(s)).toList();
    }

    private static void typeAndScope(Cmd c, Set<Error> errs) {
        if (c.scope() != 0) {
            errs.add(Error.illegal(0x24, 0, "scope " + c.scope()));
        }
        if (!validType(c.type())) {
            errs.add(Error.illegal(0x24, 0, "type " + c.type()));
        }
    }

    // ------------------------------------------------------------------ 2.1 REGISTER, RIEK

    private static List<Answer> register(State s, Cmd c, String me, Reg own, boolean rkWrong) {
        boolean riek = c.sa() == 6;
        Set<Error> errs = new LinkedHashSet<>();
        if (c.specIpt() && (riek || own != null)) {
            errs.add(Error.illegal(0x26, 0, "SPEC_I_PT " + (riek ? "with RIEK" : "from a registered nexus") + " (7.2)"));
        }
        if (rkWrong) {
            if (own != null && !c.specIpt() && c.rk() == 0 && c.sark() == own.key()) {
                // reference 7.9: REGISTER RK=0 SARK=own key from another process of the same VM is
                // a no-op; a registration no process of this VM has acted on counts as another's
                Answer replay = Answer.good(s, "live-migration replay of REGISTER: no-op (7.9)");
                Answer conflict = Error.conflict("REGISTER RK=0 from a registered nexus").answer(s);
                return List.of(c.client() != null && c.client().equals(own.lastUser()) ? conflict : replay);
            }
            errs.add(Error.conflict("RK " + GenCommands.hex(c.rk()) + " with " + (own == null ? "no registration"
                    : "registered key " + GenCommands.hex(own.key()))));
        }
        // SPEC_I_PT list (reference 1.2, 7.3): every entry a valid iSCSI port not registered yet
        Set<Error> listErrs = new LinkedHashSet<>();
        List<String> listed = new ArrayList<>();
        boolean listsSelf = false;
        boolean duplicates = false;
        if (c.specIpt() && own == null && !riek) {
            for (TidRef t : c.tids()) {
                if (!t.iscsi()) {
                    listErrs.add(Error.illegal(0x26, 0, "SPEC_I_PT lists a non-iSCSI TransportID (7.3)"));
                    continue;
                }
                String p = t.port(c.sender());
                if (p.equals(me)) {
                    listsSelf = true;
                } else if (s.regs.containsKey(p)) {
                    listErrs.add(Error.illegal(0x26, 0, "SPEC_I_PT lists " + GenCommands.shortName(p)
                            + ", already registered"));
                } else if (listed.contains(p)) {
                    duplicates = true;
                } else {
                    listed.add(p);
                }
            }
        }
        if (!errs.isEmpty()) {
            errs.addAll(listErrs);
            return errors(s, errs);
        }
        if (own == null) {
            if (c.sark() == 0) {
                // unregistered, SARK 0: nothing to do (2.1); a bad SPEC_I_PT list may be reported instead
                List<Answer> a = new ArrayList<>();
                a.add(Answer.good(s, "REGISTER of key 0 from an unregistered nexus: no-op"));
                a.addAll(errors(s, listErrs));
                return a;
            }
            if (!listErrs.isEmpty()) {
                return errors(s, listErrs); // all or nothing
            }
            State n = s.copy();
            n.regs.put(me, new Reg(me, c.sark(), c.allTgPt(), c.client()));
            for (String p : listed) {
                n.regs.put(p, new Reg(p, c.sark(), c.allTgPt(), null));
            }
            n.gen++;
            n.aptpl = c.aptpl();
            List<Answer> a = new ArrayList<>();
            a.add(Answer.good(n, "registered " + GenCommands.hex(c.sark())
                    + (listed.isEmpty() ? "" : " and " + listed.size() + " SPEC_I_PT port(s)")));
            if (listsSelf) {
                a.add(Error.illegal(0x26, 0, "SPEC_I_PT lists the sender itself").answer(s));
            }
            if (duplicates) {
                a.add(Error.illegal(0x26, 0, "SPEC_I_PT lists a port twice").answer(s));
            }
            return a;
        }
        State n = s.copy();
        n.gen++;
        n.aptpl = c.aptpl(); // reference 7.6
        if (c.sark() != 0) {
            n.regs.put(me, own.withKey(c.sark()).usedBy(c.client()));
            return List.of(Answer.good(n, "key " + GenCommands.hex(own.key()) + " -> " + GenCommands.hex(c.sark())));
        }
        unregister(n, me);
        return List.of(Answer.good(n, "unregistered"));
    }

    /** Reference 2.1: what a registration leaving does to the reservation. */
    private static void unregister(State n, String leaving) {
        n.regs.remove(leaving);
        if (n.res == null) {
            return;
        }
        if (n.res.allRegistrants()) {
            if (n.regs.isEmpty()) {
                n.res = null; // the last registrant of a 7/8 reservation leaves
            }
        } else if (n.res.holder().equals(leaving)) {
            int type = n.res.type();
            n.res = null;
            if (type == 5 || type == 6) {
                n.queueAllBut(leaving, Ua.RESERVATIONS_RELEASED);
            }
        }
    }

    // ------------------------------------------------------------------ 2.2 RESERVE

    private static List<Answer> reserve(State s, Cmd c, String me, Reg own, boolean rkWrong) {
        Set<Error> errs = new LinkedHashSet<>();
        if (rkWrong) {
            errs.add(Error.conflict(own == null ? "RESERVE from an unregistered nexus" : "RESERVE with a wrong RK"));
        }
        if (s.res != null && !s.holds(me)) {
            errs.add(Error.conflict("RESERVE by a non-holder (section 3, G6)"));
        }
        typeAndScope(c, errs); // reference 7.1: always checked for RESERVE
        if (!errs.isEmpty()) {
            return errors(s, errs);
        }
        if (s.res == null) {
            State n = s.copy();
            n.res = new Res(c.type(), c.type() == 7 || c.type() == 8 ? null : me);
            n.regs.put(me, own.usedBy(c.client()));
            return List.of(Answer.good(n, "reserved type " + c.type()));
        }
        if (s.res.type() == c.type()) {
            return List.of(Answer.good(s, "already holds type " + c.type()));
        }
        return List.of(Error.conflict("holder asks for another type").answer(s));
    }

    // ------------------------------------------------------------------ 2.3 RELEASE

    private static List<Answer> release(State s, Cmd c, String me, Reg own, boolean rkWrong) {
        Set<Error> errs = new LinkedHashSet<>();
        if (rkWrong) {
            errs.add(Error.conflict(own == null ? "RELEASE from an unregistered nexus" : "RELEASE with a wrong RK"));
        }
        boolean holder = s.holds(me);
        if (holder) {
            // reference 7.1: checked only when the caller holds
            typeAndScope(c, errs);
            if (c.scope() == 0 && validType(c.type()) && c.type() != s.res.type()) {
                errs.add(Error.illegal(0x26, 0x04, "RELEASE of type " + c.type() + ", reservation is " + s.res.type()));
            }
        }
        if (!errs.isEmpty()) {
            return errors(s, errs);
        }
        if (!holder) {
            return List.of(Answer.good(s, s.res == null ? "no reservation" : "not a holder: no-op"));
        }
        State n = s.copy();
        int type = n.res.type();
        n.res = null;
        if (type >= 5) {
            n.queueAllBut(me, Ua.RESERVATIONS_RELEASED);
        }
        n.regs.put(me, own.usedBy(c.client()));
        return List.of(Answer.good(n, "released type " + type));
    }

    // ------------------------------------------------------------------ 2.4 CLEAR

    private static List<Answer> clear(State s, Cmd c, String me, boolean rkWrong) {
        if (rkWrong) {
            return List.of(Error.conflict("CLEAR without the nexus's key").answer(s));
        }
        State n = s.copy();
        for (String p : s.regs.keySet()) {
            if (!p.equals(me)) {
                n.queue(p, Ua.RESERVATIONS_PREEMPTED);
            }
        }
        n.regs.clear();
        n.res = null;
        n.gen++;
        return List.of(Answer.good(n, "cleared"));
    }

    // ------------------------------------------------------------------ 2.5 PREEMPT (AND ABORT)

    private static List<Answer> preempt(State s, Cmd c, String me, Reg own, boolean rkWrong) {
        boolean abort = c.sa() == 5;
        Set<Error> errs = new LinkedHashSet<>();
        if (rkWrong) {
            errs.add(Error.conflict(own == null ? "PREEMPT from an unregistered nexus" : "PREEMPT with a wrong RK"));
        }
        if (s.res != null) {
            typeAndScope(c, errs); // reference 7.1: only while reserved
        }
        if (c.sark() == 0 && (s.res == null || !s.res.allRegistrants())) {
            errs.add(Error.illegal(0x26, 0, "PREEMPT of key 0" + (s.res == null ? " with no reservation" : "")));
        }
        List<String> withKey = new ArrayList<>();
        for (Reg r : s.regs.values()) {
            if (r.key() == c.sark() && !r.port().equals(me)) {
                withKey.add(r.port());
            }
        }
        boolean holderKeyPreempt = s.res != null && !s.res.allRegistrants() && c.sark() == s.holderKey();
        boolean ownKeyUnder78 = s.res != null && s.res.allRegistrants() && own != null && c.sark() == own.key();
        if (c.sark() != 0 && withKey.isEmpty() && !holderKeyPreempt && !ownKeyUnder78) {
            errs.add(Error.conflict("no other registration has key " + GenCommands.hex(c.sark())));
        }
        if (!errs.isEmpty()) {
            return errors(s, errs);
        }
        State n = s.copy();
        List<String> removed;
        if (s.res != null && s.res.allRegistrants() && c.sark() == 0) {
            removed = s.regs.keySet().stream().filter(p -> !p.equals(me)).toList();
            removed.forEach(n.regs::remove);
            n.res = new Res(c.type(), c.type() == 7 || c.type() == 8 ? null : me);
        } else {
            removed = withKey;
            removed.forEach(n.regs::remove);
            if (holderKeyPreempt) {
                n.res = new Res(c.type(), c.type() == 7 || c.type() == 8 ? null : me);
                if (c.type() != s.res.type()) {
                    n.queueAllBut(me, Ua.RESERVATIONS_RELEASED);
                }
            }
        }
        for (String p : removed) {
            n.queue(p, Ua.REGISTRATIONS_PREEMPTED);
            if (abort) {
                n.queue(p, Ua.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR); // reference 7.5: after 2A/05
            }
        }
        n.regs.put(me, own.usedBy(c.client()));
        n.gen++;
        return List.of(Answer.good(n, "preempted " + removed.size() + " registration(s)"));
    }

    // ------------------------------------------------------------------ 2.6 REGISTER AND MOVE

    private static List<Answer> registerAndMove(State s, Cmd c, String me, Reg own, boolean rkWrong) {
        Set<Error> errs = new LinkedHashSet<>();
        if (rkWrong) {
            errs.add(Error.conflict(own == null ? "REGISTER AND MOVE unregistered" : "REGISTER AND MOVE wrong RK"));
        }
        if (c.sark() == 0) {
            errs.add(Error.illegal(0x26, 0, "REGISTER AND MOVE with SARK 0"));
        }
        if (s.res == null) {
            errs.add(Error.illegal(0x24, 0, "REGISTER AND MOVE with no reservation"));
        } else if (s.res.allRegistrants() || !me.equals(s.res.holder())) {
            errs.add(Error.conflict("REGISTER AND MOVE by a non-holder or of a 7/8 reservation"));
        }
        if (c.rtpi() != 1) {
            errs.add(Error.illegal(0x26, 0, "relative target port " + c.rtpi()));
        }
        String dest = null;
        if (!c.dest().iscsi()) {
            errs.add(Error.illegal(0x26, 0, "destination is not a valid iSCSI TransportID"));
        } else {
            dest = c.dest().port(c.sender());
            if (dest.equals(me)) {
                errs.add(Error.illegal(0x26, 0, "destination is the sender"));
            }
        }
        if (!errs.isEmpty()) {
            return errors(s, errs);
        }
        State n = s.copy();
        Reg d = n.regs.get(dest);
        n.regs.put(dest, d == null ? new Reg(dest, c.sark(), false, null) : d.withKey(c.sark()));
        n.res = new Res(s.res.type(), dest);
        if (c.unreg()) {
            n.regs.remove(me);
        } else {
            n.regs.put(me, own.usedBy(c.client()));
        }
        n.gen++;
        n.aptpl = c.aptpl();
        return List.of(Answer.good(n, "moved to " + GenCommands.shortName(dest)));
    }

    /** Whether two states are the same, field by field (registration order aside). */
    static boolean sameState(State a, State b) {
        return a.gen == b.gen && a.aptpl == b.aptpl && a.regs.equals(b.regs) && Objects.equals(a.res, b.res)
                && a.uas.equals(b.uas);
    }

    static Map<String, Reg> regsByPort(State s) {
        return new LinkedHashMap<>(s.regs);
    }
}
