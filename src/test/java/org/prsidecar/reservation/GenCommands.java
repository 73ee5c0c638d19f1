package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;
import org.quicktheories.generators.SourceDSL;
import org.prsidecar.scsi.FibreChannelTransportId;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.SasTransportId;

/**
 * Random PR command sequences for the stateful property tests: what four initiators (A..D)
 * send to one logical unit, with keys drawn so that they collide, plus power cycles and live
 * migrations (a new QEMU process behind the same initiator).
 *
 * <p>Generated steps are <em>symbolic</em> ("B's own key", "the holder's key", "the type of
 * the current reservation"), so that shrinking keeps them meaningful; {@link #resolve} turns a
 * step into a concrete {@link Cmd} against the table at that moment. A {@link Cmd} knows its
 * wire encoding ({@link Cmd#request}) and prints the way sg_persist would be asked:
 * {@code B: PREEMPT rk=0xb sark=0xa type=5}.
 */
final class GenCommands {
    private GenCommands() {
    }

    // ------------------------------------------------------------------ the initiators

    static final String[] LETTERS = {"A", "B", "C", "D"};
    static final Nexus[] SENDERS = {LogicalUnit.A, LogicalUnit.B, LogicalUnit.C, LogicalUnit.D};
    /** Each sender's own key: 0xA for A ... (the pool below contains them, so keys collide). */
    static final long[] NATURAL_KEYS = {0xAL, 0xBL, 0xCL, 0xDL};
    /** Keys anyone may pick; byte patterns chosen so that a byte-order slip shows. */
    static final long[] POOL = {0xAL, 0xBL, 0xCL, 0xDL, 0x0102030405060708L, 0xFFFF_FFFF_FFFF_FFFFL,
        0x8000_0000_0000_0000L};

    /** A port that is registered only through SPEC_I_PT or REGISTER AND MOVE; it never sends. */
    static final IscsiTransportId E = new IscsiTransportId("iqn.2026-11.org.prsidecar.test:e");
    /** B's name in format 01b with an ISID: by reference 7.3 another valid initiator port. */
    static final IscsiTransportId B_PORT =
            new IscsiTransportId("iqn.2026-11.org.prsidecar.test:b", Optional.of("00023d000001"));
    /** Reads the table (PR IN) without ever registering: it never gets a unit attention. */
    static final Nexus OBSERVER = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:observer");

    static String letter(int sender) {
        return LETTERS[sender];
    }

    /** The short name of a TransportID / nexus in transcripts: A..D, E, B.01b or the text. */
    static String shortName(String portText) {
        String folded = portText.toLowerCase(Locale.ROOT);
        for (int i = 0; i < SENDERS.length; i++) {
            if (folded.equals(SENDERS[i].initiator().text().toLowerCase(Locale.ROOT))) {
                return LETTERS[i];
            }
        }
        if (folded.equals(E.text())) {
            return "E";
        }
        if (folded.equals(B_PORT.text())) {
            return "B.01b";
        }
        return portText;
    }

    // ------------------------------------------------------------------ symbolic references

    enum KeyKind { ZERO, OWN, NATURAL, HOLDER, REGISTERED, POOL }

    /** A reservation key chosen relative to the table when the command is sent. */
    record KeyRef(KeyKind kind, int index) {
        long resolve(ReservationTable t, int sender) {
            return switch (kind) {
                case ZERO -> 0;
                case OWN -> t.registration(SENDERS[sender]).map(Registration::key).orElse(NATURAL_KEYS[sender]);
                case NATURAL -> NATURAL_KEYS[sender];
                case POOL -> POOL[index % POOL.length];
                case HOLDER -> t.reservation().flatMap(Reservation::holder).flatMap(t::registration)
                        .map(Registration::key).orElseGet(() -> registered(t));
                case REGISTERED -> registered(t);
            };
        }

        private long registered(ReservationTable t) {
            List<Registration> regs = new ArrayList<>(t.registrations());
            return regs.isEmpty() ? POOL[index % POOL.length] : regs.get(index % regs.size()).key();
        }

        @Override
        public String toString() {
            return switch (kind) {
                case ZERO -> "0";
                case POOL -> "pool" + index;
                case REGISTERED -> "registered" + index;
                default -> kind.name().toLowerCase(Locale.ROOT);
            };
        }
    }

    /** TYPE: the current reservation's (5 when none), or a code, valid or not. */
    record TypeRef(boolean current, int code) {
        int resolve(ReservationTable t) {
            return current ? t.reservation().map(r -> r.type().code()).orElse(5) : code;
        }

        @Override
        public String toString() {
            return current ? "current" : Integer.toString(code);
        }
    }

    enum TidKind {
        /** One of the senders A..D by its exact name. */
        SENDER,
        /** One of the senders, its name in upper case: the same port (names compare case-insensitively). */
        SENDER_UPPER,
        /** The sender itself. */
        SELF,
        E,
        B_01B,
        /** Well-formed but not iSCSI: prsidecar cannot serve it (reference 7.3: 26/00). */
        FC,
        SAS,
        /** iSCSI with ADDITIONAL LENGTH 18 (not a multiple of 4). */
        BAD_LENGTH,
        /** iSCSI whose name is not NUL-terminated. */
        NO_NUL
    }

    /** A TransportID in a SPEC_I_PT list or as REGISTER AND MOVE destination. */
    record TidRef(TidKind kind, int index) {
        byte[] encode(int sender) {
            return switch (kind) {
                case SENDER -> SENDERS[index % 4].initiator().encode();
                case SENDER_UPPER -> upper(index % 4).encode();
                case SELF -> SENDERS[sender].initiator().encode();
                case E -> E.encode();
                case B_01B -> B_PORT.encode();
                case FC -> new FibreChannelTransportId(0x2100_0024_ff00_0001L + index).encode();
                case SAS -> new SasTransportId(0x5000_c500_0000_0001L + index).encode();
                case BAD_LENGTH -> {
                    byte[] b = E.encode();
                    b[3] = 18; // additional length 18: not a multiple of 4
                    yield Arrays.copyOf(b, 4 + 18);
                }
                case NO_NUL -> {
                    byte[] b = new byte[24];
                    b[0] = 0x05;
                    b[3] = 20;
                    Arrays.fill(b, 4, 24, (byte) 'x');
                    yield b;
                }
            };
        }

        /** Well formed at the byte level (decodes to some TransportID). */
        boolean decodable() {
            return kind != TidKind.BAD_LENGTH && kind != TidKind.NO_NUL;
        }

        /** A valid iSCSI TransportID (reference 7.3). */
        boolean iscsi() {
            return decodable() && kind != TidKind.FC && kind != TidKind.SAS;
        }

        /** The initiator port it names, case-folded; only for {@link #iscsi()} ones. */
        String port(int sender) {
            return switch (kind) {
                case SENDER, SENDER_UPPER -> ModelLogicalUnit.portOf(SENDERS[index % 4].initiator());
                case SELF -> ModelLogicalUnit.portOf(SENDERS[sender].initiator());
                case E -> ModelLogicalUnit.portOf(E);
                case B_01B -> ModelLogicalUnit.portOf(B_PORT);
                default -> throw new IllegalStateException("not an iSCSI TransportID: " + kind);
            };
        }

        String describe(int sender) {
            return switch (kind) {
                case SENDER -> LETTERS[index % 4];
                case SENDER_UPPER -> LETTERS[index % 4] + "(upper case)";
                case SELF -> LETTERS[sender] + "(self)";
                case E -> "E";
                case B_01B -> "B.01b";
                case FC -> "FC";
                case SAS -> "SAS";
                case BAD_LENGTH -> "bad-iSCSI(length 18)";
                case NO_NUL -> "bad-iSCSI(no NUL)";
            };
        }

        private static IscsiTransportId upper(int i) {
            return new IscsiTransportId(((IscsiTransportId) SENDERS[i].initiator()).name().toUpperCase(Locale.ROOT));
        }
    }

    /** How a PR OUT's framing is broken (reference 1.1, 1.2, 7.7). */
    enum Corruption {
        NONE(""),
        /** CDB bytes 5-6 are not zero: the 32-bit length disagrees with the framed one (7.7). */
        CDB_LENGTH(" [CDB bytes 5-6 not zero]"),
        /** The list cut to 16 bytes (RK and SARK still readable). */
        SHORT(" [list cut to 16 bytes]"),
        /** 8 zero bytes appended. */
        LONG(" [8 extra bytes]"),
        /** TRANSPORTID PARAMETER DATA LENGTH 4 more than sent (where the list has one; else like LONG). */
        TPDL_OVERRUN(" [TPDL overruns by 4]");

        final String text;

        Corruption(String text) {
            this.text = text;
        }
    }

    // ------------------------------------------------------------------ steps

    /** One generated step: a command from one of A..D, a power cycle, or a live migration. */
    sealed interface Step permits Out, Move, In, PowerCycle, Migrate {
    }

    /** PR OUT with the basic parameter list: SAs 0-6, 8 and reserved codes 9-31. */
    record Out(int sender, int sa, KeyRef rk, KeyRef sark, TypeRef type, int scope, boolean specIpt,
            boolean allTgPt, boolean aptpl, List<TidRef> tids, Corruption corruption) implements Step {
        @Override
        public String toString() {
            return LETTERS[sender] + ": " + saName(sa) + " rk=" + rk + " sark=" + sark + " type=" + type
                    + (scope != 0 ? " scope=" + scope : "") + (specIpt ? " SPEC_I_PT" + tids : "")
                    + (allTgPt ? " ALL_TG_PT" : "") + (aptpl ? " APTPL" : "") + corruption.text;
        }
    }

    /** PR OUT REGISTER AND MOVE. */
    record Move(int sender, KeyRef rk, KeyRef sark, int rtpi, TidRef dest, boolean unreg, boolean aptpl,
            Corruption corruption) implements Step {
        @Override
        public String toString() {
            return LETTERS[sender] + ": REGISTER AND MOVE rk=" + rk + " sark=" + sark + " to " + dest.kind()
                    + (dest.kind() == TidKind.SENDER ? "" + dest.index() % 4 : "") + " port " + rtpi
                    + (unreg ? " UNREG" : "") + (aptpl ? " APTPL" : "") + corruption.text;
        }
    }

    /** PR IN, service action 0-31, any allocation length. */
    record In(int sender, int sa, int alloc) implements Step {
        @Override
        public String toString() {
            return LETTERS[sender] + ": " + inName(sa) + " alloc=" + alloc;
        }
    }

    /** An administrative power cycle of the emulated disk (reference 2.9). */
    record PowerCycle() implements Step {
        @Override
        public String toString() {
            return "-- power cycle --";
        }
    }

    /**
     * The VM behind {@code sender} live-migrates: later commands come from a new QEMU process.
     * With {@code replay} the destination is QEMU >= 11 and replays REGISTER RK=0 SARK=K, then
     * (if it held the reservation) PREEMPT RK=K SARK=K with the reservation's type (ref. 7.9).
     */
    record Migrate(int sender, boolean replay) implements Step {
        @Override
        public String toString() {
            return "-- " + LETTERS[sender] + " migrates" + (replay ? " (QEMU >= 11 replays)" : " (QEMU < 11)") + " --";
        }
    }

    static String saName(int sa) {
        return switch (sa) {
            case 0 -> "REGISTER";
            case 1 -> "RESERVE";
            case 2 -> "RELEASE";
            case 3 -> "CLEAR";
            case 4 -> "PREEMPT";
            case 5 -> "PREEMPT AND ABORT";
            case 6 -> "RIEK";
            case 7 -> "REGISTER AND MOVE";
            case 8 -> "REPLACE LOST RESERVATION";
            default -> String.format("PR OUT SA %02Xh", sa);
        };
    }

    static String inName(int sa) {
        return PrInServiceAction.fromCode(sa).map(a -> a.name().replace('_', ' '))
                .orElse(String.format("PR IN SA %02Xh", sa));
    }

    // ------------------------------------------------------------------ generators

    @SafeVarargs
    private static <T> Gen<T> weighted(Pair<Integer, Gen<T>>... choices) {
        List<Pair<Integer, Gen<T>>> list = new ArrayList<>(choices.length);
        for (Pair<Integer, Gen<T>> c : choices) {
            list.add(c);
        }
        return Generate.frequency(list);
    }

    private static <T> Pair<Integer, Gen<T>> w(int weight, T value) {
        return Pair.of(weight, Generate.constant(value));
    }

    private static <T> Pair<Integer, Gen<T>> w(int weight, Gen<T> gen) {
        return Pair.of(weight, gen);
    }

    static final Gen<Integer> SENDER = Generate.range(0, 3);

    private static Gen<KeyRef> key(KeyKind kind) {
        return Generate.range(0, POOL.length - 1).map(i -> new KeyRef(kind, i));
    }

    /** RK: usually right (own key), sometimes 0, sometimes someone else's. */
    static final Gen<KeyRef> RK = weighted(w(10, key(KeyKind.OWN)), w(4, key(KeyKind.ZERO)), w(2, key(KeyKind.POOL)),
            w(1, key(KeyKind.HOLDER)), w(1, key(KeyKind.NATURAL)));
    /** RK of a REGISTER: 0 as often as the own key (the sender may or may not be registered). */
    static final Gen<KeyRef> REGISTER_RK = weighted(w(6, key(KeyKind.ZERO)), w(6, key(KeyKind.OWN)),
            w(1, key(KeyKind.POOL)), w(1, key(KeyKind.HOLDER)));
    /** SARK of a REGISTER: a new key (colliding ones included), 0 to unregister, the same key. */
    static final Gen<KeyRef> REGISTER_SARK = weighted(w(8, key(KeyKind.NATURAL)), w(5, key(KeyKind.POOL)),
            w(3, key(KeyKind.ZERO)), w(3, key(KeyKind.OWN)), w(1, key(KeyKind.HOLDER)), w(1, key(KeyKind.REGISTERED)));
    /** SARK of a PREEMPT: the holder's key, another registrant's, 0, its own. */
    static final Gen<KeyRef> PREEMPT_SARK = weighted(w(6, key(KeyKind.HOLDER)), w(5, key(KeyKind.REGISTERED)),
            w(2, key(KeyKind.ZERO)), w(2, key(KeyKind.OWN)), w(2, key(KeyKind.POOL)));
    /** SARK where it is ignored (RESERVE, RELEASE, CLEAR). */
    static final Gen<KeyRef> IGNORED_SARK = weighted(w(8, key(KeyKind.ZERO)), w(1, key(KeyKind.POOL)));
    static final Gen<KeyRef> MOVE_SARK = weighted(w(6, key(KeyKind.POOL)), w(2, key(KeyKind.REGISTERED)),
            w(1, key(KeyKind.ZERO)), w(1, key(KeyKind.OWN)));

    /** TYPE: the current one, any valid one, now and then a reserved code. */
    static final Gen<TypeRef> TYPE = weighted(w(5, new TypeRef(true, 0)),
            w(8, Generate.pick(List.of(1, 3, 5, 6, 7, 8)).map(c -> new TypeRef(false, c))),
            w(1, Generate.pick(List.of(0, 2, 4, 9, 15)).map(c -> new TypeRef(false, c))));
    static final Gen<Integer> SCOPE = weighted(w(20, 0), w(1, Generate.pick(List.of(1, 2, 15))));

    static final Gen<TidRef> TID = weighted(
            w(8, Generate.range(0, 3).map(i -> new TidRef(TidKind.SENDER, i))),
            w(2, Generate.range(0, 3).map(i -> new TidRef(TidKind.SENDER_UPPER, i))),
            w(3, new TidRef(TidKind.E, 0)),
            w(2, new TidRef(TidKind.B_01B, 0)),
            w(1, new TidRef(TidKind.SELF, 0)),
            w(1, new TidRef(TidKind.FC, 0)),
            w(1, new TidRef(TidKind.SAS, 0)),
            w(1, new TidRef(TidKind.BAD_LENGTH, 0)),
            w(1, new TidRef(TidKind.NO_NUL, 0)));
    static final Gen<TidRef> MOVE_DEST = weighted(
            w(10, Generate.range(0, 3).map(i -> new TidRef(TidKind.SENDER, i))),
            w(3, new TidRef(TidKind.E, 0)),
            w(2, new TidRef(TidKind.B_01B, 0)),
            w(2, new TidRef(TidKind.SELF, 0)),
            w(1, Generate.range(0, 3).map(i -> new TidRef(TidKind.SENDER_UPPER, i))),
            w(1, new TidRef(TidKind.FC, 0)),
            w(1, new TidRef(TidKind.BAD_LENGTH, 0)));

    static final Gen<Corruption> CORRUPTION = weighted(w(60, Corruption.NONE), w(1, Corruption.CDB_LENGTH),
            w(1, Corruption.SHORT), w(1, Corruption.LONG), w(1, Corruption.TPDL_OVERRUN));

    static final Gen<Boolean> RARELY = weighted(w(9, false), w(1, true));
    static final Gen<Boolean> OFTEN = weighted(w(1, false), w(2, true));
    static final Gen<Boolean> NEVER = Generate.constant(false);

    /** A PR OUT with the basic list, given how likely SPEC_I_PT is. */
    private static Gen<Step> out(int sa, Gen<KeyRef> rk, Gen<KeyRef> sark, Gen<Boolean> specIpt) {
        return in -> {
            int sender = SENDER.generate(in);
            KeyRef r = rk.generate(in);
            KeyRef s = sark.generate(in);
            TypeRef type = TYPE.generate(in);
            int scope = SCOPE.generate(in);
            boolean sip = specIpt.generate(in);
            List<TidRef> tids = sip ? SourceDSL.lists().of(TID).ofSizeBetween(0, 3).generate(in) : List.of();
            boolean allTgPt = RARELY.generate(in);
            boolean aptpl = OFTEN.generate(in);
            Corruption c = CORRUPTION.generate(in);
            return new Out(sender, sa, r, s, type, scope, sip, allTgPt, aptpl, tids, c);
        };
    }

    private static final Gen<Step> MOVE = in -> new Move(SENDER.generate(in), RK.generate(in),
            MOVE_SARK.generate(in), weighted(w(12, 1), w(1, 2), w(1, 0)).generate(in), MOVE_DEST.generate(in),
            RARELY.generate(in), OFTEN.generate(in), CORRUPTION.generate(in));

    /** Allocation lengths around the interesting sizes (8-byte headers, 24-byte descriptors). */
    static final Gen<Integer> ALLOC = weighted(w(6, 8192), w(2, Generate.range(0, 40)), w(1, Generate.range(0, 0xFFFF)),
            w(1, Generate.pick(List.of(0, 7, 8, 16, 24, 56, 0xFFFF))));

    private static final Gen<Step> IN = in -> new In(SENDER.generate(in),
            weighted(w(30, Generate.range(0, 3)), w(1, Generate.range(4, 31))).generate(in), ALLOC.generate(in));

    /**
     * Whether RESERVE, RELEASE and PREEMPT are sometimes sent with SPEC_I_PT set. Reference 7.2
     * says 26/00; the engine ignores the bit and executes them (see the failing
     * {@code ReservationStatefulTest.pinnedSpecIptWithReserveIsInvalidFieldInParameterList}).
     * Off so that the properties keep guarding everything else; turn on once the engine is fixed.
     */
    static final boolean SPEC_I_PT_WITH_OTHER_SERVICE_ACTIONS = true;
    private static final Gen<Boolean> SPEC_I_PT_ELSEWHERE = SPEC_I_PT_WITH_OTHER_SERVICE_ACTIONS
            ? weighted(w(40, false), w(1, true)) : NEVER;

    /**
     * One step. The first alternative (what shrinking moves towards) is a harmless READ KEYS,
     * so a step that does not matter to a failure shrinks into one and the minimiser drops it.
     */
    static final Gen<Step> STEP = weighted(
            w(6, IN),
            w(26, out(0, REGISTER_RK, REGISTER_SARK, weighted(w(8, false), w(1, true)))),
            w(9, out(6, REGISTER_RK, REGISTER_SARK, weighted(w(30, false), w(1, true)))),
            w(16, out(1, RK, IGNORED_SARK, SPEC_I_PT_ELSEWHERE)),
            w(10, out(2, RK, IGNORED_SARK, SPEC_I_PT_ELSEWHERE)),
            w(3, out(3, RK, IGNORED_SARK, SPEC_I_PT_ELSEWHERE)),
            w(10, out(4, RK, PREEMPT_SARK, SPEC_I_PT_ELSEWHERE)),
            w(6, out(5, RK, PREEMPT_SARK, SPEC_I_PT_ELSEWHERE)),
            w(6, MOVE),
            w(1, Generate.pick(List.of(8, 9, 0x1F)).flatMap(sa -> out(sa, RK, REGISTER_SARK, NEVER))),
            w(1, Generate.constant(new PowerCycle())),
            w(3, in -> new Migrate(SENDER.generate(in), OFTEN.generate(in))));

    /** Sequences of 1 to {@code max} steps. */
    static Gen<List<Step>> sequences(int max) {
        return SourceDSL.lists().of(STEP).ofSizeBetween(1, max).describedAs(GenCommands::describe);
    }

    // ------------------------------------------------------------------ concrete commands

    enum Kind { IN, OUT, MOVE }

    /**
     * A command with every key and type resolved, as sent: who (and which QEMU process), the
     * CDB fields and the parameter list fields. The model reads these fields; the engine gets
     * {@link #request()}, encoded here byte by byte (not with the codecs under test).
     */
    record Cmd(Kind kind, int sender, String client, int sa, long rk, long sark, int type, int scope,
            boolean specIpt, boolean allTgPt, boolean aptpl, List<TidRef> tids, int rtpi, TidRef dest,
            boolean unreg, int alloc, Corruption corruption) {

        static Cmd in(int sender, String client, int sa, int alloc) {
            return new Cmd(Kind.IN, sender, client, sa, 0, 0, 0, 0, false, false, false, List.of(), 0, null, false,
                    alloc, Corruption.NONE);
        }

        static Cmd out(int sender, String client, int sa, long rk, long sark, int type, int scope, boolean specIpt,
                boolean allTgPt, boolean aptpl, List<TidRef> tids, Corruption c) {
            return new Cmd(Kind.OUT, sender, client, sa, rk, sark, type, scope, specIpt, allTgPt, aptpl, tids, 0,
                    null, false, 0, c);
        }

        /** A plain PR OUT (no flags, LU scope, well framed). */
        static Cmd out(int sender, String client, int sa, long rk, long sark, int type) {
            return out(sender, client, sa, rk, sark, type, 0, false, false, false, List.of(), Corruption.NONE);
        }

        static Cmd move(int sender, String client, long rk, long sark, int rtpi, TidRef dest, boolean unreg,
                boolean aptpl, Corruption c) {
            return new Cmd(Kind.MOVE, sender, client, 7, rk, sark, 0, 0, false, false, aptpl, List.of(), rtpi, dest,
                    unreg, 0, c);
        }

        Nexus nexus() {
            return SENDERS[sender];
        }

        /** The parameter list as sent (corruption applied). */
        byte[] parameterList() {
            if (kind == Kind.IN) {
                return new byte[0];
            }
            byte[] list;
            int tpdlAt = -1;
            if (kind == Kind.MOVE) {
                byte[] id = dest.encode(sender);
                list = new byte[24 + id.length];
                put(list, 0, rk, 8);
                put(list, 8, sark, 8);
                list[17] = (byte) ((unreg ? 2 : 0) | (aptpl ? 1 : 0));
                put(list, 18, rtpi, 2);
                put(list, 20, id.length, 4);
                System.arraycopy(id, 0, list, 24, id.length);
                tpdlAt = 20;
            } else {
                List<byte[]> ids = tids.stream().map(t -> t.encode(sender)).toList();
                int idBytes = ids.stream().mapToInt(b -> b.length).sum();
                list = new byte[specIpt ? 28 + idBytes : 24];
                put(list, 0, rk, 8);
                put(list, 8, sark, 8);
                list[20] = (byte) ((specIpt ? 8 : 0) | (allTgPt ? 4 : 0) | (aptpl ? 1 : 0));
                if (specIpt) {
                    put(list, 24, idBytes, 4);
                    int at = 28;
                    for (byte[] b : ids) {
                        System.arraycopy(b, 0, list, at, b.length);
                        at += b.length;
                    }
                    tpdlAt = 24;
                }
            }
            return switch (corruption) {
                case NONE, CDB_LENGTH -> list;
                case SHORT -> Arrays.copyOf(list, 16);
                case LONG -> Arrays.copyOf(list, list.length + 8);
                case TPDL_OVERRUN -> {
                    if (tpdlAt < 0) {
                        yield Arrays.copyOf(list, list.length + 8);
                    }
                    int tpdl = (int) get(list, tpdlAt, 4);
                    put(list, tpdlAt, tpdl + 4, 4);
                    yield list;
                }
            };
        }

        /** Whether the list carries a TRANSPORTID PARAMETER DATA LENGTH. */
        boolean hasTransportIdLength() {
            return kind == Kind.MOVE || specIpt;
        }

        byte[] cdb() {
            byte[] cdb = new byte[10];
            if (kind == Kind.IN) {
                cdb[0] = 0x5E;
                cdb[1] = (byte) sa;
                put(cdb, 7, alloc, 2);
                return cdb;
            }
            cdb[0] = 0x5F;
            cdb[1] = (byte) sa;
            cdb[2] = (byte) (scope << 4 | type);
            long length = parameterList().length;
            if (corruption == Corruption.CDB_LENGTH) {
                length |= 0x0001_0000L; // byte 6
            }
            put(cdb, 5, length, 4);
            return cdb;
        }

        Request request() {
            return new Request(nexus(), Optional.of(client), cdb(), parameterList());
        }

        @Override
        public String toString() {
            String who = LETTERS[sender] + (client.endsWith("#1") ? "" : "(" + client.substring(client.indexOf('#')) + ")");
            if (kind == Kind.IN) {
                return who + ": " + inName(sa) + (alloc == 8192 ? "" : " alloc=" + alloc);
            }
            StringBuilder b = new StringBuilder(who).append(": ").append(saName(sa)).append(" rk=").append(hex(rk))
                    .append(" sark=").append(hex(sark));
            if (kind == Kind.MOVE) {
                b.append(" to ").append(dest.describe(sender)).append(rtpi == 1 ? "" : " via port " + rtpi)
                        .append(unreg ? " UNREG" : "");
            } else if (sa == 1 || sa == 2 || sa == 4 || sa == 5) {
                b.append(" type=").append(type);
            }
            if (scope != 0) {
                b.append(" scope=").append(scope);
            }
            if (specIpt) {
                b.append(" SPEC_I_PT[").append(tids.stream().map(t -> t.describe(sender))
                        .collect(Collectors.joining(", "))).append(']');
            }
            b.append(allTgPt ? " ALL_TG_PT" : "").append(aptpl ? " APTPL" : "").append(corruption.text);
            return b.toString();
        }
    }

    static String hex(long key) {
        return key == 0 ? "0" : "0x" + Long.toHexString(key);
    }

    static void put(byte[] b, int at, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b[at + i] = (byte) (value >>> 8 * (bytes - 1 - i));
        }
    }

    static long get(byte[] b, int at, int bytes) {
        long v = 0;
        for (int i = 0; i < bytes; i++) {
            v = v << 8 | (b[at + i] & 0xFF);
        }
        return v;
    }

    /** The concrete command for a PR step, its keys and type taken from {@code t}. */
    static Cmd resolve(Step step, ReservationTable t, String client) {
        if (step instanceof In in) {
            return Cmd.in(in.sender(), client, in.sa(), in.alloc());
        }
        if (step instanceof Move m) {
            return Cmd.move(m.sender(), client, m.rk().resolve(t, m.sender()), m.sark().resolve(t, m.sender()),
                    m.rtpi(), m.dest(), m.unreg(), m.aptpl(), m.corruption());
        }
        Out o = (Out) step;
        return Cmd.out(o.sender(), client, o.sa(), o.rk().resolve(t, o.sender()), o.sark().resolve(t, o.sender()),
                o.type().resolve(t), o.scope(), o.specIpt(), o.allTgPt(), o.aptpl(), o.tids(), o.corruption());
    }

    static String describe(List<Step> steps) {
        return steps.stream().map(Object::toString).collect(Collectors.joining("\n  ", "\n  ", "\n"));
    }
}
