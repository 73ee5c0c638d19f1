package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;

/**
 * An update that failed and whose rollback failed too leaves its table in the sidecar and an
 * ABORTED journal entry that keeps the table from before it. Nobody may be served the failed
 * update: the store puts the old table back on the next access, check says so, repair does it.
 */
class UndoFailedUpdateTest {

    private static final Nexus A = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:a");
    private static final Nexus B = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:b");

    @TempDir
    Path dir;

    private Disk disk;
    private ReservationTable before;
    private ReservationTable failed;
    private byte[] beforeBytes;

    private SidecarDocument doc(long revision, ReservationTable t) {
        return new SidecarDocument(disk.id(), revision, new SidecarDocument.Writer("h", 1, Instant.EPOCH, "test"), t);
    }

    /** Revision 1 committed; revision 2 in the sidecar, its journal entry ABORTED. */
    @BeforeEach
    void failedUpdateThatWasNotRolledBack() throws Exception {
        disk = new Disk("naa.60014050000000000000000000000abc", dir.resolve("disk.pr.json"));
        before = ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).incrementGeneration().build();
        failed = before.toBuilder().register(new Registration(B, 0xB)).incrementGeneration().build();
        beforeBytes = SidecarFormat.encode(doc(1, before));
        byte[] failedBytes = SidecarFormat.encode(doc(2, failed));
        Files.write(disk.sidecar(), failedBytes);
        try (PosixFile j = PosixFile.open(SidecarStore.journalPath(disk.sidecar()), OpenMode.READ_WRITE_CREATE, 0600)) {
            SidecarJournal.writePending(j, 2, failedBytes, beforeBytes);
            SidecarJournal.mark(j, SidecarJournal.State.ABORTED, true);
        }
    }

    private static SidecarStore store() {
        return new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(Duration.ofMillis(500)));
    }

    @Test
    void aReadIsServedTheTableFromBeforeAndPutsItBack() throws Exception {
        assertEquals(before, store().read(disk));
        assertArrayEquals(beforeBytes, Files.readAllBytes(disk.sidecar()), "the old bytes are back on disk");
        assertEquals(before, store().read(disk), "and stay");
    }

    @Test
    void anUpdateStartsFromTheTableFromBefore() throws Exception {
        TableStore.Change<ReservationTable> c = store().update(disk, t -> new TableStore.Change<>(t, t));
        assertEquals(before, c.result());
        assertEquals(1, store().readDocument(disk).orElseThrow().revision());
    }

    @Test
    void checkSaysWhatTheDaemonWillDo() {
        SidecarCheck.Report r = SidecarCheck.inspect(disk.sidecar(), Optional.of(disk.id()), Duration.ofMillis(500),
                16 << 20);
        assertTrue(r.undoesFailedUpdate());
        assertEquals(SidecarCheck.Served.PREVIOUS, r.served());
        assertEquals(Optional.of(before), r.current().map(SidecarDocument::table));
        assertTrue(r.findings().stream().anyMatch(f -> f.message().startsWith("failed update: revision 2")),
                r.findings().toString());
    }

    @Test
    void repairPutsTheOldTableBack() throws Exception {
        SidecarRepair repair = new SidecarRepair(new SidecarRepair.Options(Duration.ofMillis(500), 16 << 20, 0640,
                "repair-host", "prsidecar test repair", java.time.Clock.systemUTC()));
        SidecarRepair.Result r = repair.run(disk, SidecarRepair.Flags.NONE);
        assertEquals(SidecarRepair.Action.UNDO_FAILED_UPDATE, r.plan().action());
        assertArrayEquals(beforeBytes, Files.readAllBytes(disk.sidecar()));
        assertEquals(before, store().read(disk));
    }
}
