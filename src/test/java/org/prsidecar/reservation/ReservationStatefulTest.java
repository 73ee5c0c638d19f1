package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.quicktheories.QuickTheory.qt;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.prsidecar.reservation.GenCommands.Cmd;
import org.prsidecar.reservation.GenCommands.Corruption;
import org.prsidecar.reservation.GenCommands.In;
import org.prsidecar.reservation.GenCommands.Kind;
import org.prsidecar.reservation.GenCommands.Migrate;
import org.prsidecar.reservation.GenCommands.PowerCycle;
import org.prsidecar.reservation.GenCommands.Step;
import org.prsidecar.reservation.GenCommands.TidKind;
import org.prsidecar.reservation.GenCommands.TidRef;
import org.prsidecar.reservation.ModelLogicalUnit.Answer;
import org.prsidecar.reservation.ModelLogicalUnit.State;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;

/**
 * Stateful property tests of the reservation engine (SPC reference section 5): random
 * sequences of PR commands from four initiators, power cycles and live migrations, run
 * against the engine from a fresh disk. After every step the engine's status, sense and table
 * are compared with {@link ModelLogicalUnit} (an independent reading of section 2) and every
 * invariant of section 5 is checked on the engine's own tables ({@link ModelChecks}).
 *
 * <p>A failure is shrunk by QuickTheories, then further by dropping single steps while it
 * still fails, and reported as a transcript, one command per line with the engine's answer.
 * Reproduce with {@code -DQT_SEED=<seed from the report>}.
 */
class ReservationStatefulTest {

    private static final int SEQUENCES = 1000;
    private static final int MAX_STEPS = 40;

    // ------------------------------------------------------------------ the properties

    @Test
    void everyStepAgreesWithTheModelAndKeepsTheInvariants() {
        checkSequences(SEQUENCES, MAX_STEPS, steps -> new Run().all(steps));
    }

    @Test
    void accessPolicyIsSectionThreesTableForEveryGroupTypeAndStanding() {
        ModelChecks.checkWholeAccessTable();
    }

    /**
     * The generator reaches every rule: without this, the property above could pass by never
     * trying the interesting cases. Counts what 300 sequences made the engine do.
     */
    @Test
    void generatedSequencesReachEveryRule() {
        Map<String, Integer> seen = new TreeMap<>();
        qt().withExamples(300).withFixedSeed(20261125L).forAll(GenCommands.sequences(MAX_STEPS))
                .checkAssert(steps -> new Run(seen).all(steps));
        List<String> wanted = List.of(
                "REGISTER GOOD", "REGISTER RESERVATION_CONFLICT", "REGISTER SPEC_I_PT GOOD", "REGISTER 26/00",
                "RIEK GOOD", "RESERVE GOOD", "RESERVE RESERVATION_CONFLICT", "RESERVE 24/00",
                "RELEASE GOOD", "RELEASE 26/04", "CLEAR GOOD", "PREEMPT GOOD", "PREEMPT RESERVATION_CONFLICT",
                "PREEMPT 26/00", "PREEMPT AND ABORT GOOD", "REGISTER AND MOVE GOOD",
                "REGISTER AND MOVE RESERVATION_CONFLICT", "REGISTER AND MOVE 26/00", "REGISTER AND MOVE 24/00",
                "REPLACE LOST RESERVATION 24/00", "1A/00", "unit attention 2A/03", "unit attention 2A/04",
                "unit attention 2A/05", "unit attention 2F/00", "preempted someone", "type 7/8 outlived a registrant",
                "migration replay GOOD", "power cycle kept registrations", "power cycle emptied",
                "READ FULL STATUS truncated", "two registrations share a key");
        List<String> missing = wanted.stream().filter(w -> !seen.containsKey(w)).toList();
        assertTrue(missing.isEmpty(), "never reached: " + missing + "\nreached: " + seen);
    }

    // ------------------------------------------------------------------ pinned sequences (engine bugs)

    /**
     * Found by the property above (shrunk to {@code A: REGISTER rk=0 sark=0xa} then
     * {@code A: RESERVE rk=0xa type=1 SPEC_I_PT[]} -> GOOD): the engine executes RESERVE,
     * RELEASE, CLEAR, PREEMPT and PREEMPT AND ABORT when SPEC_I_PT is set, where reference 7.2
     * ("with RIEK or any other service action -> 26/00") and 1.2 answer ILLEGAL REQUEST, INVALID
     * FIELD IN PARAMETER LIST and leave the table alone. Fails until the engine is fixed; then
     * turn on {@link GenCommands#SPEC_I_PT_WITH_OTHER_SERVICE_ACTIONS} so the property covers it.
     */
    @Test
    void pinnedSpecIptWithOtherServiceActionsIsInvalidFieldInParameterList() {
        List<TidRef> listsC = List.of(new TidRef(TidKind.SENDER, 2));
        assertAll(IntStream.of(1, 2, 3, 4, 5).mapToObj(sa -> () -> {
            Run run = new Run();
            run.execute(Cmd.out(0, "A#1", 0, 0, 0xA, 0)); // A: REGISTER sark=0xa
            run.execute(Cmd.out(1, "B#1", 0, 0, 0xB, 0)); // B: REGISTER sark=0xb
            if (sa == 2) {
                run.execute(Cmd.out(0, "A#1", 1, 0xA, 0, 5)); // A: RESERVE type=5, so RELEASE has work
            }
            run.execute(Cmd.out(0, "A#1", sa, 0xA, sa >= 4 ? 0xB : 0, 5, 0, true, false, false,
                    sa == 1 ? List.of() : listsC, Corruption.NONE));
        }));
    }

    // ------------------------------------------------------------------ running a sequence

    /** Runs QuickTheories over sequences; a failure is minimised further and printed as a transcript. */
    static void checkSequences(int examples, int maxSteps, Consumer<List<Step>> property) {
        List<List<Step>> smallest = new ArrayList<>();
        try {
            qt().withExamples(examples).withShrinkCycles(1000).forAll(GenCommands.sequences(maxSteps))
                    .checkAssert(steps -> {
                        try {
                            property.accept(steps);
                        } catch (AssertionError e) {
                            if (smallest.isEmpty() || steps.size() <= smallest.get(0).size()) {
                                smallest.clear();
                                smallest.add(List.copyOf(steps));
                            }
                            throw e;
                        }
                    });
        } catch (AssertionError e) {
            if (smallest.isEmpty()) {
                throw e;
            }
            List<Step> minimal = minimise(smallest.get(0), property);
            AssertionError shown = failure(minimal, property);
            AssertionError report = new AssertionError("Minimal failing sequence (" + minimal.size() + " step(s), "
                    + "after shrinking and dropping steps):\n" + shown.getMessage()
                    + "\n\nQuickTheories said: " + e.getMessage(), shown);
            throw report;
        }
    }

    /** Drops single steps while the sequence still fails, until none can go. */
    static List<Step> minimise(List<Step> failing, Consumer<List<Step>> property) {
        List<Step> current = new ArrayList<>(failing);
        boolean progress = true;
        while (progress) {
            progress = false;
            for (int i = current.size() - 1; i >= 0; i--) {
                List<Step> shorter = new ArrayList<>(current);
                shorter.remove(i);
                if (!shorter.isEmpty() && failure(shorter, property) != null) {
                    current = shorter;
                    progress = true;
                }
            }
        }
        return current;
    }

    private static AssertionError failure(List<Step> steps, Consumer<List<Step>> property) {
        try {
            property.accept(steps);
            return null;
        } catch (AssertionError e) {
            return e;
        }
    }

    /**
     * One sequence against a fresh disk: the engine's table, the model's state, the current
     * QEMU process of each initiator, and the transcript printed on failure.
     */
    static final class Run {
        private final PersistentReservations engine = new PersistentReservations();
        private final Map<String, Integer> seen;
        private ReservationTable table = ReservationTable.empty();
        private State model = State.fresh();
        private final int[] process = {1, 1, 1, 1};
        private final List<Supplier<String>> transcript = new ArrayList<>();

        Run() {
            this(null);
        }

        Run(Map<String, Integer> seen) {
            this.seen = seen;
        }

        ReservationTable table() {
            return table;
        }

        void all(List<Step> steps) {
            for (Step s : steps) {
                step(s);
            }
        }

        private String client(int sender) {
            return GenCommands.letter(sender) + "#" + process[sender];
        }

        void step(Step s) {
            if (s instanceof PowerCycle) {
                powerCycle();
            } else if (s instanceof Migrate m) {
                migrate(m);
            } else {
                int sender = s instanceof In in ? in.sender()
                        : s instanceof GenCommands.Out o ? o.sender() : ((GenCommands.Move) s).sender();
                execute(GenCommands.resolve(s, table, client(sender)));
            }
        }

        private void powerCycle() {
            ReservationTable before = table;
            ReservationTable after = PersistentReservations.powerCycle(before);
            transcript.add(() -> "-- power cycle (APTPL=" + (before.aptpl() ? 1 : 0) + ") --");
            guarded(() -> {
                // invariant 9
                ModelChecks.check(after.generation() == 0, "inv 9", () -> "generation after power on: " + after.generation());
                if (before.aptpl()) {
                    ModelChecks.check(new ArrayList<>(after.registrations()).equals(new ArrayList<>(before.registrations()))
                            && after.reservation().equals(before.reservation()), "inv 9",
                            () -> "APTPL=1: registrations and reservation must survive");
                    note(before.registrationCount() > 0 ? "power cycle kept registrations" : null);
                } else {
                    ModelChecks.check(after.registrationCount() == 0 && after.reservation().isEmpty() && !after.aptpl(),
                            "inv 9", () -> "APTPL=0: the table must empty");
                    note(before.registrationCount() > 0 ? "power cycle emptied" : null);
                }
                model = ModelLogicalUnit.powerCycle(model);
                ModelChecks.sameAsModel(after, model);
                ModelChecks.observe(engine, after, model, transcript.size());
            });
            table = after;
        }

        /** Reference 7.9: a new QEMU process for the VM; QEMU >= 11 replays REGISTER and PREEMPT. */
        private void migrate(Migrate m) {
            int s = m.sender();
            process[s]++;
            String line = "-- " + GenCommands.letter(s) + " live-migrates to process " + client(s)
                    + (m.replay() ? ", QEMU >= 11 replays --" : ", QEMU < 11 --");
            transcript.add(() -> line);
            if (!m.replay()) {
                return;
            }
            Nexus n = GenCommands.SENDERS[s];
            Optional<Registration> own = table.registration(n);
            if (own.isEmpty()) {
                return;
            }
            long k = own.get().key();
            Optional<Reservation> res = table.reservation();
            boolean held = table.isHolder(n);
            Outcome reg = execute(Cmd.out(s, client(s), 0, 0, k, 0));
            if (held && reg.isGood() && reg.sense().isEmpty()) {
                note("migration replay GOOD");
                execute(Cmd.out(s, client(s), 4, k, k, res.orElseThrow().type().code()));
            }
        }

        Outcome execute(Cmd c) {
            ReservationTable before = table;
            Outcome o = engine.execute(before, c.request());
            transcript.add(() -> String.format("%-60s -> %s", c, answer(o)));
            guarded(() -> {
                List<Answer> allowed = ModelLogicalUnit.execute(model, c);
                State engineState = ModelChecks.asModel(o.table());
                Answer match = allowed.stream().filter(a -> matches(a, o, engineState)).findFirst()
                        .orElseThrow(() -> new AssertionError("[model] the engine answered " + answer(o)
                                + " leaving " + engineState + "\n  the reference allows:\n    "
                                + String.join("\n    ", allowed.stream().map(Answer::toString).toList())));
                model = match.after();
                ModelChecks.checkStep(before, c, o);
                ModelChecks.checkEngineRespectsAccess(before, c, o);
                if (c.kind() == Kind.IN && o.isGood()) {
                    ModelChecks.checkPrefix(o.data(), ModelChecks.readAll(engine, before, c.sa()), c.alloc(), c.sa());
                }
                ModelChecks.sameAsModel(o.table(), model);
                ModelChecks.observe(engine, o.table(), model, transcript.size());
                ModelChecks.checkAccess(o.table(), model, transcript.size());
                tally(before, c, o);
            });
            table = o.table();
            return o;
        }

        private static boolean matches(Answer a, Outcome o, State engineState) {
            boolean status = switch (a.status()) {
                case GOOD -> o.status() == ScsiStatus.GOOD;
                case RESERVATION_CONFLICT -> o.status() == ScsiStatus.RESERVATION_CONFLICT;
                case CHECK_CONDITION -> o.status() == ScsiStatus.CHECK_CONDITION && o.sense().isPresent()
                        && o.sense().get().key().code() == a.senseKey() && o.sense().get().asc() == a.asc()
                        && o.sense().get().ascq() == a.ascq();
            };
            return status && ModelLogicalUnit.sameState(engineState, a.after());
        }

        private void guarded(Runnable checks) {
            try {
                checks.run();
            } catch (AssertionError e) {
                StringBuilder b = new StringBuilder();
                for (int i = 0; i < transcript.size(); i++) {
                    b.append(String.format("%3d. %s%n", i + 1, transcript.get(i).get()));
                }
                b.append("     ^ fails here: ").append(e.getMessage()).append('\n');
                b.append("  engine table before: ").append(ModelChecks.asModelSafe(table)).append('\n');
                b.append("  model state:         ").append(model);
                throw new AssertionError(b.toString(), e);
            }
        }

        static String answer(Outcome o) {
            return switch (o.status()) {
                case GOOD -> "GOOD" + (o.dataLength() > 0 ? " (" + o.dataLength() + " bytes)" : "");
                case CHECK_CONDITION -> {
                    SenseData s = o.sense().orElseThrow();
                    yield (s.key() == SenseKey.UNIT_ATTENTION ? "UNIT ATTENTION " : "ILLEGAL REQUEST ")
                            + String.format("%02X/%02X %s", s.asc(), s.ascq(), s.description());
                }
                default -> o.status().toString().replace('_', ' ');
            };
        }

        // ------------------------------------------------------------------ coverage tally

        private void note(String what) {
            if (seen != null && what != null) {
                seen.merge(what, 1, Integer::sum);
            }
        }

        private void tally(ReservationTable before, Cmd c, Outcome o) {
            if (seen == null) {
                return;
            }
            if (o.sense().map(s -> s.key() == SenseKey.UNIT_ATTENTION).orElse(false)) {
                note(String.format("unit attention %02X/%02X", o.sense().get().asc(), o.sense().get().ascq()));
                return;
            }
            if (c.kind() == Kind.IN) {
                if (c.sa() == 3 && o.isGood() && o.dataLength() < ModelChecks.readAll(engine, before, 3).length) {
                    note("READ FULL STATUS truncated");
                }
                return;
            }
            String result = o.status() == ScsiStatus.CHECK_CONDITION
                    ? String.format("%02X/%02X", o.sense().get().asc(), o.sense().get().ascq()) : o.status().name();
            note(GenCommands.saName(c.sa()) + " " + result);
            if (c.sa() == 0 && c.specIpt() && o.isGood() && o.table().registrationCount()
                    > before.registrationCount() + 1) {
                note("REGISTER SPEC_I_PT GOOD");
            }
            if (result.equals("1A/00")) {
                note("1A/00");
            }
            if ((c.sa() == 4 || c.sa() == 5) && o.isGood()
                    && o.table().registrationCount() < before.registrationCount()) {
                note("preempted someone");
            }
            if (before.reservation().map(r -> r.type().allRegistrants()).orElse(false) && o.isGood()
                    && o.table().registrationCount() < before.registrationCount() && o.table().reservation().isPresent()) {
                note("type 7/8 outlived a registrant");
            }
            if (o.table().registrations().stream().map(Registration::key).distinct().count()
                    < o.table().registrationCount()) {
                note("two registrations share a key");
            }
        }
    }
}
