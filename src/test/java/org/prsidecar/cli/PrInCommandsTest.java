package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.A_NAME;
import static org.prsidecar.cli.ToolsHarness.B;
import static org.prsidecar.cli.ToolsHarness.B_NAME;

import java.nio.file.Files;
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

/** The PR IN commands as an initiator, printed as sg_persist prints them. */
class PrInCommandsTest {

    @TempDir
    Path dir;
    Path image;
    Disk disk;

    @BeforeEach
    void disk() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        disk = ToolsHarness.diskOf(image);
    }

    Run as(String initiator, String command) {
        return ToolsHarness.run(command, "--initiator", initiator, image.toString());
    }

    void busy() throws Exception {
        ToolsHarness.write(disk, ReservationTable.empty().toBuilder().register(new Registration(A, 0xA))
                .register(new Registration(B, 0xB)).generation(2).aptpl(true)
                .reservation(Optional.of(Reservation.of(ReservationType.EXCLUSIVE_ACCESS, A))).build());
    }

    @Test
    void readKeysOnAFreshDiskWritesNothing() {
        Run r = as(A_NAME, "read-keys");
        assertEquals(0, r.status(), r.toString());
        assertEquals("  PR generation=0x0, there are NO registered reservation keys\n", r.out());
        assertTrue(!Files.exists(disk.sidecar()));
    }

    @Test
    void readKeysReservationAndFullStatus() throws Exception {
        busy();
        assertEquals("  PR generation=0x2, 2 registered reservation keys follow:\n    0xa\n    0xb\n",
                as(B_NAME, "read-keys").out());
        assertEquals("  PR generation=0x2, Reservation follows:\n    Key=0xa\n    scope: LU_SCOPE,  type: Exclusive"
                + " Access\n", as(B_NAME, "read-reservation").out());
        String full = as(B_NAME, "read-full-status").out();
        assertTrue(full.startsWith("  PR generation=0x2\n    Key=0xa\n      All target ports bit clear\n"
                + "      Relative port address: 0x1\n      << Reservation holder >>\n"
                + "      scope: LU_SCOPE,  type: Exclusive Access\n      Transport Id of initiator:\n"
                + "        iSCSI name: " + A_NAME + "\n"), full);
        assertTrue(full.contains("    Key=0xb\n      All target ports bit clear\n      Relative port address: 0x1\n"
                + "      not reservation holder\n"), full);
    }

    @Test
    void reportCapabilitiesShowsPersistThroughPowerLossActive() throws Exception {
        busy();
        String out = as(A_NAME, "report-capabilities").out();
        assertTrue(out.contains("Persist Through Power Loss Active(PTPL_A): 1"), out);
        assertTrue(out.contains("Specify Initiator Ports Capable(SIP_C): 1"), out);
        assertTrue(out.contains("      Exclusive Access, all registrants: 1"), out);
    }

    @Test
    void aPendingUnitAttentionIsReportedOnceInsteadOfTheData() throws Exception {
        ToolsHarness.write(disk, ReservationTable.empty().toBuilder().register(new Registration(A, 0xA)).generation(1)
                .queueUnitAttention(B, SenseData.REGISTRATIONS_PREEMPTED).build());
        Run first = as(B_NAME, "read-keys");
        assertEquals(6, first.status(), first.toString());
        assertTrue(first.err().contains("PR in (Read keys): CHECK CONDITION, Unit Attention, 2A/05 REGISTRATIONS"
                + " PREEMPTED"), first.err());
        assertTrue(ToolsHarness.read(disk).unitAttentions(B).isEmpty(), "reporting it consumed it");
        Run again = as(B_NAME, "read-keys");
        assertEquals(0, again.status(), again.toString());
        assertTrue(again.out().contains("1 registered reservation key follows:\n    0xa"), again.out());
    }
}
