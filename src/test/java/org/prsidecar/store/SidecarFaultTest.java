package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.SidecarStore.Step;
import org.prsidecar.store.StoreFixtures.Snapshot;

/**
 * Deterministic crash points, through the fault seam of {@link SidecarStore}: for every
 * {@link Step} of an update, (a) an I/O error there fails the update with a typed
 * {@link StoreException} and leaves the old table, and (b) a process that dies there
 * ({@code Runtime.halt}) leaves a sidecar that loads as the old table or the new one.
 */
class SidecarFaultTest {

    @TempDir
    Path dir;

    /** An injected error and the kind of StoreException it must become. */
    enum Failure {
        EIO(Errno.EIO, StoreException.Kind.IO_ERROR),
        ENOSPC(Errno.ENOSPC, StoreException.Kind.NO_SPACE),
        EDQUOT(Errno.EDQUOT, StoreException.Kind.NO_SPACE),
        EACCES(Errno.EACCES, StoreException.Kind.INACCESSIBLE),
        EROFS(Errno.EROFS, StoreException.Kind.INACCESSIBLE),
        PLAIN_IO_EXCEPTION(0, StoreException.Kind.IO_ERROR);

        final int errno;
        final StoreException.Kind kind;

        Failure(int errno, StoreException.Kind kind) {
            this.errno = errno;
            this.kind = kind;
        }

        IOException exception(Path at) {
            return errno == 0 ? new IOException("injected failure") : new PosixException(errno, "pwrite", at);
        }
    }

    /** Steps at which a failure fails the update (JOURNAL_MARKED comes after the table is durable). */
    static Stream<Arguments> failingSteps() {
        List<Arguments> out = new ArrayList<>();
        for (Step s : Step.values()) {
            if (s == Step.JOURNAL_MARKED) {
                continue;
            }
            for (Failure f : Failure.values()) {
                out.add(Arguments.of(s, f));
            }
        }
        return out.stream();
    }

    private static boolean beforeTheSidecarIsTouched(Step s) {
        return s == Step.JOURNAL_WRITE || s == Step.JOURNAL_WRITTEN || s == Step.SIDECAR_WRITE;
    }

    private static String journalState(Disk disk) throws IOException {
        byte[] j = Files.readAllBytes(SidecarStore.journalPath(disk.sidecar()));
        return j.length < SidecarJournal.HEADER_LENGTH ? "(none)"
                : new String(j, 21, 7, StandardCharsets.US_ASCII);
    }

    // ---------------------------------------------------------------- (a) errors

    @ParameterizedTest(name = "{1} at {0}")
    @MethodSource("failingSteps")
    void anErrorAtAStepFailsTheUpdateWithItsKindAndKeepsTheOldTable(Step step, Failure failure) throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = StoreFixtures.store();
        s.update(disk, StoreFixtures::nextOf);
        Snapshot old = Snapshot.of(disk.sidecar());
        ReservationTable oldTable = s.read(disk);

        s.injectFaults(at -> {
            if (at == step) {
                throw failure.exception(disk.sidecar());
            }
        });
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk, StoreFixtures::nextOf));
        assertEquals(failure.kind, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(disk.sidecar().toString()), e.getMessage());
        assertTrue(e.getMessage().contains(disk.id()), e.getMessage());
        if (failure.kind == StoreException.Kind.NO_SPACE || failure.kind == StoreException.Kind.INACCESSIBLE) {
            assertTrue(e.getMessage().contains("the table was not changed"), e.getMessage());
        }

        // the old bytes, before and after the sidecar is touched (a failed write is rolled back)
        assertArrayEquals(old.bytes(), Files.readAllBytes(disk.sidecar()));
        if (step == Step.JOURNAL_WRITE || step == Step.JOURNAL_WRITTEN) {
            old.assertUnchanged(disk.sidecar());
        }
        if (step == Step.JOURNAL_WRITE) {
            // nothing of this update was written: the previous, applied entry stays as it was
            // (marking it ABORTED would put back the table from before it)
            assertEquals("APPLIED", journalState(disk), "the previous entry is left alone");
        } else {
            assertEquals("ABORTED", journalState(disk), "a failed update's journal entry is never replayed");
        }
        assertEquals(oldTable, s.read(disk), "the same store reads the old table");
        assertEquals(oldTable, StoreFixtures.store().read(disk), "another store reads the old table");

        // and the next update is the next revision: nothing of the failed one remains
        s.injectFaults(SidecarStore.Faults.NONE);
        s.update(disk, StoreFixtures::nextOf);
        SidecarDocument doc = StoreFixtures.store().readDocument(disk).orElseThrow();
        assertEquals(2, doc.revision());
        assertEquals(StoreFixtures.tableOf(2), doc.table());
    }

    @ParameterizedTest(name = "at {0}")
    @EnumSource(value = Step.class, names = "JOURNAL_MARKED", mode = EnumSource.Mode.EXCLUDE)
    void anErrorInTheFirstUpdateOfADiskLeavesAFreshTable(Step step) throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = StoreFixtures.store();
        s.injectFaults(at -> {
            if (at == step) {
                throw new PosixException(Errno.EIO, "pwrite", disk.sidecar());
            }
        });
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk, StoreFixtures::nextOf));
        assertEquals(StoreException.Kind.IO_ERROR, e.kind());
        assertEquals(ReservationTable.empty(), StoreFixtures.store().read(disk));
        assertEquals(0, Files.size(disk.sidecar()), "the sidecar the failed update created is empty");
        s.injectFaults(SidecarStore.Faults.NONE);
        s.update(disk, StoreFixtures::nextOf);
        assertEquals(1, StoreFixtures.store().readDocument(disk).orElseThrow().revision());
    }

    @Test
    void anErrorMarkingTheJournalAfterTheSidecarIsDurableDoesNotFailTheUpdate() throws Exception {
        // by design: the new table is durable in the sidecar, so the command succeeds; the
        // PENDING entry holds the same bytes and the next access only marks it applied
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = StoreFixtures.store();
        s.update(disk, StoreFixtures::nextOf);
        s.injectFaults(at -> {
            if (at == Step.JOURNAL_MARKED) {
                throw new PosixException(Errno.EIO, "pwrite", disk.sidecar());
            }
        });
        assertEquals(2L, s.update(disk, StoreFixtures::nextOf).result());
        assertEquals("PENDING", journalState(disk));
        assertEquals(StoreFixtures.tableOf(2), StoreFixtures.store().read(disk));
        Snapshot written = Snapshot.of(disk.sidecar());

        StoreFixtures.store().update(disk, t -> new TableStore.Change<>(t, null));
        assertEquals("APPLIED", journalState(disk));
        written.assertUnchanged(disk.sidecar());
        assertEquals(2, StoreFixtures.store().readDocument(disk).orElseThrow().revision());
    }

    @Test
    void anUpdateThatFailsInsideTheCallerIsNotWritten() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = StoreFixtures.store();
        s.update(disk, StoreFixtures::nextOf);
        Snapshot old = Snapshot.of(disk.sidecar());
        Snapshot oldJournal = Snapshot.of(SidecarStore.journalPath(disk.sidecar()));
        assertThrows(IllegalStateException.class, () -> s.update(disk, t -> {
            throw new IllegalStateException("the engine broke an invariant");
        }));
        old.assertUnchanged(disk.sidecar());
        oldJournal.assertUnchanged(SidecarStore.journalPath(disk.sidecar()));
        // and the lock was released: another store updates at once
        StoreFixtures.store(java.time.Duration.ofMillis(200)).update(disk, StoreFixtures::nextOf);
    }

    @Test
    void aTableOverTheSizeLimitIsRefusedWithNoSpaceAndNothingIsWritten() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore small = new SidecarStore(SidecarStore.Options.defaults().withMaxSidecarBytes(2048));
        small.update(disk, t -> new TableStore.Change<>(StoreFixtures.tableOf(2), null)); // 2 registrations
        Snapshot side = Snapshot.of(disk.sidecar());
        Snapshot journal = Snapshot.of(SidecarStore.journalPath(disk.sidecar()));
        ReservationTable big = StoreFixtures.tableOf(11); // 12 registrations: more than 2048 bytes
        assertTrue(SidecarFormat.encode(doc(11)).length > 2048, "premise");
        StoreException e = assertThrows(StoreException.class, () -> small.update(disk,
                t -> new TableStore.Change<>(big, null)));
        assertEquals(StoreException.Kind.NO_SPACE, e.kind());
        assertTrue(e.getMessage().contains("over the sidecar limit of 2048"), e.getMessage());
        assertTrue(e.getMessage().contains("the table was not changed"), e.getMessage());
        side.assertUnchanged(disk.sidecar());
        journal.assertUnchanged(SidecarStore.journalPath(disk.sidecar()));
    }

    // ---------------------------------------------------------------- (b) a process dies at a step

    /** Where the deterministic writer starts: the first write, a shrinking one, a growing one. */
    enum From {
        CREATE(0), SHRINK(1), GROW(2);

        final long revision;

        From(long revision) {
            this.revision = revision;
        }
    }

    static {
        // guard the premise of SHRINK and GROW
        int r1 = SidecarFormat.encode(doc(1)).length;
        int r2 = SidecarFormat.encode(doc(2)).length;
        int r3 = SidecarFormat.encode(doc(3)).length;
        if (!(r2 < r1 && r3 > r2)) {
            throw new IllegalStateException("tableOf no longer shrinks from 1 to 2 and grows from 2 to 3");
        }
    }

    private static SidecarDocument doc(long n) {
        return new SidecarDocument(StoreFixtures.DISK_ID, n, new SidecarDocument.Writer("h", 1,
                java.time.Instant.EPOCH, "prsidecar"), StoreFixtures.tableOf(n));
    }

    /** What the files hold after a writer died at {@code step}; read before any store looks. */
    record Halted(Step step, From from, Path dir, int exit, long elapsedMillis) {
    }

    private static final List<Halted> HALTED = new ArrayList<>();

    /**
     * Starts every (step, from) writer and lets it die at its step: two child JVMs at a
     * time, so the 18 of them take a few seconds.
     */
    @BeforeAll
    static void haltWritersAtEveryStep(@TempDir Path base) throws Exception {
        List<Object[]> cases = new ArrayList<>();
        for (From from : From.values()) {
            for (Step step : Step.values()) {
                Path d = Files.createDirectories(base.resolve(from + "-" + step));
                Disk disk = StoreFixtures.disk(d);
                for (long r = 0; r < from.revision; r++) {
                    StoreFixtures.store().update(disk, StoreFixtures::nextOf);
                }
                cases.add(new Object[] {step, from, d});
            }
        }
        int parallel = 2;
        List<Process> running = new ArrayList<>();
        List<Object[]> runningCases = new ArrayList<>();
        List<Long> started = new ArrayList<>();
        int next = 0;
        while (next < cases.size() || !running.isEmpty()) {
            while (running.size() < parallel && next < cases.size()) {
                Object[] c = cases.get(next++);
                Path d = (Path) c[2];
                Disk disk = StoreFixtures.disk(d);
                running.add(new ProcessBuilder(StoreFixtures.ChildJvm.get().command(HaltAtStepMain.class,
                        disk.sidecar().toString(), disk.id(), c[0].toString())).redirectErrorStream(true)
                        .redirectOutput(d.resolve("child.log").toFile()).start());
                runningCases.add(c);
                started.add(System.nanoTime());
            }
            Process p = running.get(0);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("a halting writer did not finish within 120 s: " + List.of(runningCases.get(0)));
            }
            Object[] c = runningCases.remove(0);
            long t0 = started.remove(0);
            running.remove(0);
            HALTED.add(new Halted((Step) c[0], (From) c[1], (Path) c[2], p.exitValue(),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)));
        }
    }

    static Stream<Arguments> haltCases() {
        List<Arguments> out = new ArrayList<>();
        for (From from : From.values()) {
            for (Step step : Step.values()) {
                out.add(Arguments.of(step, from));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{1}, died at {0}")
    @MethodSource("haltCases")
    void aWriterThatDiesAtAStepLeavesTheOldOrTheNewTable(Step step, From from) throws Exception {
        Halted h = HALTED.stream().filter(x -> x.step() == step && x.from() == from).findFirst().orElseThrow();
        Disk disk = StoreFixtures.disk(h.dir());
        assertEquals(HaltAtStepMain.HALTED, h.exit(), () -> "the writer did not halt at " + step + ": "
                + read(h.dir().resolve("child.log")));
        long oldRev = from.revision;
        long newRev = from.revision + 1;

        // the first read by a fresh store: old or new, never an error or another table
        Optional<SidecarDocument> first = StoreFixtures.store().readDocument(disk);
        long seen = first.map(SidecarDocument::revision).orElse(0L);
        assertTrue(seen == oldRev || seen == newRev, "read revision " + seen);
        assertEquals(StoreFixtures.tableOf(seen), first.map(SidecarDocument::table).orElse(ReservationTable.empty()));

        // what this design reads, step by step: the old table until the sidecar is written
        // (for a disk with no table yet, a durable journal is replayed at once)
        boolean journalDurable = step != Step.JOURNAL_WRITE;
        long expectedRead = step.ordinal() >= Step.SIDECAR_WRITTEN.ordinal()
                || (from == From.CREATE && journalDurable) ? newRev : oldRev;
        assertEquals(expectedRead, seen, "revision read after dying at " + step);

        // recovery (the exclusive path) finishes the update once its journal entry is durable
        ReservationTable recovered = StoreFixtures.store().update(disk, t -> new TableStore.Change<>(t, null)).table();
        long expectedRecovered = journalDurable ? newRev : oldRev;
        assertEquals(StoreFixtures.tableOf(expectedRecovered), recovered, "table after recovery");
        long after = StoreFixtures.store().readDocument(disk).map(SidecarDocument::revision).orElse(0L);
        assertEquals(expectedRecovered, after);
        assertNotEquals("PENDING", journalStateQuiet(disk), "no entry pending after recovery");
        assertTrue(after >= seen, "recovery never goes back behind what was read");

        // and the disk moves on
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        assertEquals(expectedRecovered + 1, StoreFixtures.store().readDocument(disk).orElseThrow().revision());
    }

    @Test
    void haltingWritersTookSeconds() {
        long total = HALTED.stream().mapToLong(Halted::elapsedMillis).sum();
        System.out.println("halting writers: " + HALTED.size() + " child JVMs, " + total + " ms of child wall time");
        assertEquals(From.values().length * Step.values().length, HALTED.size());
        assertFalse(HALTED.stream().anyMatch(h -> h.exit() == 0), "every writer halted");
    }

    private static String journalStateQuiet(Disk disk) {
        try {
            return journalState(disk);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void theJournalEntryOfAHaltedWriterIsCheckedBeforeItIsReplayed() throws Exception {
        // a complete PENDING entry whose payload is some other disk's sidecar is never copied
        // over this disk's sidecar: recovery fails and leaves both files alone
        Disk disk = StoreFixtures.disk(dir);
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        byte[] foreign = SidecarFormat.encode(new SidecarDocument("naa.other", 2,
                new SidecarDocument.Writer("h", 1, java.time.Instant.EPOCH, "p"), StoreFixtures.tableOf(2)));
        try (PosixFile j = PosixFile.open(SidecarStore.journalPath(disk.sidecar()), OpenMode.READ_WRITE, 0)) {
            SidecarJournal.writePending(j, 2, foreign, java.nio.file.Files.readAllBytes(disk.sidecar()));
        }
        Snapshot side = Snapshot.of(disk.sidecar());
        Snapshot journal = Snapshot.of(SidecarStore.journalPath(disk.sidecar()));
        StoreException e = assertThrows(StoreException.class,
                () -> StoreFixtures.store().update(disk, StoreFixtures::nextOf));
        assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind());
        assertTrue(e.getMessage().contains("journal"), e.getMessage());
        side.assertUnchanged(disk.sidecar());
        journal.assertUnchanged(SidecarStore.journalPath(disk.sidecar()));
    }
}
