package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockTimeoutException;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.SidecarRepair.Action;
import org.prsidecar.store.SidecarRepair.Flags;

/**
 * SidecarRepair: every repair keeps backups of what it changes, writes in place (same inode),
 * leaves a sidecar the store loads, and does nothing that was not asked for.
 */
class RepairSidecarTest {

    private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

    @TempDir
    Path dir;

    Disk disk() {
        return new Disk("file:" + dir.resolve("disk.img"), dir.resolve("disk.img.prsidecar.json"));
    }

    Path sidecar() {
        return disk().sidecar();
    }

    Path journal() {
        return SidecarStore.journalPath(sidecar());
    }

    static SidecarStore store() {
        return new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(Duration.ofMillis(300)));
    }

    static SidecarRepair repair() {
        return new SidecarRepair(new SidecarRepair.Options(Duration.ofMillis(300), 16 << 20, 0640, "repair-host",
                "prsidecar test repair", Clock.fixed(NOW, ZoneOffset.UTC)));
    }

    static ReservationTable one() {
        return ReservationTable.empty().toBuilder().register(new Registration(CheckSidecarTest.A, 0xA)).generation(1)
                .build();
    }

    void write(ReservationTable t) throws Exception {
        store().update(disk(), old -> new TableStore.Change<>(t, null));
    }

    byte[] pending(long revision, ReservationTable table) throws Exception {
        byte[] bytes = SidecarFormat.encode(new SidecarDocument(disk().id(), revision,
                new SidecarDocument.Writer("h", 1, Instant.EPOCH, "test"), table));
        try (PosixFile j = PosixFile.open(journal(), OpenMode.READ_WRITE_CREATE, 0600)) {
            SidecarJournal.writePending(j, revision, bytes,
                    java.nio.file.Files.exists(sidecar()) ? java.nio.file.Files.readAllBytes(sidecar()) : new byte[0]);
        }
        return bytes;
    }

    Path backupOf(Path file) {
        return file.resolveSibling(file.getFileName() + ".bak-20261125T100000Z");
    }

    List<Path> backups() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".bak-")).sorted().toList();
        }
    }

    Object inode() throws IOException {
        return Files.getAttribute(sidecar(), "unix:ino");
    }

    String journalState() throws IOException {
        return Files.readString(journal(), StandardCharsets.ISO_8859_1).substring(21, 28);
    }

    @Test
    void aValidSidecarNeedsNothingAndNothingIsWritten() throws Exception {
        write(one());
        byte[] before = Files.readAllBytes(sidecar());
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.NOTHING, r.plan().action());
        assertFalse(r.written());
        assertEquals(List.of(), backups());
        assertArrayEquals(before, Files.readAllBytes(sidecar()));
    }

    @Test
    void anInterruptedUpdateIsFinishedWithBothFilesBackedUp() throws Exception {
        write(one());
        byte[] old = Files.readAllBytes(sidecar());
        Object inode = inode();
        byte[] next = pending(2, CheckSidecarTest.busy());
        byte[] journalBefore = Files.readAllBytes(journal());
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.FINISH_FROM_JOURNAL, r.plan().action());
        assertEquals(List.of(backupOf(sidecar()), backupOf(journal())), r.backups());
        assertArrayEquals(old, Files.readAllBytes(backupOf(sidecar())));
        assertArrayEquals(journalBefore, Files.readAllBytes(backupOf(journal())));
        assertArrayEquals(next, Files.readAllBytes(sidecar()));
        assertEquals("APPLIED", journalState());
        assertEquals(inode, inode(), "the sidecar is written in place, never replaced");
        SidecarDocument loaded = store().readDocument(disk()).orElseThrow();
        assertEquals(2, loaded.revision());
        assertEquals(CheckSidecarTest.busy(), loaded.table());
    }

    @Test
    void aTornSidecarIsRebuiltFromItsPendingJournal() throws Exception {
        write(one());
        byte[] next = pending(2, CheckSidecarTest.busy());
        Files.write(sidecar(), Arrays.copyOf(next, 50));
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.FINISH_FROM_JOURNAL, r.plan().action());
        assertArrayEquals(Arrays.copyOf(next, 50), Files.readAllBytes(backupOf(sidecar())));
        assertEquals(CheckSidecarTest.busy(), store().read(disk()));
    }

    @Test
    void anEmptySidecarIsRebuiltFromTheJournalsCopyOfTheLastWrite() throws Exception {
        write(one());
        byte[] good = Files.readAllBytes(sidecar());
        Files.write(sidecar(), new byte[0]);
        assertThrows(StoreException.class, () -> store().read(disk()), "the store refuses it first");
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.RESTORE_FROM_JOURNAL, r.plan().action());
        assertArrayEquals(good, Files.readAllBytes(sidecar()));
        assertEquals(one(), store().read(disk()));
    }

    @Test
    void aMissingSidecarIsRecreatedFromItsJournal() throws Exception {
        write(one());
        byte[] good = Files.readAllBytes(sidecar());
        Files.delete(sidecar());
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.RESTORE_FROM_JOURNAL, r.plan().action());
        assertEquals(List.of(backupOf(journal())), r.backups(), "nothing to back up of a missing sidecar");
        assertArrayEquals(good, Files.readAllBytes(sidecar()));
        assertEquals(one(), store().read(disk()));
    }

    @Test
    void anEditIsNeverSealedWithoutAcceptEdits() throws Exception {
        write(one());
        String edited = Files.readString(sidecar()).replace("\"aptpl\" : false", "\"aptpl\" : true");
        Files.writeString(sidecar(), edited);
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.REFUSE, r.plan().action());
        assertFalse(r.written());
        assertTrue(r.plan().description().contains("--accept-edits"), r.plan().description());
        assertTrue(r.plan().table().orElseThrow().table().aptpl(), "the refusal shows the table the edit holds");
        assertEquals(edited, Files.readString(sidecar()));
        assertEquals(List.of(), backups());
    }

    @Test
    void acceptEditsSealsTheEditAsANewRevisionJournalFirst() throws Exception {
        write(one());
        Object inode = inode();
        String edited = Files.readString(sidecar()).replace("\"aptpl\" : false", "\"aptpl\" : true");
        Files.writeString(sidecar(), edited);
        SidecarRepair.Result r = repair().run(disk(), new Flags(true, false, false));
        assertEquals(Action.RESEAL, r.plan().action());
        assertEquals(edited, Files.readString(backupOf(sidecar())));
        SidecarDocument loaded = store().readDocument(disk()).orElseThrow();
        assertTrue(loaded.table().aptpl());
        assertEquals(one().toBuilder().aptpl(true).build(), loaded.table());
        assertEquals(2, loaded.revision(), "a sealed edit is a new revision");
        assertEquals("repair-host", loaded.writer().host());
        assertEquals("APPLIED", journalState());
        byte[] written = Files.readAllBytes(sidecar());
        assertArrayEquals(written, Arrays.copyOfRange(Files.readAllBytes(journal()), SidecarJournal.HEADER_LENGTH,
                SidecarJournal.HEADER_LENGTH + written.length), "the journal holds what was written");
        assertEquals(inode, inode());
    }

    @Test
    void fromJournalUndoesAnEdit() throws Exception {
        write(one());
        byte[] good = Files.readAllBytes(sidecar());
        Files.writeString(sidecar(), new String(good, StandardCharsets.UTF_8).replace("\"generation\" : 1",
                "\"generation\" : 9"));
        SidecarRepair.Result r = repair().run(disk(), new Flags(false, true, false));
        assertEquals(Action.RESTORE_FROM_JOURNAL, r.plan().action());
        assertArrayEquals(good, Files.readAllBytes(sidecar()));
    }

    @Test
    void resetWritesAnEmptyTableAboveEveryRevisionSeen() throws Exception {
        write(one());
        write(CheckSidecarTest.busy());
        Files.writeString(sidecar(), "garbage");
        SidecarRepair.Result r = repair().run(disk(), new Flags(false, false, true));
        assertEquals(Action.RESET, r.plan().action());
        assertEquals("garbage", Files.readString(backupOf(sidecar())));
        assertTrue(Files.exists(backupOf(journal())));
        SidecarDocument loaded = store().readDocument(disk()).orElseThrow();
        assertEquals(ReservationTable.empty(), loaded.table());
        assertEquals(3, loaded.revision(), "above revision 2 that the journal recorded");
    }

    @Test
    void resetRecreatesAMissingSidecarWhoseJournalIsUseless() throws Exception {
        write(one());
        Files.delete(sidecar());
        Files.writeString(journal(), "");
        assertEquals(Action.REFUSE, repair().plan(disk(), Flags.NONE).action(), "the table is lost: only --reset");
        SidecarRepair.Result r = repair().run(disk(), new Flags(false, false, true));
        assertEquals(Action.RESET, r.plan().action());
        assertEquals(ReservationTable.empty(), store().read(disk()));
        store().update(disk(), t -> new TableStore.Change<>(one(), null)); // and the daemon can write again
    }

    @Test
    void anIncompleteJournalEntryIsDiscardedAndTheSidecarKept() throws Exception {
        write(one());
        byte[] good = Files.readAllBytes(sidecar());
        byte[] j = Files.readAllBytes(journal());
        byte[] torn = Arrays.copyOf(j, j.length - 10);
        System.arraycopy("PENDING".getBytes(StandardCharsets.US_ASCII), 0, torn, 21, 7);
        Files.write(journal(), torn);
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.DISCARD_JOURNAL_ENTRY, r.plan().action());
        assertEquals("ABORTED", journalState());
        assertArrayEquals(torn, Files.readAllBytes(backupOf(journal())));
        assertArrayEquals(good, Files.readAllBytes(sidecar()));
    }

    @Test
    void aJournalWithoutHeaderIsEmptied() throws Exception {
        write(one());
        Files.writeString(journal(), "prsidecar-jour");
        SidecarRepair.Result r = repair().run(disk(), Flags.NONE);
        assertEquals(Action.CLEAR_JOURNAL, r.plan().action());
        assertEquals(0, Files.size(journal()));
        assertEquals("prsidecar-jour", Files.readString(backupOf(journal())));
    }

    @Test
    void anotherDisksSidecarAndAnUnknownVersionAreRefusedWithoutReset() throws Exception {
        store().update(new Disk("naa.6001405000000000000000000000ffff", sidecar()),
                t -> new TableStore.Change<>(one(), null));
        assertEquals(Action.REFUSE, repair().run(disk(), Flags.NONE).plan().action());
        Files.writeString(sidecar(), Files.readString(sidecar()).replace("\"version\" : 1", "\"version\" : 3"));
        SidecarRepair.Plan p = repair().plan(disk(), Flags.NONE);
        assertEquals(Action.REFUSE, p.action());
        assertTrue(p.description().contains("Upgrade prsidecar"), p.description());
        assertEquals(List.of(), backups());
    }

    @Test
    void aBrokenSidecarWithoutUsableJournalIsRefused() throws Exception {
        Files.writeString(sidecar(), "{\"format\": \"prsidecar-table\"");
        SidecarRepair.Plan p = repair().run(disk(), Flags.NONE).plan();
        assertEquals(Action.REFUSE, p.action());
        assertTrue(p.description().contains("--reset --yes"), p.description());
        assertEquals("{\"format\": \"prsidecar-table\"", Files.readString(sidecar()));
    }

    @Test
    void aRepairWaitsForTheExclusiveLockAndGivesUpUntouched() throws Exception {
        write(one());
        byte[] next = pending(2, CheckSidecarTest.busy());
        byte[] before = Files.readAllBytes(sidecar());
        try (LockedFile held = FileLocks.system().open(sidecar(), OpenMode.READ_ONLY, 0, LockKind.SHARED,
                Duration.ofSeconds(1))) {
            assertThrows(LockTimeoutException.class, () -> repair().run(disk(), Flags.NONE));
        }
        assertArrayEquals(before, Files.readAllBytes(sidecar()));
        assertEquals(List.of(), backups());
        repair().run(disk(), Flags.NONE);
        assertArrayEquals(next, Files.readAllBytes(sidecar()));
    }

    @Test
    void backupsNeverOverwriteEarlierBackups() throws Exception {
        write(one());
        repair().run(disk(), new Flags(false, false, true));
        write(one());
        repair().run(disk(), new Flags(false, false, true));
        Path second = sidecar().resolveSibling(sidecar().getFileName() + ".bak-20261125T100000Z-2");
        assertTrue(Files.exists(backupOf(sidecar())));
        assertTrue(Files.exists(second), backups().toString());
        assertEquals(one(), store().readDocument(new Disk(disk().id(), second)).map(SidecarDocument::table)
                .orElseThrow(), "a backup is itself a loadable sidecar");
    }
}
