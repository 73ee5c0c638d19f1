package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarDocument;

/**
 * prsidecar repair: never runs a discarding repair without its flag, always keeps backups of
 * what it changes, and leaves a sidecar that SidecarStore loads.
 */
class RepairCommandTest {

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

    List<Path> backups() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().contains(".bak-")).sorted().toList();
        }
    }

    /** The backup lines the repair printed, and each one exists. */
    List<Path> printedBackups(Run r) {
        List<Path> out = r.out().lines().filter(l -> l.startsWith("kept a copy: "))
                .map(l -> Path.of(l.substring("kept a copy: ".length()))).toList();
        out.forEach(p -> assertTrue(Files.isRegularFile(p), p + " does not exist"));
        return out;
    }

    void edit() throws IOException {
        Files.writeString(disk.sidecar(), Files.readString(disk.sidecar()).replace("\"aptpl\" : false",
                "\"aptpl\" : true"));
    }

    @Test
    void aHealthySidecarNeedsNothing() throws Exception {
        ToolsHarness.write(disk, one());
        String before = ToolsHarness.snapshot(dir);
        Run r = run("repair", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("nothing to do"), r.out());
        assertEquals(before, ToolsHarness.snapshot(dir));
    }

    @Test
    void aTornSidecarIsRebuiltFromItsJournalWithBackups() throws Exception {
        ToolsHarness.write(disk, one());
        byte[] j = ToolsHarness.journal("PENDING", disk, 2, one().toBuilder().aptpl(true).build());
        Files.write(ToolsHarness.journalOf(disk), j);
        byte[] torn = Arrays.copyOfRange(j, ToolsHarness.JOURNAL_HEADER, ToolsHarness.JOURNAL_HEADER + 69);
        Files.write(disk.sidecar(), torn);
        Object inode = Files.getAttribute(disk.sidecar(), "unix:ino");
        Run r = run("repair", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("plan: rebuild the torn sidecar from the journal's complete revision 2"), r.out());
        List<Path> kept = printedBackups(r);
        assertEquals(2, kept.size(), r.out());
        assertArrayEquals(torn, Files.readAllBytes(kept.get(0)));
        assertArrayEquals(j, Files.readAllBytes(kept.get(1)));
        assertTrue(r.out().contains("done: the sidecar loads as the daemon reads it (revision 2)"), r.out());
        SidecarDocument loaded = ToolsHarness.store().readDocument(disk).orElseThrow();
        assertTrue(loaded.table().aptpl());
        assertEquals(inode, Files.getAttribute(disk.sidecar(), "unix:ino"), "repaired in place");
    }

    @Test
    void anEditIsShownButNotSealedWithoutAcceptEdits() throws Exception {
        ToolsHarness.write(disk, one());
        edit();
        String before = ToolsHarness.snapshot(dir);
        Run r = run("repair", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.out().contains("the table the edited sidecar holds:\n  generation 0x1, APTPL on"), r.out());
        assertTrue(r.err().contains("To keep the table it holds: --accept-edits"), r.err());
        assertEquals(before, ToolsHarness.snapshot(dir));
    }

    @Test
    void acceptEditsPrintsTheTableThenSealsItKeepingTheEditedFile() throws Exception {
        ToolsHarness.write(disk, one());
        edit();
        byte[] edited = Files.readAllBytes(disk.sidecar());
        Run r = run("repair", "--accept-edits", disk.sidecar().toString());
        assertEquals(0, r.status(), r.toString());
        int table = r.out().indexOf("the table afterwards:\n  generation 0x1, APTPL on");
        int done = r.out().indexOf("done: ");
        assertTrue(table >= 0 && done > table, "the table is printed before it is written: " + r.out());
        List<Path> kept = printedBackups(r);
        assertArrayEquals(edited, Files.readAllBytes(kept.get(0)));
        SidecarDocument loaded = ToolsHarness.store().readDocument(disk).orElseThrow();
        assertTrue(loaded.table().aptpl());
        assertEquals(2, loaded.revision());
    }

    @Test
    void resetAsksForYesAndChangesNothingWithoutIt() throws Exception {
        ToolsHarness.write(disk, one());
        String before = ToolsHarness.snapshot(dir);
        Run r = run("repair", "--reset", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.out().contains("would reset the table to an empty one"), r.out());
        assertTrue(r.out().contains("this drops 1 registration(s) of revision 1"), r.out());
        assertTrue(r.err().contains("run again with --reset --yes"), r.err());
        assertEquals(before, ToolsHarness.snapshot(dir));
    }

    @Test
    void resetWithYesEmptiesTheTableAndKeepsBackups() throws Exception {
        ToolsHarness.write(disk, one());
        byte[] old = Files.readAllBytes(disk.sidecar());
        Run r = run("repair", "--reset", "--yes", image.toString());
        assertEquals(0, r.status(), r.toString());
        List<Path> kept = printedBackups(r);
        assertEquals(kept, backups());
        assertArrayEquals(old, Files.readAllBytes(kept.get(0)));
        assertEquals(ReservationTable.empty(), ToolsHarness.read(disk));
    }

    @Test
    void dryRunChangesNothing() throws Exception {
        ToolsHarness.write(disk, one());
        Files.write(ToolsHarness.journalOf(disk), ToolsHarness.journal("PENDING", disk, 2, ReservationTable.empty()));
        String before = ToolsHarness.snapshot(dir);
        Run r = run("repair", "--dry-run", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("would finish the interrupted update"), r.out());
        assertTrue(r.out().contains("dry run: nothing was changed"), r.out());
        assertEquals(before, ToolsHarness.snapshot(dir));
    }

    @Test
    void aBrokenSidecarWithoutJournalIsRefusedWithAdvice() throws Exception {
        Files.writeString(disk.sidecar(), "garbage");
        Run r = run("repair", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("--reset --yes"), r.err());
        assertEquals("garbage", Files.readString(disk.sidecar()));
        assertEquals(List.of(), backups());
    }

    @Test
    void conflictingFlagsAreUsageErrors() throws Exception {
        assertEquals(2, run("repair", "--reset", "--accept-edits", image.toString()).status());
        assertEquals(2, run("repair", "--yes", image.toString()).status());
        assertEquals(2, run("repair").status());
        assertEquals(List.of(), backups());
    }
}
