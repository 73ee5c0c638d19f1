package org.prsidecar.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The console parser, on consoles as the guest prints them (taken from real runs). No QEMU needed. */
class FramedOutputTest {

    @Test
    void lineModeRunGivesEachCommandItsOutputAndRc() {
        FramedOutput f = FramedOutput.parse(List.of(
                "SeaBIOS (version 1.16.2-debian-1.16.2-1)",
                "[    0.000000] Linux version 6.1.0-56-amd64",
                "@@PR-E2E BEGIN uptime=2.93 disk=/dev/sda",
                "@@PR-E2E CMD 1 sg_persist --out --reserve --param-rk=0x999 --prout-type=1 /dev/sda",
                "  PRE2E     SHIM-DISK         0001",
                "PR out (Reserve): Reservation conflict",
                "@@PR-E2E RC 1 24",
                "@@PR-E2E CMD 2 sg_persist --in --read-reservation /dev/sda",
                "  PR generation=0x1, Reservation follows:",
                "    Key=0x1234",
                "    scope: LU_SCOPE,  type: Write Exclusive, registrants only",
                "@@PR-E2E RC 2 0",
                "@@PR-E2E END uptime=3.41",
                "[    3.465567] reboot: Power down"));

        assertTrue(f.begun());
        assertTrue(f.ended());
        assertEquals(2.93, f.bootUptime().orElseThrow(), 1e-9);
        assertEquals("/dev/sda", f.disk());
        assertEquals(2, f.commands().size());
        CommandResult reserve = f.commands().get(0);
        assertEquals(1, reserve.index());
        assertEquals("sg_persist --out --reserve --param-rk=0x999 --prout-type=1 /dev/sda", reserve.command());
        assertEquals(24, reserve.rc());
        assertEquals(List.of("  PRE2E     SHIM-DISK         0001", "PR out (Reserve): Reservation conflict"),
                reserve.output());
        assertEquals(0x1234L, f.commands().get(1).reservationKey());
        assertEquals(OptionalInt.empty(), f.scriptRc());
        assertEquals(List.of(), f.otherLines(), "kernel lines after END are not output");
    }

    @Test
    void wholeScriptModeKeepsUnframedLinesAndTheScriptRc() {
        FramedOutput f = FramedOutput.parse(List.of(
                "@@PR-E2E WARN insmod sg.ko failed",
                "@@PR-E2E BEGIN uptime=3.34 disk=/dev/sda",
                "waiting for the other node",
                "@@PR-E2E CMD 1 sg_persist --in --read-keys /dev/sda",
                "  PR generation=0x2, 2 registered reservation keys follow:",
                "    0xa1",
                "    0xFFFFFFFFFFFFFFFF",
                "@@PR-E2E RC 1 0",
                "@@PR-E2E SCRIPT-RC 7",
                "@@PR-E2E END uptime=4.25"));

        assertEquals(List.of(0xa1L, -1L), f.commands().get(0).keys(), "keys are unsigned 64-bit");
        assertEquals(OptionalInt.of(7), f.scriptRc());
        assertEquals(List.of("waiting for the other node"), f.otherLines());
        assertEquals(List.of("WARN insmod sg.ko failed"), f.warnings());
    }

    @Test
    void noKeysListedIsAnEmptyList() {
        FramedOutput f = FramedOutput.parse(List.of(
                "@@PR-E2E BEGIN uptime=2.5 disk=/dev/sda",
                "@@PR-E2E CMD 1 sg_persist --in --read-keys /dev/sda",
                "  PR generation=0x0, there are NO registered reservation keys",
                "@@PR-E2E RC 1 0",
                "@@PR-E2E CMD 2 sg_persist --in --read-reservation /dev/sda",
                "  PR generation=0x0, there is NO reservation held",
                "@@PR-E2E RC 2 0",
                "@@PR-E2E END uptime=2.6"));

        assertEquals(List.of(), f.commands().get(0).keys());
        assertNull(f.commands().get(1).reservationKey());
    }

    @Test
    void guestThatDiesInsideACommandLeavesItWithoutRc() {
        FramedOutput f = FramedOutput.parse(List.of(
                "@@PR-E2E BEGIN uptime=2.9 disk=/dev/sda",
                "@@PR-E2E CMD 1 sg_persist --in --read-keys /dev/sda",
                "@@PR-E2E RC 1 0",
                "@@PR-E2E CMD 2 sg_persist --out --register --param-sark=0x1 /dev/sda",
                "[   12.000000] sd 0:0:0:0: [sda] tag#0 abort"));

        assertTrue(f.begun());
        assertFalse(f.ended());
        assertEquals(2, f.commands().size());
        assertTrue(f.commands().get(0).completed());
        CommandResult cut = f.commands().get(1);
        assertFalse(cut.completed());
        assertEquals(CommandResult.NO_RC, cut.rc());
        assertEquals(List.of("[   12.000000] sd 0:0:0:0: [sda] tag#0 abort"), cut.output());
    }

    @Test
    void consoleWithoutBeginHasNoCommandsAndCarriageReturnsAreStripped() {
        FramedOutput never = FramedOutput.parse(List.of("SeaBIOS", "Kernel panic - not syncing: VFS"));
        assertFalse(never.begun());
        assertFalse(never.ended());
        assertEquals(List.of(), never.commands());

        FramedOutput crlf = FramedOutput.parse(List.of("@@PR-E2E BEGIN uptime=1.0 disk=none\r",
                "@@PR-E2E CMD 1 true\r", "@@PR-E2E RC 1 3\r", "@@PR-E2E END uptime=1.1\r"));
        assertEquals("none", crlf.disk());
        assertEquals(3, crlf.commands().get(0).rc());
        assertTrue(crlf.ended());
    }
}
