package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.run;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;

/** prsidecar demo: every step answers as expected, and nothing is left behind. */
class DemoCommandTest {

    @TempDir
    Path tmp;

    static List<Path> contents(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.toList();
        }
    }

    @Test
    void theTourPassesAndLeavesNothingBehind() throws Exception {
        Run r = run("demo", "--tmp", tmp.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("[8/8] node1 reads the keys again"), r.out());
        assertEquals(8, r.out().lines().filter(l -> l.contains("(as expected)")).count(), r.out());
        assertTrue(r.out().contains("answer: RESERVATION CONFLICT  (as expected)"), r.out());
        assertTrue(r.out().contains("unit attention pending for " + DemoCommand.NODE1 + ": 2A/05 REGISTRATIONS"
                + " PREEMPTED"), r.out());
        assertTrue(r.out().contains("(written by node2)"), "each node writes as its own host: " + r.out());
        assertTrue(r.out().contains("all 8 steps gave the expected answers"), r.out());
        assertEquals(List.of(), contents(tmp), "the demo removes its directory, sockets included");
    }

    @Test
    void keptItsSidecarChecksCleanAndShowsNodeTwoHolding() throws Exception {
        Run r = run("demo", "--tmp", tmp.toString(), "--keep");
        assertEquals(0, r.status(), r.toString());
        List<Path> kept = contents(tmp);
        assertEquals(1, kept.size());
        Path image = kept.get(0).resolve("shared-disk.img");
        assertEquals(List.of(), contents(kept.get(0)).stream().filter(p -> p.toString().endsWith(".sock")).toList(),
                "the daemons removed their sockets");
        Run check = run("check", "--no-storage", image.toString());
        assertEquals(0, check.status(), check.toString());
        Run show = run("show", "--brief", image.toString());
        assertTrue(show.out().contains("0x2222  " + DemoCommand.NODE2 + "  << holder: Write Exclusive, registrants"
                + " only (5) >>"), show.out());
    }
}
