package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.A_NAME;
import static org.prsidecar.cli.ToolsHarness.B;
import static org.prsidecar.cli.ToolsHarness.B_NAME;
import static org.prsidecar.cli.ToolsHarness.C;
import static org.prsidecar.cli.ToolsHarness.C_NAME;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.Disk;

/** The administrative PR OUT commands: the table they leave, what they print, sg_persist's exit statuses. */
class PrOutCommandsTest {

    @TempDir
    Path dir;
    Path image;
    Disk disk;

    @BeforeEach
    void disk() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        disk = ToolsHarness.diskOf(image);
    }

    Run as(String initiator, String command, String... args) {
        String[] all = new String[args.length + 4];
        all[0] = command;
        all[1] = "--initiator";
        all[2] = initiator;
        System.arraycopy(args, 0, all, 3, args.length);
        all[all.length - 1] = image.toString();
        return ToolsHarness.run(all);
    }

    ReservationTable table() throws Exception {
        return ToolsHarness.read(disk);
    }

    /** A and B registered (0xa, 0xb); A holds Write Exclusive, registrants only. */
    void aHoldsWithBRegistered() {
        assertEquals(0, as(A_NAME, "register", "--param-sark", "a").status());
        assertEquals(0, as(B_NAME, "register", "--param-sark", "0xb").status());
        assertEquals(0, as(A_NAME, "reserve", "-K", "a", "-T", "WE_RO").status());
    }

    @Test
    void registerPrintsGoodAndRegistersTheKeyInHex() throws Exception {
        Run r = as(A_NAME, "register", "--param-sark", "10");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("PR out (Register): GOOD\n"), r.out());
        assertEquals(0x10, table().registration(A).orElseThrow().key(), "keys are hex, as in sg_persist");
        assertEquals(1, table().generation());
    }

    @Test
    void registerWithAptplAllTargetPortsAndSpecifiedInitiators() throws Exception {
        Run r = as(A_NAME, "register", "-S", "0xa", "--param-aptpl", "--param-alltgpt", "--transport-id", B_NAME);
        assertEquals(0, r.status(), r.toString());
        ReservationTable t = table();
        assertTrue(t.aptpl());
        assertTrue(t.registration(A).orElseThrow().allTargetPorts());
        assertEquals(0xA, t.registration(B).orElseThrow().key(), "SPEC_I_PT registered B too");
    }

    @Test
    void registeringAgainWithTheWrongKeyIsAReservationConflict() throws Exception {
        as(A_NAME, "register", "-S", "a");
        Run r = as(A_NAME, "register", "-S", "b");
        assertEquals(24, r.status(), r.toString());
        assertTrue(r.err().startsWith("PR out (Register): RESERVATION CONFLICT\n"), r.err());
        assertEquals(0xA, table().registration(A).orElseThrow().key());
    }

    @Test
    void registerIgnoreReplacesWhateverKeyIsThere() throws Exception {
        as(A_NAME, "register", "-S", "a");
        assertEquals(0, as(A_NAME, "register-ignore", "-S", "aa").status());
        assertEquals(0xAA, table().registration(A).orElseThrow().key());
    }

    @Test
    void reserveAndTheOtherInitiatorsConflict() throws Exception {
        aHoldsWithBRegistered();
        assertEquals(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, A), table().reservation()
                .orElseThrow());
        Run r = as(B_NAME, "reserve", "-K", "b", "--prout-type", "5");
        assertEquals(24, r.status(), r.toString());
    }

    @Test
    void releaseWithAnotherTypeIsIllegalRequest2604AndExit5() throws Exception {
        aHoldsWithBRegistered();
        Run r = as(A_NAME, "release", "-K", "a", "-T", "1");
        assertEquals(5, r.status(), r.toString());
        assertTrue(r.err().contains("CHECK CONDITION, Illegal Request, 26/04 INVALID RELEASE OF PERSISTENT"
                + " RESERVATION"), r.err());
        assertTrue(table().reservation().isPresent());
        assertEquals(0, as(A_NAME, "release", "-K", "a", "-T", "WRITE_EXCLUSIVE_REGISTRANTS_ONLY").status());
        assertTrue(table().reservation().isEmpty());
        assertEquals(List.of(SenseData.RESERVATIONS_RELEASED), table().unitAttentions(B));
    }

    @Test
    void anUndefinedTypeIsSentAndAnswered2400() {
        as(A_NAME, "register", "-S", "a");
        Run r = as(A_NAME, "reserve", "-K", "a", "-T", "2");
        assertEquals(5, r.status(), r.toString());
        assertTrue(r.err().contains("24/00 INVALID FIELD IN CDB"), r.err());
    }

    @Test
    void clearRemovesEverythingAndTellsTheOthers() throws Exception {
        aHoldsWithBRegistered();
        assertEquals(0, as(B_NAME, "clear", "-K", "b").status());
        ReservationTable t = table();
        assertEquals(0, t.registrationCount());
        assertTrue(t.reservation().isEmpty());
        assertEquals(List.of(SenseData.RESERVATIONS_PREEMPTED), t.unitAttentions(A));
    }

    @Test
    void preemptIsAFailoverAndThePreemptedInitiatorGetsAUnitAttentionExit6() throws Exception {
        aHoldsWithBRegistered();
        Run r = as(B_NAME, "preempt", "-K", "b", "-S", "a", "-T", "5");
        assertEquals(0, r.status(), r.toString());
        ReservationTable t = table();
        assertFalse(t.isRegistered(A));
        assertEquals(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, B), t.reservation().orElseThrow());
        Run ua = as(A_NAME, "register", "-S", "a");
        assertEquals(6, ua.status(), ua.toString());
        assertTrue(ua.err().contains("Unit Attention, 2A/05 REGISTRATIONS PREEMPTED"), ua.err());
        assertTrue(ua.err().contains("run the command again"), ua.err());
        assertFalse(table().isRegistered(A), "the command was not run");
        assertEquals(0, as(A_NAME, "register", "-S", "a").status());
    }

    @Test
    void preemptAndAbortAlsoReportsCommandsCleared() throws Exception {
        aHoldsWithBRegistered();
        assertEquals(0, as(B_NAME, "preempt-abort", "-K", "b", "-S", "a", "-T", "5").status());
        assertEquals(List.of(SenseData.REGISTRATIONS_PREEMPTED, SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR),
                table().unitAttentions(A));
    }

    @Test
    void registerMoveHandsTheReservationToAnotherInitiator() throws Exception {
        as(A_NAME, "register", "-S", "a");
        as(A_NAME, "reserve", "-K", "a", "-T", "WE");
        Run r = as(A_NAME, "register-move", "-K", "a", "-S", "c", "--transport-id", C_NAME, "--unreg");
        assertEquals(0, r.status(), r.toString());
        ReservationTable t = table();
        assertEquals(0xC, t.registration(C).orElseThrow().key());
        assertFalse(t.isRegistered(A));
        assertEquals(Reservation.of(ReservationType.WRITE_EXCLUSIVE, C), t.reservation().orElseThrow());
    }

    @Test
    void aMissingInitiatorIsASyntaxErrorThatSaysWhatToGive() throws Exception {
        Run r = ToolsHarness.run("register", "-S", "a", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("Missing --initiator NAME"), r.err());
        assertFalse(Files.exists(disk.sidecar()), "nothing was sent");
    }

    @Test
    void badKeysTypesAndTransportIdsAreSyntaxErrors() {
        assertEquals(1, as(A_NAME, "register", "-S", "xyz").status());
        assertEquals(1, as(A_NAME, "reserve", "-K", "a", "-T", "WX").status());
        Run noType = as(A_NAME, "reserve", "-K", "a");
        assertEquals(1, noType.status());
        assertTrue(noType.err().contains("Missing --prout-type"), noType.err());
        assertEquals(1, as(A_NAME, "register-move", "-K", "a", "-S", "c").status());
        assertEquals(1, as(A_NAME, "register", "-S", "a", "-X", "has space").status());
        assertEquals(1, as("not an initiator", "register", "-S", "a").status());
    }

    @Test
    void aDiskThatCannotBeResolvedIsExit15() {
        Run r = ToolsHarness.run("register", "--initiator", A_NAME, "-S", "a", dir.resolve("missing.img").toString());
        assertEquals(15, r.status(), r.toString());
        assertTrue(r.err().contains("missing.img: no such file or device"), r.err());
    }

    @Test
    void anUnusableSidecarIsNotReadyExit2AndStaysAsItIs() throws Exception {
        Files.writeString(disk.sidecar(), "garbage");
        Run r = as(A_NAME, "register", "-S", "a");
        assertEquals(2, r.status(), r.toString());
        assertTrue(r.err().contains("Not Ready, 04/03"), r.err());
        assertTrue(r.err().contains("prsidecar check"), r.err());
        assertEquals("garbage", Files.readString(disk.sidecar()));
    }

    @Test
    void aLockHeldElsewhereIsBusyExit26() throws Exception {
        as(A_NAME, "register", "-S", "a");
        try (LockedFile held = FileLocks.system().open(disk.sidecar(), OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE,
                Duration.ofSeconds(1))) {
            Run r = as(B_NAME, "register", "-S", "b", "--lock-timeout", "200ms");
            assertEquals(26, r.status(), r.toString());
            assertTrue(r.err().startsWith("PR out (Register): BUSY"), r.err());
        }
        assertFalse(table().isRegistered(B));
    }

    @Test
    void theSidecarPathAndAConfiguredDiskWorkToo() throws Exception {
        assertEquals(0, ToolsHarness.run("register", "--initiator", A_NAME, "-S", "a", disk.sidecar().toString())
                .status());
        assertEquals(0xA, table().registration(A).orElseThrow().key());
        Path sidecars = Files.createDirectory(dir.resolve("sidecars"));
        Run r = ToolsHarness.run("register", "--initiator", B_NAME, "-S", "b", "--sidecar-dir", sidecars.toString(),
                "--disk", "quorum=" + image, image.toString());
        assertEquals(0, r.status(), r.toString());
        Disk configured = new Disk("quorum", sidecars.resolve("quorum.json"));
        assertEquals(0xB, ToolsHarness.read(configured).registration(B).orElseThrow().key(),
                "a configured disk's sidecar is the daemon's: in the sidecar directory, named by its id");
        assertFalse(table().isRegistered(B));
    }

    @Test
    void everyCommandHasHelpWithItsExitStatuses() {
        for (String c : new String[] {"register", "register-ignore", "reserve", "release", "clear", "preempt",
            "preempt-abort", "register-move", "read-keys", "read-reservation", "read-full-status",
            "report-capabilities", "show", "check", "repair", "power-cycle", "demo"}) {
            Run r = ToolsHarness.run(c, "--help");
            assertEquals(0, r.status(), c + ": " + r);
            assertTrue(r.out().contains("Exit status"), c + ": " + r.out());
            assertTrue(r.out().contains("Usage: prsidecar " + c), c + ": " + r.out());
        }
    }
}
