package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.HostName;
import org.prsidecar.posix.PeerCredentials;
import org.prsidecar.reservation.Nexus;

/** Who a connecting QEMU is, from a fake /proc tree (ProcessTable takes a root). */
class IdentityResolverTest {
    static final String PREFIX = "iqn.2026-11.org.prsidecar";
    static final String UUID = "5b1d3e2a-7c44-4f0e-9d21-0a1b2c3d4e5f";

    @TempDir
    Path proc;
    ProcessTable table;
    IdentityResolver perVm;

    @BeforeEach
    void setUp() {
        table = new ProcessTable(proc);
        perVm = IdentityResolver.perVm(PREFIX, table);
    }

    /** /proc/PID/cmdline (NUL after each argument), stat with start time {@code start}, exe. */
    private PeerCredentials process(int pid, long start, String... argv) throws Exception {
        Path p = Files.createDirectories(proc.resolve(Integer.toString(pid)));
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String a : argv) {
            b.write(a.getBytes(StandardCharsets.UTF_8));
            b.write(0);
        }
        Files.write(p.resolve("cmdline"), b.toByteArray());
        // field 2 with a space and parentheses, as a thread name can have; start time is field 22
        StringBuilder stat = new StringBuilder(pid + " (qemu (x) kvm) S");
        for (int field = 4; field <= 21; field++) {
            stat.append(' ').append(field * 10);
        }
        stat.append(' ').append(start).append(" 1000 2000\n");
        Files.writeString(p.resolve("stat"), stat.toString());
        Files.deleteIfExists(p.resolve("exe"));
        Files.createSymbolicLink(p.resolve("exe"), Path.of("/usr/bin/qemu-system-x86_64"));
        return new PeerCredentials(pid, 64055, 64055);
    }

    private String initiator(String... argv) throws Exception {
        return perVm.resolve(process(4242, 1, argv)).initiator();
    }

    @Test
    void uuidNamesTheInitiator() throws Exception {
        assertEquals(PREFIX + ":vm:" + UUID,
                initiator("qemu-system-x86_64", "-name", "guest=node1", "-uuid", UUID, "-m", "1024"));
    }

    @Test
    void doubleDashUuidToo() throws Exception {
        assertEquals(PREFIX + ":vm:" + UUID, initiator("qemu-system-x86_64", "--uuid", UUID));
    }

    @Test
    void uuidIsLowerCased() throws Exception {
        assertEquals(PREFIX + ":vm:" + UUID, initiator("qemu", "-uuid", UUID.toUpperCase()));
    }

    @Test
    void malformedUuidFallsBackToTheName() throws Exception {
        assertEquals(PREFIX + ":name:node1", initiator("qemu", "-uuid", "not-a-uuid", "-name", "node1"));
    }

    @Test
    void libvirtStyleGuestName() throws Exception {
        assertEquals(PREFIX + ":name:node1", initiator("qemu", "-name", "guest=node1,debug-threads=on"));
    }

    @Test
    void legacyNameWithProcess() throws Exception {
        assertEquals(PREFIX + ":name:node2", initiator("qemu", "-name", "node2,process=qemu-node2"));
        assertEquals(PREFIX + ":name:node2", initiator("qemu", "--name", "node2"));
    }

    @Test
    void doubledCommaIsAnEscapedComma() {
        assertEquals(Optional.of("a,b"), QemuCommandLine.guestName("guest=a,,b,debug-threads=on"));
        assertEquals(Optional.of("x,y"), QemuCommandLine.guestName("x,,y,process=p"));
        assertEquals(Optional.empty(), QemuCommandLine.guestName("process=p,debug-threads=on"));
        assertEquals(Optional.empty(), QemuCommandLine.guestName("guest="));
    }

    @Test
    void optionValuesAreNotTakenForOptions() {
        // "-name" as the value of -device must not be read as the option
        QemuCommandLine q = QemuCommandLine.parse(List.of("qemu", "-device", "x", "-name"));
        assertEquals(Optional.empty(), q.name(), "-name with no value");
        assertEquals(Optional.empty(), q.uuid());
    }

    @Test
    void nameNeedingSanitisingGetsAHashSoDistinctNamesStayDistinct() throws Exception {
        String a = initiator("qemu", "-name", "guest=VM1");
        String b = initiator("qemu", "-name", "guest=vm1");
        assertEquals(PREFIX + ":name:vm1", b, "an already valid name is kept as is");
        assertTrue(a.startsWith(PREFIX + ":name:vm1-") && a.length() == b.length() + 9, a);
        assertNotEquals(Nexus.iscsi(a), Nexus.iscsi(b), "iSCSI names compare case-insensitively: the hash"
                + " is what keeps VM1 and vm1 apart");
        String space = initiator("qemu", "-name", "guest=web 01");
        String underscore = initiator("qemu", "-name", "guest=web_01");
        assertTrue(space.startsWith(PREFIX + ":name:web-01-"), space);
        assertTrue(underscore.startsWith(PREFIX + ":name:web-01-"), underscore);
        assertNotEquals(space, underscore);
        assertEquals(space, initiator("qemu", "-name", "guest=web 01"), "stable: same name, same initiator");
        String comma = initiator("qemu", "-name", "guest=a,,b");
        assertTrue(comma.startsWith(PREFIX + ":name:a-b-"), comma);
    }

    @Test
    void veryLongAndNonAsciiNamesStillMakeValidDistinctInitiators() throws Exception {
        String longName = "x".repeat(300);
        String l1 = initiator("qemu", "-name", "guest=" + longName);
        String l2 = initiator("qemu", "-name", "guest=" + longName + "y");
        assertNotEquals(l1, l2);
        assertTrue(l1.length() <= 223, "an iSCSI name is at most 223 bytes: " + l1.length());
        String greek = initiator("qemu", "-name", "guest=κόμβος");
        assertTrue(greek.matches("[a-z0-9.:-]+"), greek);
    }

    @Test
    void neitherUuidNorNameIsRefusedWithAClearMessage() throws Exception {
        PeerCredentials p = process(77, 5, "qemu-system-x86_64", "-m", "512", "-nographic");
        IdentityException e = assertThrows(IdentityException.class, () -> perVm.resolve(p));
        assertTrue(e.getMessage().contains("neither -uuid nor -name"), e.getMessage());
        assertTrue(e.getMessage().contains("pid 77"), e.getMessage());
        assertTrue(e.getMessage().contains("--initiator"), "says what to do instead: " + e.getMessage());
        assertTrue(e.getMessage().contains("/usr/bin/qemu-system-x86_64"), "names the executable: " + e.getMessage());
    }

    @Test
    void processThatIsGoneIsRefused() {
        IdentityException e = assertThrows(IdentityException.class,
                () -> perVm.resolve(new PeerCredentials(9999, 0, 0)));
        assertTrue(e.getMessage().contains("cannot read the command line of pid 9999"), e.getMessage());
    }

    @Test
    void perUidRuleNeedsNoCommandLine() throws Exception {
        IdentityResolver r = IdentityResolver.perUid("iqn.2000-01.com.example", table);
        PeerIdentity who = r.resolve(new PeerCredentials(9999, 107, 107));
        assertEquals("iqn.2000-01.com.example:uid:107", who.initiator());
        assertEquals(IdentityResolver.Rule.UID, r.rule());
    }

    @Test
    void fixedRuleGivesEveryConnectionTheSameInitiator() throws Exception {
        IdentityResolver r = IdentityResolver.fixed("iqn.2026-11.com.example:host-a", table);
        assertEquals("iqn.2026-11.com.example:host-a", r.resolve(process(10, 1, "qemu")).initiator());
        assertEquals("iqn.2026-11.com.example:host-a", r.resolve(process(11, 1, "qemu", "-uuid", UUID)).initiator());
        assertEquals(Nexus.TARGET_PORT, r.resolve(process(12, 1, "qemu")).nexus().relativeTargetPortId());
    }

    @Test
    void fixedRuleRefusesAMalformedNameAtOnce() {
        assertThrows(IllegalArgumentException.class, () -> IdentityResolver.fixed("", table));
    }

    @Test
    void clientIsHostPidAndStartTime() throws Exception {
        PeerIdentity who = perVm.resolve(process(4242, 987654, "qemu", "-uuid", UUID));
        assertEquals(Optional.of(HostName.get() + "/4242/987654"), who.client());
        assertTrue(who.description().contains("pid 4242") && who.description().contains("uid 64055"),
                who.description());
    }

    @Test
    void samePidRestartedIsAnotherClient() throws Exception {
        PeerIdentity before = perVm.resolve(process(4242, 100, "qemu", "-uuid", UUID));
        Files.writeString(proc.resolve("4242/stat"),
                Files.readString(proc.resolve("4242/stat")).replace(" 100 1000 2000", " 200 1000 2000"));
        PeerIdentity after = perVm.resolve(new PeerCredentials(4242, 64055, 64055));
        assertEquals(before.nexus(), after.nexus(), "same VM, same initiator");
        assertNotEquals(before.client(), after.client(), "a reused pid is a different process");
    }

    @Test
    void clientIsEmptyWhenStatIsUnreadable() throws Exception {
        PeerCredentials p = process(31, 1, "qemu", "-uuid", UUID);
        Files.delete(proc.resolve("31/stat"));
        assertEquals(Optional.empty(), perVm.resolve(p).client());
    }

    @Test
    void realProcessTableReadsThisJvm() {
        ProcessTable real = ProcessTable.system();
        int pid = (int) ProcessHandle.current().pid();
        assertTrue(real.commandLine(pid).orElseThrow().get(0).endsWith("java"));
        assertTrue(real.startTime(pid).isPresent());
        assertTrue(real.executable(pid).isPresent());
    }
}
