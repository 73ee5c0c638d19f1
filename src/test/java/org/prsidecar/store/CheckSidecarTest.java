package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.SidecarCheck.JournalState;
import org.prsidecar.store.SidecarCheck.Report;
import org.prsidecar.store.SidecarCheck.Served;
import org.prsidecar.store.SidecarCheck.Severity;
import org.prsidecar.store.SidecarCheck.SidecarState;

/** SidecarCheck classifies every kind of broken sidecar and journal, never writes, and agrees with the store. */
class CheckSidecarTest {

    static final Nexus A = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:a");
    static final Nexus B = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:b");

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

    /** A, B registered; A holds Write Exclusive, registrants only; B has a unit attention waiting. */
    static ReservationTable busy() {
        return ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).register(new Registration(B, 0xB))
                .generation(2).reservation(Optional.of(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, A)))
                .queueUnitAttention(B, SenseData.RESERVATIONS_RELEASED).build();
    }

    void write(ReservationTable t) throws Exception {
        store().update(disk(), old -> new TableStore.Change<>(t, null));
    }

    Report inspect() {
        return SidecarCheck.inspect(sidecar(), Optional.of(disk().id()), Duration.ofMillis(300), 1 << 20);
    }

    /** A complete pending journal entry for {@code revision} of {@code table}, as a writer that died leaves it. */
    byte[] pending(long revision, ReservationTable table) throws Exception {
        byte[] bytes = SidecarFormat.encode(new SidecarDocument(disk().id(), revision,
                new SidecarDocument.Writer("h", 1, Instant.EPOCH, "test"), table));
        try (PosixFile j = PosixFile.open(journal(), OpenMode.READ_WRITE_CREATE, 0600)) {
            SidecarJournal.writePending(j, revision, bytes,
                    java.nio.file.Files.exists(sidecar()) ? java.nio.file.Files.readAllBytes(sidecar()) : new byte[0]);
        }
        return bytes;
    }

    void replaceInSidecar(String from, String to) throws Exception {
        String s = Files.readString(sidecar());
        assertTrue(s.contains(from), s);
        Files.writeString(sidecar(), s.replace(from, to));
    }

    static boolean hasProblemMentioning(Report r, Path file, String text) {
        return r.findings().stream().anyMatch(f -> f.severity().isProblem() && f.file().equals(file)
                && f.message().contains(text));
    }

    @Test
    void aMissingSidecarIsAFreshTableAndNothingIsCreated() {
        Report r = inspect();
        assertEquals(SidecarState.MISSING, r.sidecarState());
        assertEquals(Served.FRESH, r.served());
        assertFalse(r.hasProblems());
        assertFalse(Files.exists(sidecar()));
        assertFalse(Files.exists(journal()));
    }

    @Test
    void aValidSidecarIsServedAsItIs() throws Exception {
        write(busy());
        Report r = inspect();
        assertEquals(SidecarState.VALID, r.sidecarState());
        assertEquals(JournalState.APPLIED, r.journalState());
        assertEquals(Served.SIDECAR, r.served());
        assertEquals(busy(), r.current().orElseThrow().table());
        assertFalse(r.hasProblems(), r.findings().toString());
    }

    @Test
    void aTruncatedSidecarIsCutShortAndLeftAlone() throws Exception {
        write(busy());
        byte[] good = Files.readAllBytes(sidecar());
        byte[] cut = Arrays.copyOf(good, good.length / 2);
        Files.write(sidecar(), cut);
        Report r = inspect();
        assertEquals(SidecarState.INVALID, r.sidecarState());
        assertEquals(Served.NONE, r.served());
        assertTrue(hasProblemMentioning(r, sidecar(), "cut short"), r.findings().toString());
        assertTrue(hasProblemMentioning(r, sidecar(), "'prsidecar repair " + sidecar() + "' puts it back"),
                "the APPLIED journal holds the last write: " + r.findings());
        assertArrayEquals(cut, Files.readAllBytes(sidecar()));
    }

    @Test
    void garbageIsNotJson() throws Exception {
        Files.write(sidecar(), new byte[] {0x7f, 'E', 'L', 'F', 0, 1, 2});
        Report r = inspect();
        assertEquals(SidecarState.INVALID, r.sidecarState());
        assertTrue(hasProblemMentioning(r, sidecar(), "not JSON at all"), r.findings().toString());
        assertTrue(hasProblemMentioning(r, sidecar(), "--reset --yes"), r.findings().toString());
    }

    @Test
    void aHandEditIsEditedAndItsTableIsKnown() throws Exception {
        write(busy());
        replaceInSidecar("\"generation\" : 2", "\"generation\" : 7");
        Report r = inspect();
        assertEquals(SidecarState.EDITED, r.sidecarState());
        assertEquals(7, r.document().orElseThrow().table().generation());
        assertEquals(Served.NONE, r.served(), "the daemon refuses a sidecar whose checksum is wrong");
        assertTrue(hasProblemMentioning(r, sidecar(), "--accept-edits"), r.findings().toString());
        assertThrows(StoreException.class, () -> store().read(disk()));
    }

    @Test
    void aSidecarWithoutChecksumIsEditedToo() throws Exception {
        write(busy());
        String s = Files.readString(sidecar());
        Files.writeString(sidecar(), s.replaceAll(",\\s*\"checksum\" : \"crc32c:[0-9a-f]{8}\"", ""));
        Report r = inspect();
        assertEquals(SidecarState.EDITED, r.sidecarState(), r.findings().toString());
        assertTrue(hasProblemMentioning(r, sidecar(), "it has no checksum"), r.findings().toString());
    }

    @Test
    void anEditThatBreaksTheSchemaIsInvalidNotEdited() throws Exception {
        write(busy());
        replaceInSidecar("\"key\" : \"0x000000000000000a\"", "\"key\" : \"0xA\"");
        Report r = inspect();
        assertEquals(SidecarState.INVALID, r.sidecarState());
        assertTrue(r.document().isEmpty());
        assertTrue(hasProblemMentioning(r, sidecar(), "key"), r.findings().toString());
    }

    @Test
    void anotherDisksSidecarIsOtherDisk() throws Exception {
        store().update(new Disk("naa.6001405000000000000000000000ffff", sidecar()),
                t -> new TableStore.Change<>(busy(), null));
        Report r = inspect();
        assertEquals(SidecarState.OTHER_DISK, r.sidecarState());
        assertTrue(hasProblemMentioning(r, sidecar(), "belongs to disk \"naa.6001405000000000000000000000ffff\""),
                r.findings().toString());
    }

    @Test
    void anUnknownVersionSaysUpgrade() throws Exception {
        write(busy());
        replaceInSidecar("\"version\" : 1", "\"version\" : 2");
        Report r = inspect();
        assertEquals(SidecarState.UNSUPPORTED_VERSION, r.sidecarState());
        assertTrue(hasProblemMentioning(r, sidecar(), "Upgrade prsidecar"), r.findings().toString());
    }

    @Test
    void aPendingJournalNewerThanTheSidecarIsAnInterruptedUpdate() throws Exception {
        write(busy());
        byte[] before = Files.readAllBytes(sidecar());
        pending(2, ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).generation(1).build());
        Report r = inspect();
        assertEquals(JournalState.PENDING, r.journalState());
        assertEquals(Served.SIDECAR, r.served(), "readers see the older revision until the next update");
        assertTrue(hasProblemMentioning(r, journal(), "interrupted update"), r.findings().toString());
        assertArrayEquals(before, Files.readAllBytes(sidecar()), "a check never finishes the update itself");
    }

    @Test
    void aTornSidecarWithACompletePendingJournalIsServedFromTheJournal() throws Exception {
        write(ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).generation(1).build());
        byte[] next = pending(2, busy());
        Files.write(sidecar(), Arrays.copyOf(next, next.length / 3)); // died half-way through the sidecar
        byte[] torn = Files.readAllBytes(sidecar());
        Report r = inspect();
        assertEquals(SidecarState.INVALID, r.sidecarState());
        assertEquals(Served.JOURNAL, r.served());
        assertEquals(busy(), r.current().orElseThrow().table());
        assertArrayEquals(torn, Files.readAllBytes(sidecar()));
    }

    @Test
    void aTornJournalEntryIsReported() throws Exception {
        write(busy());
        byte[] j = Files.readAllBytes(journal());
        byte[] torn = Arrays.copyOf(j, j.length - 10);
        System.arraycopy("PENDING".getBytes(StandardCharsets.US_ASCII), 0, torn, 21, 7);
        Files.write(journal(), torn);
        Report r = inspect();
        assertEquals(JournalState.PENDING_INCOMPLETE, r.journalState());
        assertEquals(Served.SIDECAR, r.served());
        assertTrue(hasProblemMentioning(r, journal(), "torn journal"), r.findings().toString());
    }

    @Test
    void aJournalWithoutHeaderIsTorn() throws Exception {
        write(busy());
        Files.writeString(journal(), "prsidecar-jour");
        Report r = inspect();
        assertEquals(JournalState.TORN_HEADER, r.journalState());
        assertTrue(r.findings().stream().anyMatch(f -> f.severity() == Severity.WARNING && f.file().equals(journal())));
    }

    @Test
    void aJournalWithoutItsSidecarIsAnError() throws Exception {
        write(busy());
        Files.delete(sidecar());
        Report r = inspect();
        assertEquals(SidecarState.MISSING, r.sidecarState());
        assertTrue(hasProblemMentioning(r, journal(), "journal without sidecar"), r.findings().toString());
        assertThrows(StoreException.class, () -> store().update(disk(), t -> new TableStore.Change<>(t, null)));
    }

    @Test
    void aSymbolicLinkIsRefused() throws Exception {
        Path real = dir.resolve("real.json");
        Files.writeString(real, "{}");
        Files.createSymbolicLink(sidecar(), real);
        Report r = inspect();
        assertEquals(SidecarState.REFUSED, r.sidecarState());
        assertTrue(hasProblemMentioning(r, sidecar(), "symbolic link"));
    }

    @Test
    void aSidecarLockedExclusivelyElsewhereIsUnreadableAfterTheTimeout() throws Exception {
        write(busy());
        try (LockedFile held = FileLocks.system().open(sidecar(), OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE,
                Duration.ofSeconds(1))) {
            Report r = inspect();
            assertEquals(SidecarState.UNREADABLE, r.sidecarState());
            assertTrue(hasProblemMentioning(r, sidecar(), "no shared lock within 300 ms"), r.findings().toString());
        }
    }

    // ---------------------------------------------------------------- agreement with the store

    /** A way to leave the files, named for the report. */
    interface Scenario {
        void make(CheckSidecarTest t) throws Exception;
    }

    record Named(String name, Scenario scenario) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Named> scenarios() {
        return Stream.of(
                new Named("no sidecar", t -> { }),
                new Named("empty sidecar", t -> Files.write(t.sidecar(), new byte[0])),
                new Named("valid", t -> t.write(busy())),
                new Named("truncated", t -> {
                    t.write(busy());
                    byte[] b = Files.readAllBytes(t.sidecar());
                    Files.write(t.sidecar(), Arrays.copyOf(b, 40));
                }),
                new Named("garbage", t -> Files.writeString(t.sidecar(), "hello")),
                new Named("edited", t -> {
                    t.write(busy());
                    t.replaceInSidecar("\"aptpl\" : false", "\"aptpl\" : true");
                }),
                new Named("valid + newer pending journal", t -> {
                    t.write(busy());
                    t.pending(5, ReservationTable.empty());
                }),
                new Named("torn + pending journal", t -> {
                    t.write(ReservationTable.empty().toBuilder().register(new Registration(A, 1)).build());
                    byte[] p = t.pending(2, busy());
                    Files.write(t.sidecar(), Arrays.copyOf(p, 100));
                }),
                new Named("empty + pending journal", t -> {
                    t.write(busy());
                    t.pending(2, busy().toBuilder().aptpl(true).build());
                    Files.write(t.sidecar(), new byte[0]);
                }),
                new Named("empty + applied journal", t -> {
                    t.write(busy());
                    Files.write(t.sidecar(), new byte[0]);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("scenarios")
    void whatTheCheckSaysIsServedIsWhatTheStoreServes(Named n) throws Exception {
        n.scenario().make(this);
        Report r = inspect();
        List<String> findings = r.findings().stream().map(SidecarCheck.Finding::message).toList();
        Optional<SidecarDocument> fromStore;
        try {
            fromStore = store().readDocument(disk());
        } catch (StoreException e) {
            assertEquals(Served.NONE, r.served(), "the store refuses (" + e.getMessage() + "); the check: " + findings);
            return;
        }
        assertTrue(r.served() != Served.NONE, "the store serves it; the check says it cannot: " + findings);
        assertEquals(fromStore.map(SidecarDocument::table), r.current().map(SidecarDocument::table));
    }
}
