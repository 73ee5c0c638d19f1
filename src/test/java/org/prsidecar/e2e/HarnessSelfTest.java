package org.prsidecar.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.e2e.Guest.guest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Proves the Java e2e harness against src/test/e2e/stub_helper.py: real QEMU, real guest kernel, real
 * sg_persist, the stub as the helper. If this fails, no e2e test of the daemon can be trusted.
 */
@Tag("e2e")
class HarnessSelfTest {

    private static final String UUID_A = "0000000a-0000-4000-8000-00000000000a";
    private static final String UUID_B = "0000000b-0000-4000-8000-00000000000b";

    private static E2eHarness e2e;

    @BeforeAll
    static void buildHarness() {
        e2e = E2eHarness.get();
    }

    @Test
    @Timeout(180)
    void guestReadsTheKeysTheStubHolds() {
        try (StubHelper stub = e2e.startStub("--keys", "0xabc,0xdef"); LoopDisk disk = e2e.loopDisk()) {
            E2eHarness.awaitSocket(stub.socket(), Duration.ofSeconds(5));
            GuestResult r = e2e.guests(stub.socket(), disk).runOne(
                    guest("readkeys").lines("sg_persist --in --read-keys /dev/sda"));

            r.assertAllSucceeded().assertOutputContains(1, "2 registered reservation keys follow");
            assertEquals(List.of(0xabcL, 0xdefL), r.command(1).keys(), r::diagnostics);
            // sg_persist's READ KEYS: 5e/00, allocation length 8192 in CDB bytes 7-8
            JsonNode in = only(stub.requests(), stub);
            assertEquals("5e000000000000200000000000000000", in.path("cdb").asText(), stub::diagnostics);
            assertEquals(0, in.path("result").asInt(), stub::diagnostics);
            assertEquals(disk.device().toString(), in.path("fds").path(0).path("path").asText(),
                    "QEMU passes its fd of the loop device\n" + stub.diagnostics());
        }
    }

    @Test
    @Timeout(180)
    void registerReachesTheStubWithTheExactCdbAndParameterBytes() {
        try (StubHelper stub = e2e.startStub(); LoopDisk disk = e2e.loopDisk()) {
            GuestResult r = e2e.guests(stub.socket(), disk).runOne(guest("register").lines(
                    "sg_persist --out --register --param-sark=0x1234 /dev/sda",
                    "sg_persist --in --read-keys /dev/sda",
                    "sg_persist --out --reserve --param-rk=0x999 --prout-type=1 /dev/sda"));

            r.assertFinished().assertRc(1, 0).assertRc(2, 0).assertRc(3, 24);   // 24: RESERVATION CONFLICT
            assertEquals(List.of(0x1234L), r.command(2).keys(), r::diagnostics);
            List<JsonNode> out = stub.requests().stream().filter(e -> e.path("cdb").asText().startsWith("5f")).toList();
            assertEquals(2, out.size(), stub::diagnostics);
            // PR OUT REGISTER: service action 0, parameter list length 24 read from CDB bytes 7-8
            assertEquals("5f000000000000001800000000000000", out.get(0).path("cdb").asText(), stub::diagnostics);
            // RESERVATION KEY 0, SERVICE ACTION RESERVATION KEY 0x1234, obsolete, flags 0, reserved, obsolete
            assertEquals("0000000000000000" + "0000000000001234" + "00000000" + "00" + "00" + "0000",
                    out.get(0).path("param").asText(), stub::diagnostics);
            assertEquals(0, out.get(0).path("result").asInt(), stub::diagnostics);
            // PR OUT RESERVE, type 1 (write exclusive), with a key that is not registered
            assertEquals("5f010100000000001800000000000000", out.get(1).path("cdb").asText(), stub::diagnostics);
            assertEquals(0x18, out.get(1).path("result").asInt(), stub::diagnostics);
        }
    }

    @Test
    @Timeout(240)
    void twoGuestsInParallelOnOneDiskSeeEachOthersKeys() {
        try (StubHelper stub = e2e.startStub(); LoopDisk disk = e2e.loopDisk()) {
            GuestResults rs = e2e.guests(stub.socket(), disk).run(
                    guest("guestA").uuid(UUID_A).shell(registerThenWaitForBoth("0xa1")),
                    guest("guestB").uuid(UUID_B).shell(registerThenWaitForBoth("0xb2")));

            rs.assertAllSucceeded();
            for (GuestResult r : rs) {
                assertEquals(Set.of(0xa1L, 0xb2L), Set.copyOf(r.command(3).keys()), r::diagnostics);
            }
            // two QEMUs, each its own connection, told apart by -name and -uuid
            List<JsonNode> connects = stub.events("connect");
            Map<String, String> uuidByName = connects.stream().collect(Collectors.toMap(
                    c -> c.path("peer").path("name").asText(), c -> c.path("peer").path("uuid").asText()));
            assertEquals(Map.of("guestA", UUID_A, "guestB", UUID_B), uuidByName, stub::diagnostics);
            assertEquals(2, connects.stream().map(c -> c.path("peer").path("pid").asLong()).distinct().count(),
                    stub::diagnostics);
            double firstDisconnect = stub.events("disconnect").stream().mapToDouble(e -> e.path("t").asDouble())
                    .min().orElse(Double.MAX_VALUE);
            assertTrue(connects.stream().allMatch(c -> c.path("t").asDouble() < firstDisconnect),
                    "both QEMUs were connected at the same time\n" + stub.diagnostics());
            Set<String> fdPaths = stub.requests().stream().map(e -> e.path("fds").path(0).path("path").asText())
                    .collect(Collectors.toSet());
            assertEquals(Set.of(disk.device().toString()), fdPaths, stub::diagnostics);
            System.out.printf("two guests in parallel: %.2f s (A %.2f s, B %.2f s)%n", rs.wall().toMillis() / 1e3,
                    rs.get("guestA").wall().toMillis() / 1e3, rs.get("guestB").wall().toMillis() / 1e3);
        }
    }

    private static String registerThenWaitForBoth(String key) {
        return """
                run sg_persist --out --register --param-sark=%s /dev/sda
                run wait_for 60 has_keys 0xa1 0xb2
                run sg_persist --in --read-keys /dev/sda
                """.formatted(key);
    }

    @Test
    @Timeout(180)
    void qmpReportsThePrManagerConnectedThenTheLossOfTheHelper() {
        try (StubHelper stub = e2e.startStub(); LoopDisk disk = e2e.loopDisk()) {
            try (RunningGuest g = e2e.guests(stub.socket(), disk).start(guest("qmp").withQmp().lines(
                    "sg_persist --in --read-keys /dev/sda",
                    // poll until a PR command fails: the test stops the helper meanwhile
                    "wait_for 60 sh -c '! sg_persist --in --read-keys /dev/sda > /dev/null 2>&1'",
                    "sleep 2"));
                 Qmp qmp = g.qmp()) {
                assertEquals(List.of(new Qmp.PrManager("pr0", true)), qmp.queryPrManagers());
                stub.awaitRequests(1, Duration.ofSeconds(60));   // the guest's first READ KEYS was answered
                stub.close();
                qmp.awaitEvent("PR_MANAGER_STATUS_CHANGED", Map.of("id", "pr0", "connected", false),
                        Duration.ofSeconds(60));
                assertEquals(List.of(new Qmp.PrManager("pr0", false)), qmp.queryPrManagers());
                g.await().assertAllSucceeded();
            }
        }
    }

    @Test
    @Timeout(120)
    void killedQemuIsTheProcessTheHelperSawAndItsConnectionDrops() {
        try (StubHelper stub = e2e.startStub(); LoopDisk disk = e2e.loopDisk();
             RunningGuest g = e2e.guests(stub.socket(), disk).start(guest("victim").lines("sleep 60"))) {
            JsonNode connect = stub.awaitEvents("connect", 1, Duration.ofSeconds(30)).get(0);
            long qemuPid = g.qemu().orElseThrow(() -> new AssertionError("no QEMU under " + g.logDir())).pid();
            assertEquals(qemuPid, connect.path("peer").path("pid").asLong(), "SO_PEERCRED pid\n" + stub.diagnostics());

            g.kill();
            GuestResult r = g.await();

            assertFalse(r.finished(), r::diagnostics);
            assertEquals(2, r.exitCode(), r::diagnostics);
            assertEquals(137, r.qemuExitCode().orElse(-1), "QEMU died of SIGKILL\n" + r.diagnostics());
            stub.awaitEvents("disconnect", 1, Duration.ofSeconds(10));
        }
    }

    @Test
    @Timeout(60)
    void aGuestThatCannotStartFailsWithQemuErrAndTheConsoleInTheMessage() throws IOException {
        Path stale = e2e.socketPath("stale");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(stale));   // closed at once: the file stays, nobody listens
        }
        assertThrows(AssertionError.class, () -> E2eHarness.awaitSocket(stale, Duration.ofMillis(200)));
        try (LoopDisk disk = e2e.loopDisk()) {
            GuestResult r = e2e.guests(stale, disk).runOne(guest("refused").lines("true"));

            assertFalse(r.finished(), r::diagnostics);
            assertEquals(2, r.exitCode(), r::diagnostics);
            AssertionError e = assertThrows(AssertionError.class, r::assertFinished);
            assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
            assertTrue(e.getMessage().contains("--- qemu.err:\n"), e.getMessage());
            assertTrue(e.getMessage().contains("Connection refused"), e.getMessage());
            assertTrue(e.getMessage().contains("--- last console lines"), e.getMessage());
            assertTrue(e.getMessage().contains(r.logDir().toString()), e.getMessage());
        }
    }

    @Test
    @Timeout(90)
    void aHelperThatNeverHandshakesIsEndedByTheGuestTimeout() {
        try (StubHelper stub = e2e.startStub("--fault", "no-handshake"); LoopDisk disk = e2e.loopDisk()) {
            GuestResult r = e2e.guests(stub.socket(), disk).runOne(
                    guest("hung").timeout(Duration.ofSeconds(3)).lines("true"));

            assertFalse(r.finished(), r::diagnostics);
            assertEquals(2, r.exitCode(), r::diagnostics);
            int qrc = r.qemuExitCode().orElse(-1);
            assertTrue(qrc == 124 || qrc == 137, "QEMU ended by timeout(1), TERM or KILL: " + r.diagnostics());
            assertTrue(r.wall().compareTo(Duration.ofSeconds(15)) < 0, r::diagnostics);
        }
    }

    private static JsonNode only(List<JsonNode> events, StubHelper stub) {
        assertEquals(1, events.size(), stub::diagnostics);
        return events.get(0);
    }
}
