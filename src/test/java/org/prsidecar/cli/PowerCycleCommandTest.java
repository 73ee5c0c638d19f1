package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.A_NAME;
import static org.prsidecar.cli.ToolsHarness.B;
import static org.prsidecar.cli.ToolsHarness.run;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.Disk;

/** prsidecar power-cycle applies the APTPL rule through the store and prints before and after. */
class PowerCycleCommandTest {

    @TempDir
    Path dir;
    Path image;
    Disk disk;

    @BeforeEach
    void disk() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        disk = ToolsHarness.diskOf(image);
    }

    static ReservationTable table(boolean aptpl) {
        return ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).register(new Registration(B, 0xB))
                .generation(7).aptpl(aptpl)
                .reservation(Optional.of(Reservation.of(ReservationType.WRITE_EXCLUSIVE, A)))
                .queueUnitAttention(B, SenseData.RESERVATIONS_RELEASED).build();
    }

    @Test
    void withAptplTheRegistrationsAndReservationSurvive() throws Exception {
        ToolsHarness.write(disk, table(true));
        Run r = run("power-cycle", image.toString());
        assertEquals(0, r.status(), r.toString());
        ReservationTable after = ToolsHarness.read(disk);
        assertEquals(0, after.generation());
        assertEquals(2, after.registrationCount());
        assertEquals(table(true).reservation(), after.reservation());
        assertTrue(after.unitAttentions().isEmpty());
        int before = r.out().indexOf("before:\n  generation 0x7, APTPL on");
        int afterAt = r.out().indexOf("after:\n  generation 0x0, APTPL on");
        assertTrue(before >= 0 && afterAt > before, r.out());
        assertTrue(r.out().contains("0xa  " + A_NAME + "  << holder: Write Exclusive (1) >>"), r.out());
        assertTrue(r.out().contains("APTPL was on"), r.out());
    }

    @Test
    void withoutAptplTheTableEmpties() throws Exception {
        ToolsHarness.write(disk, table(false));
        Run r = run("power-cycle", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals(ReservationTable.empty(), ToolsHarness.read(disk));
        assertTrue(r.out().contains("after:\n  generation 0x0, APTPL off"), r.out());
        assertTrue(r.out().contains("no registrations, no reservation"), r.out());
        assertTrue(r.out().contains("APTPL was off: the power cycle cleared"), r.out());
    }

    @Test
    void dryRunShowsTheResultAndWritesNothing() throws Exception {
        ToolsHarness.write(disk, table(false));
        String before = ToolsHarness.snapshot(dir);
        Run r = run("power-cycle", "--dry-run", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("after (dry run, not written):"), r.out());
        assertEquals(before, ToolsHarness.snapshot(dir));
        assertEquals(table(false), ToolsHarness.read(disk));
    }

    @Test
    void anUnusableSidecarIsExit1AndUntouched() throws Exception {
        java.nio.file.Files.writeString(disk.sidecar(), "{");
        Run r = run("power-cycle", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("is not usable"), r.err());
        assertEquals("{", java.nio.file.Files.readString(disk.sidecar()));
    }
}
