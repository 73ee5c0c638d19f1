package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;

/**
 * Writers killed with SIGKILL at random points of an update (DESIGN.md: "the write path
 * must survive a crash at any instant ... proven by a test that kills writers at random
 * points"). Each writer is a child JVM running the deterministic writer (revision n holds
 * {@link StoreFixtures#tableOf}(n)); after each kill a fresh store must load the sidecar,
 * and it must hold the last acknowledged revision or the one in flight.
 *
 * <p>200 kills by default ({@code -Dprsidecar.crash.kills=N} for more), in two lanes of
 * independent sidecars run side by side; each lane starts the next child while the current
 * one runs, so JVM start-up overlaps the writing.
 */
class SidecarCrashTest {

    private static final int KILLS = Integer.getInteger("prsidecar.crash.kills", 200);
    private static final int LANES = Integer.getInteger("prsidecar.crash.lanes", 2);
    /** Upper bound of the random delay between the first acknowledgement and the kill. */
    private static final int MAX_DELAY_MICROS = 25_000;

    @TempDir
    Path dir;

    /** Where a kill left the files, read raw before any store touches them. */
    enum KillPoint {
        /** Between updates or before the journal entry was begun: journal applied or aborted. */
        IDLE,
        /** In the journal write: a PENDING entry that is not complete (dropped on recovery). */
        JOURNAL_TORN,
        /** Journal entry durable, sidecar still at the old revision. */
        JOURNAL_DURABLE,
        /** In the sidecar write: the sidecar does not decode, the journal is complete. */
        SIDECAR_TORN,
        /** Sidecar written at the new revision, journal not yet marked applied. */
        SIDECAR_WRITTEN
    }

    record LaneResult(Map<KillPoint, Integer> points, int kills, long finalRevision, int recoveredByReader,
            int inFlightSurvived) {
    }

    @Test
    void writersKilledAtRandomPointsLeaveTheLastAcknowledgedOrTheInFlightTable() throws Exception {
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(LANES);
        List<Future<LaneResult>> lanes = new ArrayList<>();
        for (int i = 0; i < LANES; i++) {
            Path laneDir = Files.createDirectory(dir.resolve("lane" + i));
            int kills = KILLS / LANES + (i < KILLS % LANES ? 1 : 0);
            long seed = System.nanoTime() + i;
            lanes.add(pool.submit(() -> runLane(laneDir, kills, seed)));
        }
        Map<KillPoint, Integer> points = new EnumMap<>(KillPoint.class);
        int kills = 0;
        int recovered = 0;
        int inFlight = 0;
        try {
            for (Future<LaneResult> f : lanes) {
                LaneResult r = f.get(10, TimeUnit.MINUTES);
                r.points().forEach((k, v) -> points.merge(k, v, Integer::sum));
                kills += r.kills();
                recovered += r.recoveredByReader();
                inFlight += r.inFlightSurvived();
            }
        } finally {
            // a failed lane stops the other, and every child is gone before @TempDir is removed
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(60, TimeUnit.SECONDS), "a lane did not stop");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("crash test: %d SIGKILLs in %.1f s (%d lanes, class-data archive %s); kill points %s; a fresh reader"
                + " recovered the sidecar %d times; the in-flight revision survived %d times%n", kills, seconds,
                LANES, jvm.archive.isPresent() ? "used" : "not available", points, recovered, inFlight);
        assertEquals(KILLS, kills);
        int midUpdate = kills - points.getOrDefault(KillPoint.IDLE, 0);
        assertTrue(midUpdate > 0, "no kill landed inside an update: " + points);
    }

    private LaneResult runLane(Path laneDir, int kills, long seed) throws Exception {
        Random random = new Random(seed);
        Disk disk = new Disk(StoreFixtures.DISK_ID, laneDir.resolve("disk.pr.json"));
        Path stderr = laneDir.resolve("children.stderr");
        Map<KillPoint, Integer> points = new EnumMap<>(KillPoint.class);
        long state = 0;
        int recoveredByReader = 0;
        int inFlightSurvived = 0;
        int serial = 0;
        Child next = new Child(laneDir, disk, stderr, serial++);
        Child c = null;
        try {
            for (int k = 0; k < kills; k++) {
                c = next;
                next = new Child(laneDir, disk, stderr, serial++);
                c.awaitReady();
                c.go();
                c.awaitFirstAck();
                long delay = random.nextInt(MAX_DELAY_MICROS);
                TimeUnit.MICROSECONDS.sleep(delay);
                c.kill();
                List<Long> acks = c.acks();
                String what = "lane " + laneDir.getFileName() + " (seed " + seed + "), kill " + k + " of child "
                        + c.process.pid()
                        + " after " + delay + " us (acks " + acks + ", state " + state + ")";
                // a child's acknowledgements go up one by one, from beyond the state it found
                assertTrue(acks.get(0) == state + 1 || acks.get(0) == state + 2, what + ": first ack " + acks.get(0)
                        + " after state " + state);
                for (int i = 1; i < acks.size(); i++) {
                    assertEquals(acks.get(i - 1) + 1, acks.get(i), what + ": acks " + acks);
                }
                long lastAck = acks.get(acks.size() - 1);

                KillPoint point = classify(disk);
                points.merge(point, 1, Integer::sum);
                if (point == KillPoint.SIDECAR_TORN) {
                    recoveredByReader++;
                }
                // a fresh store loads it: the last acknowledged table or the one in flight
                SidecarDocument doc = StoreFixtures.store().readDocument(disk)
                        .orElseThrow(() -> new AssertionError(what + ": no sidecar"));
                long r = doc.revision();
                assertTrue(r == lastAck || r == lastAck + 1, what + " (" + point + "): revision " + r
                        + " after the last ack " + lastAck);
                assertEquals(StoreFixtures.tableOf(r), doc.table(), what + ": revision " + r + " holds another table");
                assertEquals(r, Integer.toUnsignedLong(doc.table().generation()), what);
                if (r == lastAck + 1) {
                    inFlightSurvived++;
                }
                // every other time, finish any interrupted update now (else the next writer does)
                if (k % 2 == 1) {
                    ReservationTableAndRevision after = recover(disk);
                    assertTrue(after.revision() == r || (after.revision() == r + 1 && r == lastAck), what
                            + ": recovery moved revision " + r + " to " + after.revision() + ", read by " + doc.writer()
                            + ", then " + after.doc().writer() + "; parent pid " + ProcessHandle.current().pid());
                    assertEquals(StoreFixtures.tableOf(after.revision()), after.doc().table(), what);
                    r = after.revision();
                }
                assertNotEquals(KillPoint.SIDECAR_TORN, classifyQuiet(disk), what + ": still torn after loading");
                state = r;
            }
        } finally {
            next.destroy();
            if (c != null) {
                c.destroy();
            }
        }
        // the lane's sidecar is still good for business (after finishing what the last kill
        // interrupted, which a read does not do when the sidecar itself is intact)
        SidecarDocument last = recover(disk).doc();
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        assertEquals(last.revision() + 1, StoreFixtures.store().readDocument(disk).orElseThrow().revision());
        return new LaneResult(points, kills, last.revision(), recoveredByReader, inFlightSurvived);
    }

    record ReservationTableAndRevision(long revision, SidecarDocument doc) {
    }

    /** A no-op update: the exclusive path, which replays a durable journal entry first. */
    private static ReservationTableAndRevision recover(Disk disk) throws Exception {
        StoreFixtures.store().update(disk, t -> new TableStore.Change<>(t, null));
        SidecarDocument doc = StoreFixtures.store().readDocument(disk).orElseThrow();
        Optional<SidecarJournal.Entry> j = journal(disk);
        assertTrue(j.isEmpty() || j.get().state() != SidecarJournal.State.PENDING,
                "a journal entry is still pending after recovery");
        return new ReservationTableAndRevision(doc.revision(), doc);
    }

    private static Optional<SidecarJournal.Entry> journal(Disk disk) throws IOException {
        Path j = SidecarStore.journalPath(disk.sidecar());
        if (!Files.exists(j)) {
            return Optional.empty();
        }
        try (PosixFile f = PosixFile.open(j, OpenMode.READ_ONLY, 0)) {
            return SidecarJournal.read(f, 16 << 20);
        }
    }

    private static KillPoint classifyQuiet(Disk disk) {
        try {
            return classify(disk);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static KillPoint classify(Disk disk) throws IOException {
        byte[] side = Files.readAllBytes(disk.sidecar());
        OptionalLong sideRev;
        try {
            sideRev = side.length == 0 ? OptionalLong.of(0)
                    : OptionalLong.of(SidecarFormat.decode(side, disk.id()).revision());
        } catch (SidecarFormatException e) {
            sideRev = OptionalLong.empty();
        }
        Optional<SidecarJournal.Entry> j = journal(disk);
        boolean pending = j.isPresent() && j.get().state() == SidecarJournal.State.PENDING;
        if (!pending) {
            if (sideRev.isEmpty()) {
                fail("the sidecar is torn and its journal is not pending: " + j);
            }
            return KillPoint.IDLE;
        }
        if (j.get().payload().isEmpty()) {
            return KillPoint.JOURNAL_TORN;
        }
        if (sideRev.isEmpty()) {
            return KillPoint.SIDECAR_TORN;
        }
        return sideRev.getAsLong() < j.get().revision() ? KillPoint.JOURNAL_DURABLE : KillPoint.SIDECAR_WRITTEN;
    }

    private static StoreFixtures.ChildJvm jvm;

    @org.junit.jupiter.api.BeforeAll
    static void prepareChildJvm() throws Exception {
        jvm = StoreFixtures.ChildJvm.get();
    }

    /** One writer JVM; its acknowledgements are read from its ack file. */
    private static final class Child {
        private final Process process;
        private final Path ackFile;
        private final CountDownLatch ready = new CountDownLatch(1);
        private final List<String> printed = new ArrayList<>();

        Child(Path laneDir, Disk disk, Path stderr, int serial) throws IOException {
            ackFile = laneDir.resolve("child" + serial + ".acks");
            Files.createFile(ackFile);
            process = new ProcessBuilder(jvm.command(CrashWriterMain.class, disk.sidecar().toString(), disk.id(),
                    laneDir.toString(), ackFile.toString()))
                    .redirectError(ProcessBuilder.Redirect.appendTo(stderr.toFile())).start();
            Thread reader = new Thread(this::read, "crash-child-" + process.pid());
            reader.setDaemon(true);
            reader.start();
        }

        private void read() {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.US_ASCII))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.equals("READY")) {
                        ready.countDown();
                    } else {
                        synchronized (printed) {
                            printed.add(line);
                        }
                    }
                }
            } catch (IOException e) {
                synchronized (printed) {
                    printed.add("reading: " + e);
                }
            }
        }

        void awaitReady() throws InterruptedException {
            if (!ready.await(120, TimeUnit.SECONDS)) {
                kill();
                fail("a writer JVM did not start within 120 s; it printed " + printed());
            }
        }

        void go() throws IOException {
            OutputStream in = process.getOutputStream();
            in.write("GO\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }

        void awaitFirstAck() throws Exception {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (Files.size(ackFile) == 0 || acks().isEmpty()) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    kill();
                    fail("a writer acknowledged nothing; it printed " + printed());
                }
                TimeUnit.MICROSECONDS.sleep(200);
            }
        }

        /** SIGKILL, then waits until it is gone. */
        void kill() throws InterruptedException {
            process.destroyForcibly();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "a killed writer did not die");
            if (process.exitValue() != 137) {
                fail("a writer exited by itself with status " + process.exitValue() + " before the kill; it printed "
                        + printed());
            }
        }

        /** Cleanup: SIGKILL and wait, whatever state it is in. */
        void destroy() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }

        /** The acknowledged revisions: complete lines of the ack file (an ERR line fails). */
        List<Long> acks() {
            String text;
            try {
                text = Files.readString(ackFile, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            List<Long> out = new ArrayList<>();
            int end = text.lastIndexOf('\n');
            for (String line : end < 0 ? new String[0] : text.substring(0, end).split("\n")) {
                if (!line.startsWith("ACK ")) {
                    fail("a writer failed: " + line);
                }
                out.add(Long.parseLong(line.substring(4)));
            }
            return out;
        }

        private String printed() {
            synchronized (printed) {
                return printed + ", ack file: " + acksQuietly();
            }
        }

        private String acksQuietly() {
            try {
                return Files.readString(ackFile, StandardCharsets.UTF_8).replace('\n', ' ');
            } catch (IOException e) {
                return e.toString();
            }
        }
    }
}
