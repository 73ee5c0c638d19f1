package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ScsiStatus;

/**
 * Several processes on one sidecar (DESIGN.md: "one consistent table across hosts"): four
 * child JVMs, each one initiator, send at least 500 table-changing PR OUT commands each
 * (REGISTER, REGISTER AND IGNORE EXISTING KEY with new keys, RESERVE, RELEASE, PREEMPT and
 * PREEMPT AND ABORT of each other's keys, CLEAR, unit attentions) through
 * {@link SidecarStore#update} and the engine, with a lock deadline short enough to get
 * BUSY answers (retried, not counted). Afterwards, from their logs: no lost update,
 * revisions gap-free and each written by exactly one command, every command's answer and
 * every read consistent with one serial history, and the final table equal to a serial
 * replay of the acknowledged commands in revision order.
 */
class SidecarContentionTest {

    private static final int PROCESSES = 4;
    private static final int MIN_CHANGES = Integer.getInteger("prsidecar.contention.changes", 500);

    @TempDir
    Path dir;

    /** One acknowledged command, as a child logged it. */
    record Command(int process, long seq, long revisionBefore, long revisionWritten, ScsiStatus status,
            long generationBefore, long generationAfter, Request request) {
        boolean wrote() {
            return revisionWritten >= 0;
        }
    }

    record Read(int process, long seq, long revision, String digest) {
    }

    @Test
    void fourProcessesContendingOnOneSidecarLoseNothingAndAgreeWithASerialReplay() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        StoreFixtures.ChildJvm jvm = StoreFixtures.ChildJvm.get();
        long t0 = System.nanoTime();
        List<Process> children = new ArrayList<>();
        List<Path> logs = new ArrayList<>();
        for (int i = 0; i < PROCESSES; i++) {
            Path log = dir.resolve("p" + i + ".log");
            logs.add(log);
            children.add(new ProcessBuilder(jvm.command(ContentionWriterMain.class, disk.sidecar().toString(),
                    disk.id(), String.valueOf(i), String.valueOf(MIN_CHANGES), log.toString(),
                    String.valueOf(System.nanoTime() + i))).redirectError(dir.resolve("p" + i + ".stderr").toFile())
                    .start());
        }
        for (Process p : children) {
            byte[] ready = p.getInputStream().readNBytes(6);
            assertEquals("READY\n", new String(ready, StandardCharsets.US_ASCII), "a child did not start: "
                    + stderrOf(children.indexOf(p)));
        }
        long t1 = System.nanoTime();
        for (Process p : children) {
            OutputStream in = p.getOutputStream();
            in.write("GO\n".getBytes(StandardCharsets.US_ASCII));
            in.flush();
        }
        for (int i = 0; i < PROCESSES; i++) {
            Process p = children.get(i);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                children.forEach(Process::destroyForcibly);
                fail("child " + i + " did not finish within 120 s");
            }
            assertEquals(0, p.exitValue(), "child " + i + " failed: " + stderrOf(i));
        }
        long t2 = System.nanoTime();

        List<Command> commands = new ArrayList<>();
        List<Read> reads = new ArrayList<>();
        int busy = 0;
        for (Path log : logs) {
            List<String> lines = Files.readAllLines(log);
            assertTrue(lines.get(lines.size() - 1).startsWith("END "), log + " is incomplete");
            for (String line : lines) {
                String[] f = line.split(" ");
                switch (f[0]) {
                    case "C" -> commands.add(new Command(Integer.parseInt(f[1]), Long.parseLong(f[2]),
                            Long.parseLong(f[3]), Long.parseLong(f[4]), ScsiStatus.valueOf(f[5]),
                            Long.parseLong(f[6]), Long.parseLong(f[7]),
                            Request.of(ContentionWriterMain.initiator(Integer.parseInt(f[1])),
                                    HexFormat.of().parseHex(f[8]), f.length > 9 ? HexFormat.of().parseHex(f[9])
                                            : new byte[0])));
                    case "R" -> reads.add(new Read(Integer.parseInt(f[1]), Long.parseLong(f[2]), Long.parseLong(f[3]),
                            f[4]));
                    case "B" -> busy++;
                    case "END" -> assertTrue(Integer.parseInt(f[1]) >= MIN_CHANGES, line);
                    default -> fail("unexpected log line: " + line);
                }
            }
        }
        SidecarDocument last = StoreFixtures.store().readDocument(disk).orElseThrow();

        // revisions: 1..R, gap-free, each written by exactly one acknowledged command
        TreeMap<Long, Command> byRevision = new TreeMap<>();
        for (Command c : commands) {
            if (c.wrote()) {
                Command twice = byRevision.put(c.revisionWritten(), c);
                if (twice != null) {
                    fail("revision " + c.revisionWritten() + " acknowledged twice: " + twice + " and " + c);
                }
                assertEquals(c.revisionBefore() + 1, c.revisionWritten(), c.toString());
            }
        }
        assertEquals(last.revision(), byRevision.size(), "revisions written vs the sidecar's revision");
        assertEquals(1L, byRevision.firstKey());
        assertEquals(last.revision(), (long) byRevision.lastKey(), "no gap");

        // no lost update: the generation counts the acknowledged generation-changing commands
        long generationChanges = commands.stream().filter(c -> c.generationAfter() != c.generationBefore()).count();
        assertEquals(generationChanges, Integer.toUnsignedLong(last.table().generation()),
                "final PRgeneration vs acknowledged generation-changing commands");

        // serial replay from an empty table, in revision order, through the engine
        PersistentReservations engine = new PersistentReservations();
        List<ReservationTable> states = new ArrayList<>();
        ReservationTable t = ReservationTable.empty();
        states.add(t);
        for (Command c : byRevision.values()) {
            Outcome o = engine.execute(t, c.request());
            assertNotSame(t, o.table(), "replay of revision " + c.revisionWritten() + " changed nothing: " + c);
            assertEquals(c.status(), o.status(), "status of revision " + c.revisionWritten());
            assertEquals(c.generationBefore(), Integer.toUnsignedLong(t.generation()), c.toString());
            assertEquals(c.generationAfter(), Integer.toUnsignedLong(o.table().generation()), c.toString());
            t = o.table();
            states.add(t);
        }
        assertEquals(t, last.table(), "the final table is the serial replay of all acknowledged commands");

        // commands that changed nothing answered what the table of the revision they saw answers
        int unchanged = 0;
        for (Command c : commands) {
            if (!c.wrote()) {
                ReservationTable at = states.get((int) c.revisionBefore());
                Outcome o = engine.execute(at, c.request());
                assertSame(at, o.table(), "a command logged as changing nothing changes revision "
                        + c.revisionBefore() + ": " + c);
                assertEquals(c.status(), o.status(), c.toString());
                unchanged++;
            }
        }
        // reads through the shared lock saw exactly the table of the revision they report
        for (Read r : reads) {
            assertEquals(ContentionWriterMain.digest(states.get((int) r.revision())), r.digest(), r.toString());
        }
        // each process's own commands saw revisions that never went back
        Map<Integer, Long> seen = new HashMap<>();
        for (Command c : commands) {
            Long before = seen.put(c.process(), c.revisionBefore());
            assertTrue(before == null || c.revisionBefore() >= before, "process " + c.process() + " went back");
        }

        Map<ScsiStatus, Long> statuses = new TreeMap<>();
        commands.forEach(c -> statuses.merge(c.status(), 1L, Long::sum));
        Map<String, Long> actions = new TreeMap<>();
        commands.forEach(c -> actions.merge(org.prsidecar.scsi.PrOutServiceAction
                .fromCode(c.request().cdb()[1] & 0x1F).map(Enum::name).orElse("?") + "/" + c.status()
                + (c.wrote() ? "" : "/unchanged"), 1L, Long::sum));
        // the lock is polled, not queued: the process that just released it often takes it again
        int streak = 0;
        int longest = 0;
        int lastProcess = -1;
        for (Command c : byRevision.values()) {
            streak = c.process() == lastProcess ? streak + 1 : 1;
            lastProcess = c.process();
            longest = Math.max(longest, streak);
        }
        System.out.printf("contention: longest run of consecutive revisions by one process: %d%n", longest);
        System.out.printf("contention: %d processes, %d revisions (%d generation changes), %d commands that changed"
                + " nothing, %d reads, %d BUSY retried; statuses %s; commands by action/status %s; start %.1f s,"
                + " run %.1f s (%.0f updates/s)%n", PROCESSES, byRevision.size(), generationChanges, unchanged,
                reads.size(), busy, statuses, actions, (t1 - t0) / 1e9, (t2 - t1) / 1e9,
                commands.size() / ((t2 - t1) / 1e9));
        for (int i = 0; i < PROCESSES; i++) {
            int p = i;
            assertTrue(byRevision.values().stream().filter(c -> c.process() == p).count() >= MIN_CHANGES,
                    "process " + i + " changed the table fewer than " + MIN_CHANGES + " times");
        }
        assertTrue(generationChanges > 0 && statuses.containsKey(ScsiStatus.RESERVATION_CONFLICT),
                "the workload reached generation changes and conflicts: " + statuses);
        long preempted = actions.entrySet().stream().filter(e -> e.getKey().startsWith("PREEMPT")
                && e.getKey().endsWith("/GOOD")).mapToLong(Map.Entry::getValue).sum();
        assertTrue(preempted > 0, "no PREEMPT of another process's key succeeded: " + actions);
        Optional<Nexus> holder = last.table().reservation().flatMap(r -> r.holder());
        holder.ifPresent(h -> assertTrue(last.table().isRegistered(h)));
    }

    private String stderrOf(int i) {
        try {
            return Files.readString(dir.resolve("p" + i + ".stderr"));
        } catch (IOException e) {
            return e.toString();
        }
    }
}
