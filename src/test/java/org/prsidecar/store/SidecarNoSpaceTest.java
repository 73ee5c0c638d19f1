package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.StoreFixtures.Snapshot;

/**
 * A full file system, for real: a 256 KiB tmpfs, filled up. An update that needs more space
 * fails with NO_SPACE and the old table stays, both where the journal write is the one that
 * fails and where the journal fits (its pages are already allocated) but the sidecar write
 * does not. tmpfs allocates whole 4 KiB pages and fsync is a no-op there, so the sizes
 * below decide which write fails.
 */
class SidecarNoSpaceTest {

    private static final int PAGE = 4096;
    private static Path mount;

    private Path dir;
    private Path filler;

    @BeforeAll
    static void mountATinyTmpfs() throws Exception {
        StoreFixtures.requireRoot("mounting a tmpfs");
        Path mountTool = StoreFixtures.requireTool("mount", "mount");
        mount = Files.createTempDirectory("prsidecar-nospace");
        run(mountTool.toString(), "-t", "tmpfs", "-o", "size=256k,mode=0755", "prsidecar-nospace", mount.toString());
        assertEquals("tmpfs", Files.getFileStore(mount).type(), "the test file system is mounted");
    }

    @AfterAll
    static void unmount() throws Exception {
        if (mount != null) {
            run(StoreFixtures.requireTool("umount", "mount").toString(), mount.toString());
            Files.delete(mount);
        }
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + " failed (needs root and CAP_SYS_ADMIN): " + out);
    }

    @BeforeEach
    void freshDirectory() throws IOException {
        dir = Files.createTempDirectory(mount, "case");
        filler = mount.resolve("filler");
    }

    @AfterEach
    void cleanUp() throws IOException {
        Files.deleteIfExists(filler);
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** Writes a file until the file system is full; returns how many bytes it took. */
    private long fill() throws IOException {
        long written = 0;
        byte[] chunk = new byte[PAGE];
        try (OutputStream out = Files.newOutputStream(filler)) {
            while (true) {
                out.write(chunk);
                written += chunk.length;
            }
        } catch (IOException e) {
            assertTrue(String.valueOf(e.getMessage()).contains("No space left on device"), e.toString());
        }
        assertEquals(0, Files.getFileStore(mount).getUnallocatedSpace(), "the file system is full");
        return written;
    }

    private static final String HOST = "nospace-test";

    private static SidecarStore store() {
        return new SidecarStore(new SidecarStore.Options(Duration.ofSeconds(2), 1 << 20, 16 << 20, 0640, HOST,
                "prsidecar"));
    }

    /**
     * A table whose sidecar at {@code revision} takes about {@code bytes} bytes: at most that
     * many, and no more than 10 fewer (the writer's time prints 0 to 9 fraction digits).
     */
    private static ReservationTable tableOfSize(int bytes, long revision, int generation) {
        for (int regs = 1; regs < 100; regs++) {
            ReservationTable t = padded(regs, 0, generation);
            int size = size(t, revision);
            if (size > bytes) {
                ReservationTable fewer = padded(regs - 1, 0, generation);
                int missing = bytes - size(fewer, revision);
                // a client string pads the last registration; its own field costs some bytes
                for (int pad = Math.max(0, missing - 40); pad <= missing; pad++) {
                    ReservationTable p = padded(regs - 1, pad, generation);
                    if (size(p, revision) == bytes) {
                        return p;
                    }
                }
            }
        }
        throw new AssertionError("cannot make a table of " + bytes + " bytes");
    }

    private static ReservationTable padded(int regs, int pad, int generation) {
        List<Registration> list = new ArrayList<>();
        for (int i = 0; i < Math.max(regs, 1); i++) {
            boolean last = i == Math.max(regs, 1) - 1;
            list.add(new Registration(Nexus.iscsi("iqn.2026-11.org.prsidecar.nospace:vm" + i), 0x100 + i, false,
                    last && pad > 0 ? Optional.of("x".repeat(pad)) : Optional.empty()));
        }
        return ReservationTable.of(generation, false, list, Optional.empty(), Map.of());
    }

    private static int size(ReservationTable t, long revision) {
        Instant longest = Instant.parse("2026-11-25T08:00:00.123456789Z");
        return SidecarFormat.encode(new SidecarDocument(StoreFixtures.DISK_ID, revision,
                new SidecarDocument.Writer(HOST, ProcessHandle.current().pid(), longest, "prsidecar"), t)).length;
    }

    private static String journalHeader(Path sidecar) throws IOException {
        byte[] j = Files.readAllBytes(SidecarStore.journalPath(sidecar));
        return new String(j, 0, Math.min(j.length, SidecarJournal.HEADER_LENGTH - 1), StandardCharsets.US_ASCII);
    }

    @Test
    void whenTheJournalCannotGrowTheUpdateFailsWithNoSpaceAndTheSidecarIsUntouched() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = store();
        ReservationTable small = tableOfSize(600, 1, 1);
        s.update(disk, t -> new TableStore.Change<>(small, null));
        assertTrue(Files.size(SidecarStore.journalPath(disk.sidecar())) <= PAGE, "premise: the journal holds one page");
        Snapshot before = Snapshot.of(disk.sidecar());

        long filled = fill();
        ReservationTable big = tableOfSize(6000, 2, 2);
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk, t -> new TableStore.Change<>(big,
                null)));
        assertEquals(StoreException.Kind.NO_SPACE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(disk.sidecar().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("free space on the storage; the table was not changed"), e.getMessage());
        assertTrue(e.getMessage().contains("ENOSPC"), e.getMessage());

        before.assertUnchanged(disk.sidecar());
        assertTrue(journalHeader(disk.sidecar()).startsWith("prsidecar-journal v1 ABORTED rev=0000000000000000002"),
                "the journal write was the one that failed: " + journalHeader(disk.sidecar()));
        try (org.prsidecar.posix.PosixFile j = org.prsidecar.posix.PosixFile.open(
                SidecarStore.journalPath(disk.sidecar()), org.prsidecar.posix.OpenMode.READ_ONLY, 0)) {
            assertTrue(SidecarJournal.read(j, 16 << 20).orElseThrow().payload().isEmpty(),
                    "the journal entry is incomplete");
        }
        assertEquals(small, store().read(disk));
        assertEquals(small, s.read(disk));

        // space again: the same update succeeds, as revision 2
        Files.delete(filler);
        s.update(disk, t -> new TableStore.Change<>(big, null));
        SidecarDocument doc = store().readDocument(disk).orElseThrow();
        assertEquals(2, doc.revision());
        assertEquals(big, doc.table());
        System.out.println("ENOSPC in the journal write: filled " + filled + " bytes; update of "
                + Files.size(disk.sidecar()) + " bytes refused, then applied");
    }

    @Test
    void whenTheJournalFitsButTheSidecarCannotGrowTheUpdateFailsWithNoSpaceAndTheOldTableStays() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = store();
        // a big table, then a small one: the sidecar shrinks to one page, and the journal (which
        // keeps the new and the previous table) keeps two pages
        ReservationTable first = tableOfSize(6000, 1, 1);
        s.update(disk, t -> new TableStore.Change<>(first, null));
        ReservationTable old = tableOfSize(1000, 2, 2);
        s.update(disk, t -> new TableStore.Change<>(old, null));
        long sidecarBytes = Files.size(disk.sidecar());
        long journalBytes = Files.size(SidecarStore.journalPath(disk.sidecar()));
        assertTrue(sidecarBytes <= PAGE && journalBytes > PAGE && journalBytes <= 2 * PAGE, "premise: sidecar "
                + sidecarBytes + " bytes in one page, journal " + journalBytes + " bytes in two");
        byte[] oldBytes = Files.readAllBytes(disk.sidecar());

        fill();
        // the new sidecar needs a second page; its journal entry (new and previous) still fits the journal's two
        ReservationTable next = tableOfSize(5000, 3, 3);
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk, t -> new TableStore.Change<>(next,
                null)));
        assertEquals(StoreException.Kind.NO_SPACE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains(disk.sidecar().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("free space on the storage; the table was not changed"), e.getMessage());

        String header = journalHeader(disk.sidecar());
        assertTrue(header.startsWith("prsidecar-journal v1 ABORTED rev=0000000000000000003 len="), header);
        SidecarJournal.Entry entry;
        try (org.prsidecar.posix.PosixFile j = org.prsidecar.posix.PosixFile.open(
                SidecarStore.journalPath(disk.sidecar()), org.prsidecar.posix.OpenMode.READ_ONLY, 0)) {
            entry = SidecarJournal.read(j, 16 << 20).orElseThrow();
        }
        assertTrue(entry.payload().isPresent() && entry.payload().get().length > PAGE,
                "the journal holds the whole new entry (length and CRC), so it was the sidecar write that failed: "
                        + header);
        assertArrayEquals(oldBytes, Files.readAllBytes(disk.sidecar()), "the old bytes were put back");
        assertEquals(old, store().read(disk));
        assertEquals(old, s.read(disk));

        Files.delete(filler);
        s.update(disk, t -> new TableStore.Change<>(next, null));
        SidecarDocument doc = store().readDocument(disk).orElseThrow();
        assertEquals(3, doc.revision());
        assertEquals(next, doc.table());
    }

    /**
     * DESIGN.md: "if that fails, the command fails and the old table stays". Here the sidecar
     * write reports an error after the new, shorter table reached the sidecar (modelled with
     * the fault seam: EIO right after the sidecar's fsync, as an NFS server can answer), and
     * putting the old, longer table back then fails too (the file system filled up meanwhile).
     * The journal entry, marked ABORTED in place (no allocation), keeps the old table: the next
     * access puts it back, so the failed command never takes effect.
     */
    @Test
    void aCommandThatFailedNeverTakesEffectLaterEvenWhenItsRollbackFails() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        SidecarStore s = store();
        ReservationTable old = tableOfSize(6000, 1, 1);
        s.update(disk, t -> new TableStore.Change<>(old, null));
        ReservationTable next = tableOfSize(2000, 2, 2);
        s.injectFaults(step -> {
            if (step == SidecarStore.Step.SIDECAR_SYNCED) {
                fill();
                throw new org.prsidecar.posix.PosixException(org.prsidecar.posix.Errno.EIO, "fsync", disk.sidecar());
            }
        });
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk, t -> new TableStore.Change<>(next,
                null)));
        assertEquals(StoreException.Kind.IO_ERROR, e.kind(), e.getMessage());
        Files.delete(filler);

        assertEquals(old, store().read(disk), "the command failed, so the old table must stay; journal: "
                + journalHeader(disk.sidecar()));
    }
}
