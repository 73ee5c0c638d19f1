package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;

/** The sidecar store on a local filesystem: the rules of its class comment, one by one. */
class SidecarStoreTest {

    private static final Nexus A = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:a");

    @TempDir
    Path dir;

    private Disk disk() {
        return new Disk("naa.600140500000000000000000000000a1", dir.resolve("disk.pr.json"));
    }

    private static SidecarStore store() {
        return new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(Duration.ofMillis(300)));
    }

    private static TableStore.Change<String> register(ReservationTable t, long key) {
        return new TableStore.Change<>(t.toBuilder().register(new Registration(A, key)).incrementGeneration().build(),
                "registered");
    }

    @Test
    void aDiskWithoutSidecarReadsAsAFreshTableAndCreatesNothing() throws Exception {
        SidecarStore s = store();
        assertEquals(ReservationTable.empty(), s.read(disk()));
        assertFalse(Files.exists(disk().sidecar()));
    }

    @Test
    void anUpdateIsReadBackByAnotherStoreWithTheRevisionMoved() throws Exception {
        SidecarStore s = store();
        assertEquals("registered", s.update(disk(), t -> register(t, 0xA)).result());
        SidecarDocument doc = store().readDocument(disk()).orElseThrow();
        assertEquals(1, doc.revision());
        assertEquals(0xA, doc.table().registration(A).orElseThrow().key());
        s.update(disk(), t -> register(t, 0xB));
        assertEquals(2, store().readDocument(disk()).orElseThrow().revision());
    }

    @Test
    void anUnchangedTableIsNotWritten() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        byte[] before = Files.readAllBytes(disk().sidecar());
        long mtime = Files.getLastModifiedTime(disk().sidecar()).toMillis();
        s.update(disk(), t -> new TableStore.Change<>(t, null));
        assertArrayEquals(before, Files.readAllBytes(disk().sidecar()));
        assertEquals(mtime, Files.getLastModifiedTime(disk().sidecar()).toMillis());
    }

    @Test
    void repeatedReadsOfAnUnchangedSidecarComeFromTheCache() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        assertSame(s.read(disk()), s.read(disk()));
    }

    @Test
    void aWriteByAnotherStoreIsSeenDespiteTheCache() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        s.read(disk());
        store().update(disk(), t -> register(t, 0xB));
        assertEquals(0xB, s.read(disk()).registration(A).orElseThrow().key());
    }

    @Test
    void aTornSidecarWithACompleteJournalIsRecoveredOnTheNextRead() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        byte[] old = Files.readAllBytes(disk().sidecar());
        // the next update got its journal durable, then died half-way through the sidecar
        ReservationTable next = register(s.read(disk()), 0xB).table();
        byte[] bytes = SidecarFormat.encode(new SidecarDocument(disk().id(), 2,
                new SidecarDocument.Writer("h", 1, java.time.Instant.EPOCH, "p"), next));
        try (var j = org.prsidecar.posix.PosixFile.open(SidecarStore.journalPath(disk().sidecar()),
                org.prsidecar.posix.OpenMode.READ_WRITE_CREATE, 0600)) {
            SidecarJournal.writePending(j, 2, bytes, old);
        }
        Files.write(disk().sidecar(), Arrays.copyOf(bytes, bytes.length / 2));
        assertFalse(Arrays.equals(old, Files.readAllBytes(disk().sidecar())));
        assertEquals(0xB, store().read(disk()).registration(A).orElseThrow().key());
        assertArrayEquals(bytes, Files.readAllBytes(disk().sidecar()));
        assertTrue(Files.readString(SidecarStore.journalPath(disk().sidecar()), StandardCharsets.US_ASCII)
                .startsWith("prsidecar-journal v1 APPLIED"));
    }

    @Test
    void aTornJournalIsDroppedAndTheSidecarKept() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        byte[] good = Files.readAllBytes(disk().sidecar());
        Path j = SidecarStore.journalPath(disk().sidecar());
        byte[] journal = Files.readAllBytes(j);
        byte[] torn = Arrays.copyOf(journal, journal.length - 10);
        System.arraycopy("PENDING".getBytes(StandardCharsets.US_ASCII), 0, torn, 21, 7);
        Files.write(j, torn);
        assertEquals(0xA, store().update(disk(), t -> new TableStore.Change<>(t, null)).table()
                .registration(A).orElseThrow().key());
        assertArrayEquals(good, Files.readAllBytes(disk().sidecar()));
    }

    @Test
    void anInvalidSidecarIsNeverWrittenAndStaysByteIdentical() throws Exception {
        byte[] garbage = "{\"format\": \"prsidecar-table\", \"version\": 1, garbage".getBytes(StandardCharsets.UTF_8);
        Files.write(disk().sidecar(), garbage);
        StoreException e = assertThrows(StoreException.class, () -> store().update(disk(), t -> register(t, 1)));
        assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind());
        assertTrue(e.getMessage().contains(disk().sidecar().toString()), e.getMessage());
        assertThrows(StoreException.class, () -> store().read(disk()));
        assertArrayEquals(garbage, Files.readAllBytes(disk().sidecar()));
    }

    @Test
    void anotherDisksSidecarIsRefused() throws Exception {
        store().update(disk(), t -> register(t, 0xA));
        Disk other = new Disk("naa.6001405000000000000000000000ffff", disk().sidecar());
        StoreException e = assertThrows(StoreException.class, () -> store().read(other));
        assertTrue(e.getMessage().contains("belongs to disk"), e.getMessage());
    }

    @Test
    void aSymlinkIsRefusedAndLeftAlone() throws Exception {
        Path target = dir.resolve("elsewhere.json");
        Files.writeString(target, "x");
        Files.createSymbolicLink(disk().sidecar(), target);
        StoreException e = assertThrows(StoreException.class, () -> store().update(disk(), t -> register(t, 1)));
        assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind());
        assertEquals("x", Files.readString(target));
        assertTrue(Files.isSymbolicLink(disk().sidecar()));
    }

    @Test
    void aLockHeldTooLongIsBusy() throws Exception {
        SidecarStore s = store();
        s.update(disk(), t -> register(t, 0xA));
        CountDownLatch holding = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
            try {
                store().update(disk(), t -> {
                    holding.countDown();
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                    }
                    return new TableStore.Change<>(t, null);
                });
            } catch (StoreException ex) {
                throw new IllegalStateException(ex);
            }
        });
        assertTrue(holding.await(10, TimeUnit.SECONDS));
        StoreException e = assertThrows(StoreException.class, () -> s.update(disk(), t -> register(t, 0xB)));
        assertEquals(StoreException.Kind.LOCK_TIMEOUT, e.kind());
        assertEquals(org.prsidecar.scsi.ScsiStatus.BUSY, e.status());
        release.countDown();
        holder.get(10, TimeUnit.SECONDS);
        assertEquals(0xA, s.read(disk()).registration(A).orElseThrow().key());
    }
}
