package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.StoreFixtures.Snapshot;

/**
 * Corrupt and hostile files where a sidecar should be: each is refused with kind
 * INVALID_SIDECAR and a message that names the file, says what is wrong and what to do,
 * by reads and by updates alike, and the file is left byte-identical with the same inode,
 * mtime and ctime (DESIGN.md: "a sidecar that fails validation is never overwritten").
 */
class HostileSidecarTest {

    @TempDir
    Path dir;

    Disk disk() {
        return StoreFixtures.disk(dir);
    }

    Path journal() {
        return SidecarStore.journalPath(disk().sidecar());
    }

    /** A valid sidecar at revision 2 (three registrations, a WE_RO reservation), as text. */
    String validSidecar() throws Exception {
        SidecarStore s = StoreFixtures.store();
        s.update(disk(), StoreFixtures::nextOf);
        s.update(disk(), StoreFixtures::nextOf);
        return Files.readString(disk().sidecar(), StandardCharsets.UTF_8);
    }

    private void write(String text) throws IOException {
        Files.writeString(disk().sidecar(), text, StandardCharsets.UTF_8);
    }

    @FunctionalInterface
    interface Setup {
        void make(HostileSidecarTest t) throws Exception;
    }

    private static Arguments refused(String what, Setup setup, String... phrases) {
        return Arguments.of(what, setup, List.of(phrases));
    }

    static Stream<Arguments> hostileSidecars() {
        return Stream.of(
                refused("truncated, no journal", t -> {
                    String v = t.validSidecar();
                    Files.delete(t.journal());
                    t.write(v.substring(0, v.length() / 2));
                }, "not valid JSON"),
                refused("truncated, journal applied", t -> {
                    String v = t.validSidecar();
                    t.write(v.substring(0, v.length() - 3));
                }, "not valid JSON"),
                refused("emptied, journal says revision 2 was written", t -> {
                    t.validSidecar();
                    t.write("");
                }, "is empty, but its journal says revision 2 was written", "restore the sidecar from a backup"),
                refused("garbage bytes", t -> {
                    byte[] b = new byte[3000];
                    new Random(7).nextBytes(b);
                    Files.write(t.disk().sidecar(), b);
                }, "not valid JSON"),
                refused("empty JSON object", t -> t.write("{}\n"), "format: missing"),
                refused("JSON null", t -> t.write("null\n"), "not a JSON object"),
                refused("JSON array", t -> t.write("[ ]\n"), "not a JSON object"),
                refused("array of the document", t -> t.write("[" + t.validSidecar() + "]"), "not a JSON object"),
                refused("wrong type: generation as a string", t -> t.write(t.validSidecar()
                        .replaceFirst("\"generation\" : (\\d+)", "\"generation\" : \"$1\"")), "generation: not an integer"),
                refused("wrong type: registrations as an object", t -> t.write(t.validSidecar()
                        .replaceFirst("\"registrations\" : \\[", "\"registrations\" : {\"x\": [")
                        .replaceFirst("\\} \\],\n  \"reservation\"", "} ]},\n  \"reservation\"")),
                        "registrations: not an array"),
                refused("wrong type: aptpl as 0", t -> t.write(t.validSidecar()
                        .replaceFirst("\"aptpl\" : false", "\"aptpl\" : 0")), "aptpl: not true or false"),
                refused("unknown field", t -> t.write(t.validSidecar()
                        .replaceFirst("\"aptpl\"", "\"owner\" : \"me\",\n  \"aptpl\"")), "owner: unknown field"),
                refused("unknown field in a registration", t -> t.write(t.validSidecar()
                        .replaceFirst("\"allTargetPorts\"", "\"comment\" : \"x\",\n    \"allTargetPorts\"")),
                        "registrations[0].comment: unknown field"),
                refused("missing field", t -> t.write(t.validSidecar()
                        .replaceFirst("\n  \"aptpl\" : false,", "")), "aptpl: missing"),
                refused("duplicate field", t -> t.write(t.validSidecar()
                        .replaceFirst("\"aptpl\" : false,", "\"aptpl\" : false,\n  \"aptpl\" : false,")),
                        "Duplicate field 'aptpl'"),
                refused("trailing data", t -> t.write(t.validSidecar() + "{}\n"), "not valid JSON", "Trailing token"),
                refused("two documents", t -> t.write(t.validSidecar() + t.validSidecar()), "not valid JSON"),
                refused("wrong format string", t -> t.write(t.validSidecar()
                        .replace("\"prsidecar-table\"", "\"qemu-pr-table\"")), "not a prsidecar sidecar"),
                refused("unknown version", t -> t.write(t.validSidecar()
                        .replace("\"version\" : 1,", "\"version\" : 2,")), "version 2 is not supported",
                        "upgrade prsidecar on this host"),
                refused("bad checksum after a hand edit", t -> t.write(t.validSidecar()
                        .replaceFirst("\"key\" : \"0x00000000000007d1\"", "\"key\" : \"0x00000000000007d9\"")),
                        "checksum is crc32c:", "torn or edited by hand"),
                refused("a key of 0", t -> t.write(t.validSidecar()
                        .replaceFirst("\"key\" : \"0x[0-9a-f]{16}\"", "\"key\" : \"0x0000000000000000\"")),
                        "registrations[0].key: a registration never has key 0"),
                refused("holder not registered", t -> {
                    String v = t.validSidecar();
                    Matcher m = Pattern.compile("(\"holder\" : \\{\\s*\"initiator\" : \")([^\"]+)\"").matcher(v);
                    assertTrue(m.find(), v);
                    t.write(v.substring(0, m.start(2)) + "iqn.2026-11.org.prsidecar.crash:gone" + v.substring(m.end(2)));
                }, "inconsistent table", "is not registered"),
                refused("over the size limit (sparse)", t -> {
                    try (RandomAccessFile f = new RandomAccessFile(t.disk().sidecar().toFile(), "rw")) {
                        f.setLength((16L << 20) + 1);
                    }
                }, "over the limit of 16777216"),
                refused("another disk's sidecar", t -> {
                    Disk other = new Disk("naa.60014050000000000000000000000bad", t.disk().sidecar());
                    StoreFixtures.store().update(other, StoreFixtures::nextOf);
                }, "belongs to disk \"naa.60014050000000000000000000000bad\""),
                refused("a symbolic link to a valid sidecar", t -> {
                    Path real = t.dir.resolve("real.pr.json");
                    Files.writeString(real, t.validSidecar());
                    Files.delete(t.disk().sidecar());
                    Files.move(t.journal(), SidecarStore.journalPath(real));
                    Files.createSymbolicLink(t.disk().sidecar(), real);
                }, "symbolic link", "configure the real path"),
                refused("a dangling symbolic link", t -> Files.createSymbolicLink(t.disk().sidecar(),
                        t.dir.resolve("nowhere")), "symbolic link"),
                refused("a directory", t -> Files.createDirectory(t.disk().sidecar()), "directory, not a regular file"),
                refused("a FIFO", t -> mkfifo(t.disk().sidecar()), "fifo, not a regular file"),
                refused("a Unix socket", t -> {
                    try (ServerSocketChannel ch = ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                        ch.bind(UnixDomainSocketAddress.of(t.disk().sidecar()));
                    }
                }, "socket, not a regular file"));
    }

    static void mkfifo(Path p) throws Exception {
        Process mk = new ProcessBuilder(StoreFixtures.requireTool("mkfifo", "coreutils").toString(), p.toString())
                .inheritIO().start();
        assertEquals(0, mk.waitFor());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("hostileSidecars")
    void aHostileSidecarIsRefusedWithItsReasonAndLeftAsItIs(String what, Setup setup, List<String> phrases)
            throws Exception {
        setup.make(this);
        Path side = disk().sidecar();
        boolean existed = Files.exists(side, LinkOption.NOFOLLOW_LINKS);
        Snapshot before = existed ? Snapshot.of(side) : null;
        boolean journalExisted = Files.exists(journal(), LinkOption.NOFOLLOW_LINKS);
        Snapshot journalBefore = journalExisted ? Snapshot.of(journal()) : null;

        for (String op : new String[] {"read", "readDocument", "update", "no-op update"}) {
            StoreException e = expectRefusal(op);
            assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind(), op + ": " + e.getMessage());
            assertEquals(org.prsidecar.scsi.ScsiStatus.CHECK_CONDITION, e.status());
            assertEquals(org.prsidecar.scsi.SenseData.MANUAL_INTERVENTION_REQUIRED, e.sense().orElseThrow());
            String m = e.getMessage();
            assertTrue(m.contains(side.toString()), op + ": the message names the file: " + m);
            assertTrue(m.contains(disk().id()), op + ": the message names the disk: " + m);
            assertTrue(m.contains("fail until it is fixed") || m.contains("restore the sidecar"),
                    op + ": the message says what to do: " + m);
            for (String p : phrases) {
                assertTrue(m.contains(p), op + ": the message says \"" + p + "\": " + m);
            }
            if (existed) {
                before.assertUnchanged(side);
            } else {
                assertFalse(Files.exists(side, LinkOption.NOFOLLOW_LINKS), "no sidecar was created");
            }
            if (journalExisted) {
                journalBefore.assertUnchanged(journal());
            } else {
                assertFalse(Files.exists(journal(), LinkOption.NOFOLLOW_LINKS), "no journal was created");
            }
        }
    }

    /** Runs one store operation on a fresh store, with a deadline: a FIFO must never block it. */
    StoreException expectRefusal(String op) throws Exception {
        CompletableFuture<Object> f = CompletableFuture.supplyAsync(() -> {
            SidecarStore s = StoreFixtures.store(Duration.ofSeconds(2));
            try {
                return switch (op) {
                    case "read" -> s.read(disk());
                    case "readDocument" -> s.readDocument(disk());
                    case "update" -> s.update(disk(), StoreFixtures::nextOf);
                    default -> s.update(disk(), t -> new TableStore.Change<>(t, null));
                };
            } catch (StoreException e) {
                return e;
            }
        });
        Object r;
        try {
            r = f.get(15, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            unblockFifos();
            return fail(op + " hung (a FIFO opened without O_NONBLOCK?)");
        } catch (ExecutionException e) {
            return fail(op + " threw " + e.getCause() + " instead of a StoreException", e.getCause());
        }
        if (r instanceof StoreException se) {
            return se;
        }
        return fail(op + " was not refused: " + r);
    }

    /** Opens every FIFO here for writing and closes it: a reader stuck in open(2) gets EOF. */
    private void unblockFifos() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                if (Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).isOther()) {
                    try (FileOutputStream out = new FileOutputStream(p.toFile())) {
                        out.flush();
                    }
                }
            }
        }
    }

    // ---------------------------------------------------------------- edges that are not refusals

    @Test
    void anEmptySidecarWithoutAJournalReadsAsAFreshDisk() throws Exception {
        // what a first update killed before its journal was durable leaves; it is also what
        // an operator's "> disk.pr.json" leaves: the disk silently starts over from nothing
        String v = validSidecar();
        assertTrue(v.contains("registrations"));
        Files.delete(journal());
        write("");
        assertEquals(ReservationTable.empty(), StoreFixtures.store().read(disk()));
    }

    @Test
    void aMissingSidecarWithAJournalIsNotRecreatedByAnUpdate() throws Exception {
        validSidecar();
        Files.delete(disk().sidecar());
        Snapshot j = Snapshot.of(journal());
        StoreException e = expectRefusal("update");
        assertEquals(StoreException.Kind.INVALID_SIDECAR, e.kind());
        assertTrue(e.getMessage().contains("the sidecar is missing but its journal " + journal()), e.getMessage());
        assertTrue(e.getMessage().contains("restore the sidecar from a backup"), e.getMessage());
        assertFalse(Files.exists(disk().sidecar()), "no sidecar was created");
        j.assertUnchanged(journal());
    }

    @Test
    void aSidecarReformattedByAJsonToolIsStillRead() throws Exception {
        // the checksum covers the content, not the bytes: jq . / a pretty printer is harmless
        String v = validSidecar();
        ReservationTable t = StoreFixtures.store().read(disk());
        write(v.replaceAll("\n\\s*", "").replace(" : ", ":"));
        assertEquals(t, StoreFixtures.store().read(disk()));
    }
}
