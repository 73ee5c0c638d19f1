package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.run;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.Disk;

/**
 * prsidecar check on every kind of broken sidecar: one line per problem naming the file and
 * what to do, exit 1; 0 when all is well; 2 for usage; and it never writes.
 */
class CheckCommandTest {

    @TempDir
    Path dir;
    Path image;
    Disk disk;

    @BeforeEach
    void disk() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        disk = ToolsHarness.diskOf(image);
    }

    static ReservationTable one() {
        return ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).generation(1).build();
    }

    /** Runs check (without storage checks, which depend on the host) and proves it wrote nothing. */
    Run check(String... targets) throws Exception {
        String before = ToolsHarness.snapshot(dir);
        String[] args = new String[targets.length + 2];
        args[0] = "check";
        args[1] = "--no-storage";
        System.arraycopy(targets, 0, args, 2, targets.length);
        Run r = run(args);
        assertEquals(before, ToolsHarness.snapshot(dir), "check never writes");
        return r;
    }

    /** The one line about {@code file} at {@code level}. */
    static String line(Run r, Path file, String level) {
        List<String> lines = r.out().lines().filter(l -> l.startsWith(file + ": " + level + ": ")).toList();
        assertEquals(1, lines.size(), "one " + level + " line for " + file + " in\n" + r);
        return lines.get(0);
    }

    @Test
    void aGoodSidecarIsOkAndExit0() throws Exception {
        ToolsHarness.write(disk, one());
        Run r = check(image.toString());
        assertEquals(0, r.status(), r.toString());
        String ok = line(r, disk.sidecar(), "ok");
        assertTrue(ok.contains("disk " + disk.id() + ", revision 1, generation 0x1, 1 registration, no reservation"),
                ok);
    }

    @Test
    void aDiskWithoutSidecarIsFine() throws Exception {
        Run r = check(image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(line(r, disk.sidecar(), "note").contains("no sidecar yet"), r.out());
    }

    @Test
    void aTruncatedSidecar() throws Exception {
        ToolsHarness.write(disk, one());
        byte[] b = Files.readAllBytes(disk.sidecar());
        Files.write(disk.sidecar(), Arrays.copyOf(b, b.length - 20));
        Run r = check(image.toString());
        assertEquals(1, r.status(), r.toString());
        String l = line(r, disk.sidecar(), "error");
        assertTrue(l.contains("cut short"), l);
        assertTrue(l.contains("'prsidecar repair " + disk.sidecar() + "' puts it back"), l);
    }

    @Test
    void garbage() throws Exception {
        Files.write(disk.sidecar(), "\u0000\u0001garbage".getBytes(StandardCharsets.UTF_8));
        Run r = check(disk.sidecar().toString());
        assertEquals(1, r.status(), r.toString());
        String l = line(r, disk.sidecar(), "error");
        assertTrue(l.contains("not JSON at all"), l);
        assertTrue(l.contains("'prsidecar repair --reset --yes " + disk.sidecar() + "'"), l);
    }

    @Test
    void aBadChecksum() throws Exception {
        ToolsHarness.write(disk, one());
        Files.writeString(disk.sidecar(), Files.readString(disk.sidecar()).replace("\"generation\" : 1",
                "\"generation\" : 3"));
        Run r = check(image.toString());
        assertEquals(1, r.status(), r.toString());
        String l = line(r, disk.sidecar(), "error");
        assertTrue(l.contains("its content is a valid table, but its checksum"), l);
        assertTrue(l.contains("'prsidecar repair --accept-edits " + disk.sidecar() + "'"), l);
    }

    @Test
    void anotherDisksSidecar() throws Exception {
        Path other = ToolsHarness.image(dir, "other.img");
        Disk otherDisk = ToolsHarness.diskOf(other);
        ToolsHarness.write(otherDisk, one());
        Files.copy(otherDisk.sidecar(), disk.sidecar());
        Run r = check(image.toString(), disk.sidecar().toString());
        assertEquals(1, r.status(), r.toString());
        List<String> lines = r.out().lines().filter(l -> l.startsWith(disk.sidecar() + ": error: ")).toList();
        assertEquals(2, lines.size(), "by the image and by the sidecar's location: " + r.out());
        for (String l : lines) {
            assertTrue(l.contains("belongs to disk \"" + otherDisk.id() + "\", not \"" + disk.id() + "\""), l);
        }
    }

    @Test
    void anUnknownVersion() throws Exception {
        ToolsHarness.write(disk, one());
        Files.writeString(disk.sidecar(), Files.readString(disk.sidecar()).replace("\"version\" : 1",
                "\"version\" : 2"));
        Run r = check(image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(line(r, disk.sidecar(), "error").contains("Upgrade prsidecar on this host"), r.out());
    }

    @Test
    void aPendingJournalEntryThatWouldBeReplayed() throws Exception {
        ToolsHarness.write(disk, one());
        Files.write(ToolsHarness.journalOf(disk), ToolsHarness.journal("PENDING", disk, 2, ReservationTable.empty()));
        Run r = check(image.toString());
        assertEquals(1, r.status(), r.toString());
        String l = line(r, ToolsHarness.journalOf(disk), "warning");
        assertTrue(l.contains("interrupted update: the journal holds the complete revision 2"), l);
        assertTrue(l.contains("'prsidecar repair' finishes it now"), l);
    }

    @Test
    void aTornJournal() throws Exception {
        ToolsHarness.write(disk, one());
        byte[] j = ToolsHarness.journal("PENDING", disk, 2, ReservationTable.empty());
        Files.write(ToolsHarness.journalOf(disk), Arrays.copyOf(j, j.length - 7));
        Run r = check(image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(line(r, ToolsHarness.journalOf(disk), "warning").contains("torn journal"), r.out());
    }

    @Test
    void aJournalWithoutItsSidecarNamedByTheJournalPath() throws Exception {
        ToolsHarness.write(disk, one());
        Files.delete(disk.sidecar());
        Run r = check(ToolsHarness.journalOf(disk).toString());
        assertEquals(1, r.status(), r.toString());
        String l = line(r, ToolsHarness.journalOf(disk), "error");
        assertTrue(l.contains("journal without sidecar"), l);
        assertTrue(l.contains("'prsidecar repair' rebuilds the sidecar"), l);
    }

    @Test
    void quietPrintsProblemsOnlyAndSeveralTargetsAreAllChecked() throws Exception {
        ToolsHarness.write(disk, one());
        Path other = ToolsHarness.image(dir, "other.img");
        Files.writeString(ToolsHarness.diskOf(other).sidecar(), "{");
        Run r = check("--quiet", image.toString(), other.toString(), dir.resolve("none.img").toString());
        assertEquals(1, r.status(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        assertTrue(lines.get(0).startsWith(ToolsHarness.diskOf(other).sidecar() + ": error: "), r.out());
        assertTrue(lines.get(1).startsWith(dir.resolve("none.img") + ": error: no such file or device"), r.out());
    }

    @Test
    void storageIsCheckedOncePerDirectory() throws Exception {
        Path other = ToolsHarness.image(dir, "other.img");
        Run r = run("check", image.toString(), other.toString());
        long about = r.out().lines().filter(l -> l.startsWith(disk.sidecar().getParent() + ": ")).count();
        assertEquals(1, about, r.out());
    }

    @Test
    void usageIsExit2() {
        assertEquals(2, run("check").status());
        assertEquals(2, run("check", "--bogus", image.toString()).status());
        assertFalse(run("check", "--help").out().isEmpty());
    }
}
