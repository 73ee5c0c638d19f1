package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.HelperTestSupport.Child;

/**
 * One initiator per VM, with real processes: a {@code prsidecar serve} without --initiator
 * and child JVMs standing in for QEMU, whose own argv carries {@code -uuid} and {@code -name}
 * (the helper reads them from /proc/PID/cmdline through SO_PEERCRED's pid).
 */
class PerVmIdentityTest {
    static final String PREFIX = "iqn.2026-11.org.prsidecar";
    static final String UUID_A = "0b7f4a6e-1111-4c3d-9e8f-00000000000a";
    static final String UUID_B = "0b7f4a6e-2222-4c3d-9e8f-00000000000b";
    static final String VM_A = PREFIX + ":vm:" + UUID_A;
    static final String VM_B = PREFIX + ":vm:" + UUID_B;
    static final int WE = 1;
    static final int EA = 3;

    @TempDir
    static Path dir;
    static Path socket;
    static ServeProcess serve;
    Path image;
    final List<Child> children = new ArrayList<>();

    @BeforeAll
    static void startServe() throws Exception {
        socket = dir.resolve("pr.sock");
        Path conf = dir.resolve("empty.conf");
        Files.writeString(conf, "# nothing\n");
        Files.createDirectories(dir.resolve("sidecars"));
        serve = ServeProcess.start(dir.resolve("serve.log"), Map.of(), "serve", "-k", socket.toString(), "-c",
                conf.toString(), "--sidecar-dir", dir.resolve("sidecars").toString()).awaitReady(Duration.ofSeconds(60));
    }

    @AfterAll
    static void stopServe() throws Exception {
        serve.terminate();
        assertEquals(0, serve.waitFor(Duration.ofSeconds(20)), serve.log());
    }

    @BeforeEach
    void image(TestInfo test) throws Exception {
        image = dir.resolve(test.getTestMethod().orElseThrow().getName() + ".img");
        Files.write(image, new byte[4096]);
    }

    @AfterEach
    void stopChildren() throws Exception {
        for (Child c : children) {
            c.close();
        }
    }

    /** A fake QEMU with these options in its own argv, connected to the helper. */
    private Child qemu(boolean expectConnected, String... qemuOptions) throws Exception {
        List<String> args = new ArrayList<>(List.of(socket.toString(), image.toString()));
        args.addAll(List.of(qemuOptions));
        Child c = new Child(new ProcessBuilder(HelperTestSupport.javaCommand(List.of(), FakeQemuMain.class.getName(),
                args)).redirectError(ProcessBuilder.Redirect.INHERIT));
        children.add(c);
        c.awaitLine("STARTED", Duration.ofSeconds(60));
        String connected = c.ask("connect");
        if (expectConnected) {
            assertEquals("CONNECTED", connected);
        } else {
            assertTrue(connected.startsWith("REFUSED"), connected);
        }
        return c;
    }

    private Child vm(String uuid, String name) throws Exception {
        return qemu(true, "-name", "guest=" + name + ",debug-threads=on", "-uuid", uuid, "-m", "512");
    }

    @Test
    void twoVmsAreTwoInitiators() throws Exception {
        Child a = vm(UUID_A, "node-a");
        Child b = vm(UUID_B, "node-b");
        assertEquals("STATUS 0", a.ask("register 0 a"));
        assertEquals("STATUS 0", b.ask("register 0 b"));
        assertEquals("STATUS 0", a.ask("reserve a " + WE));
        assertEquals("STATUS 24", b.ask("reserve b " + WE), "B is another initiator: RESERVATION CONFLICT");
        assertEquals("FULL 2 " + VM_A + "=a* " + VM_B + "=b", b.ask("fullstatus"));
    }

    @Test
    void vmWithOnlyANameIsNamedByIt() throws Exception {
        Child a = qemu(true, "-name", "guest=lonely,debug-threads=on");
        assertEquals("STATUS 0", a.ask("register 0 5"));
        assertEquals("FULL 1 " + PREFIX + ":name:lonely=5", a.ask("fullstatus"));
    }

    @Test
    void processWithoutUuidOrNameIsRefused() throws Exception {
        qemu(false, "-m", "512", "-nographic");
        serve.awaitLog(Duration.ofSeconds(10), "neither -uuid nor -name");
    }

    /**
     * SPC reference 7.9: the migration destination (a new QEMU process of the same VM, so the
     * same initiator) replays REGISTER RK=0 SARK=K then PREEMPT RK=K SARK=K type T; both are
     * GOOD and the table is as before, apart from the generation.
     */
    @Test
    void liveMigrationReplayOnQemu11KeepsTheRegistrationAndReservation() throws Exception {
        Child other = vm(UUID_B, "node-b");
        assertEquals("STATUS 0", other.ask("register 0 b"));
        Child source = vm(UUID_A, "node-a");
        assertEquals("STATUS 0", source.ask("register 0 a"));
        assertEquals("STATUS 0", source.ask("reserve a " + EA));
        String before = source.ask("fullstatus");
        assertEquals("FULL 2 " + VM_A + "=a* " + VM_B + "=b", before);

        Child destination = vm(UUID_A, "node-a"); // same VM, new process (another pid and start time)
        assertNotEquals(source.pid(), destination.pid());
        assertEquals("STATUS 0", destination.ask("register 0 a"), "REGISTER replay with RK=0 SARK=K");
        assertEquals("STATUS 0", destination.ask("preempt a a " + EA), "PREEMPT replay RK=K SARK=K type T");
        assertTrue(destination.ask("readres 24").matches("RES \\d+ a " + EA), "QEMU 11 reads the reservation back");
        String after = destination.ask("fullstatus");
        assertEquals(before.replaceFirst("FULL \\d+ ", ""), after.replaceFirst("FULL \\d+ ", ""),
                "same registrations, same holder and type");
        assertEquals("KEYS", other.ask("readkeys").substring(0, 4), "the other VM got no unit attention");

        source.closeStdin(); // the source QEMU exits after migration
        // the replay rule is for another process only: the same process's REGISTER RK=0 still conflicts
        assertEquals("STATUS 24", destination.ask("register 0 a"));
        assertEquals("STATUS 0", destination.ask("register a a1"), "the destination now owns the registration");
        assertEquals("STATUS 0", destination.ask("release a1 " + EA));
    }

    /** QEMU older than 11 replays nothing: the new process just goes on with the key it knows. */
    @Test
    void liveMigrationOnOlderQemuJustContinues() throws Exception {
        Child source = vm(UUID_A, "node-a");
        assertEquals("STATUS 0", source.ask("register 0 a"));
        assertEquals("STATUS 0", source.ask("reserve a " + WE));
        source.closeStdin();
        Child destination = vm(UUID_A, "node-a");
        assertTrue(destination.ask("readres").matches("RES \\d+ a " + WE), "the reservation followed the VM");
        assertEquals("STATUS 0", destination.ask("reserve a " + WE), "holder re-reserving the same type: GOOD");
        assertEquals("STATUS 0", destination.ask("register a a2"));
        assertTrue(destination.ask("readres").matches("RES \\d+ a2 " + WE));
        assertEquals("STATUS 0", destination.ask("release a2 " + WE));
        assertTrue(destination.ask("readres").matches("RES \\d+ none"));
    }

    @Test
    void anotherVmReplayingSomeoneElsesKeyGetsNothing() throws Exception {
        Child a = vm(UUID_A, "node-a");
        assertEquals("STATUS 0", a.ask("register 0 a"));
        Child b = vm(UUID_B, "node-b");
        assertEquals("STATUS 0", b.ask("register 0 a"), "B registers the same key value: its own registration");
        assertEquals("FULL 2 " + VM_A + "=a " + VM_B + "=a", b.ask("fullstatus"));
    }
}
