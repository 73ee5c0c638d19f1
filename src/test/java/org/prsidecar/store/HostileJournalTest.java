package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.FileOutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.store.StoreFixtures.Snapshot;

/**
 * A hostile file in place of the journal ({@code <sidecar>.journal}) beside a valid sidecar.
 * The store refuses links, special files and oversized files for the sidecar before it
 * opens anything; for the journal it only checks after open(2), and it names the sidecar
 * in its message.
 */
class HostileJournalTest {

    @TempDir
    Path dir;

    private Disk disk() {
        return StoreFixtures.disk(dir);
    }

    private Path journal() {
        return SidecarStore.journalPath(disk().sidecar());
    }

    private void validSidecarWithoutJournal() throws Exception {
        StoreFixtures.store().update(disk(), StoreFixtures::nextOf);
        StoreFixtures.store().update(disk(), StoreFixtures::nextOf);
        Files.delete(journal());
    }

    /**
     * open(2) of a FIFO for reading blocks until a writer comes, and SidecarStore opens the
     * journal without O_NONBLOCK (and with no lstat first, unlike the sidecar) while it holds
     * the sidecar's exclusive lock: the update never returns, and every other process and host
     * gets BUSY on this disk for as long as the FIFO has no writer.
     */
    @Test
    void aFifoInPlaceOfTheJournalNeverHangsAnUpdate() throws Exception {
        validSidecarWithoutJournal();
        HostileSidecarTest.mkfifo(journal());
        Snapshot side = Snapshot.of(disk().sidecar());
        CompletableFuture<Object> update = CompletableFuture.supplyAsync(() -> {
            try {
                return StoreFixtures.store(Duration.ofSeconds(2)).update(disk(), StoreFixtures::nextOf);
            } catch (StoreException e) {
                return e;
            }
        });
        Object result;
        try {
            result = update.get(10, TimeUnit.SECONDS);
        } catch (TimeoutException hung) {
            // show what the hang does to everyone else, then let the stuck open(2) return
            String probe;
            try {
                StoreFixtures.store(Duration.ofMillis(300)).update(disk(), t -> new TableStore.Change<>(t, null));
                probe = "succeeded";
            } catch (StoreException e) {
                probe = "failed with " + e.kind();
            }
            try (FileOutputStream unblock = new FileOutputStream(journal().toFile())) {
                unblock.flush();
            }
            try {
                update.get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // its outcome after being unblocked is not the point
            }
            side.assertUnchanged(disk().sidecar());
            fail("an update blocked for 10 s in open(2) of the FIFO " + journal() + " while holding the sidecar's"
                    + " exclusive lock; meanwhile another store's update " + probe);
            return;
        }
        assertTrue(result instanceof StoreException, "an update with a FIFO journal was not refused: " + result);
        assertEquals(StoreException.Kind.INVALID_SIDECAR, ((StoreException) result).kind());
        side.assertUnchanged(disk().sidecar());
    }

    static Stream<Arguments> hostileJournals() {
        return Stream.of(
                Arguments.of("a directory", (HostileSidecarTest.Setup) t -> Files.createDirectory(t.journal())),
                Arguments.of("a symbolic link to a file", (HostileSidecarTest.Setup) t -> {
                    Path target = t.dir.resolve("elsewhere");
                    Files.writeString(target, "not a journal\n");
                    Files.createSymbolicLink(t.journal(), target);
                }),
                Arguments.of("over the size limit (sparse)", (HostileSidecarTest.Setup) t -> {
                    try (RandomAccessFile f = new RandomAccessFile(t.journal().toFile(), "rw")) {
                        f.setLength(2 * (16L << 20) + SidecarJournal.HEADER_LENGTH + 1024); // over two copies and a header
                    }
                }));
    }

    /**
     * The update is refused and nothing is written, but the message blames the sidecar
     * ("sidecar X is not usable: it is a directory"), so an operator looks at
     * the wrong file. It should name the journal.
     */
    @ParameterizedTest(name = "journal is {0}")
    @MethodSource("hostileJournals")
    void aHostileJournalIsNamedInTheRefusal(String what, HostileSidecarTest.Setup setup) throws Exception {
        HostileSidecarTest t = new HostileSidecarTest();
        t.dir = dir;
        t.validSidecar();
        Files.delete(journal());
        setup.make(t);
        Snapshot side = Snapshot.of(disk().sidecar());
        Snapshot j = Snapshot.of(journal());
        assertEquals(2, StoreFixtures.store().readDocument(disk()).orElseThrow().revision(),
                "reads are served from the valid sidecar");
        StoreException e = t.expectRefusal("update");
        assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind());
        side.assertUnchanged(disk().sidecar());
        j.assertUnchanged(journal());
        assertTrue(e.getMessage().contains(journal().toString()), "the message names the journal: " + e.getMessage());
    }
}
