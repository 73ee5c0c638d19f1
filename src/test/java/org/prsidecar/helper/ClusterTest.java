package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.helper.HelperTestSupport.assertGood;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.HelperTestSupport.Daemon;
import org.prsidecar.helper.HelperTestSupport.Guest;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * Several helpers on one shared image, each standing for a host: its own HelperServer, its
 * own SidecarStore (own cache, own OFD locks) and its own fixed initiator, as
 * {@code serve --initiator} runs it. The table is shared through the sidecar only.
 */
class ClusterTest {
    static final String NODE1 = "iqn.2026-11.com.example:node1";
    static final String NODE2 = "iqn.2026-11.com.example:node2";
    static final String NODE3 = "iqn.2026-11.com.example:node3";
    static final ReservationType WERO = ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY;

    @TempDir
    Path dir;
    Path image;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        image = dir.resolve("quorum.img");
        Files.write(image, new byte[1 << 16]);
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private Daemon host(String name, String initiator) throws IOException {
        Daemon d = Daemon.fixed(dir.resolve(name + ".sock"), initiator, dir);
        toClose.add(d);
        return d;
    }

    private Guest guest(Daemon d) throws Exception {
        PosixFile f = PosixFile.open(image, OpenMode.READ_WRITE, 0);
        toClose.add(f);
        HelperClient c = HelperTestSupport.connect(d.socket);
        toClose.add(c);
        return new Guest(c, f.fd());
    }

    private static Set<String> initiators(ReadFullStatusData d) {
        return d.descriptors().stream().map(x -> x.transportId().text()).collect(Collectors.toSet());
    }

    @Test
    void registerReserveAndPreemptFailoverAcrossHosts() throws Exception {
        Guest n1 = guest(host("host1", NODE1));
        Guest n2 = guest(host("host2", NODE2));
        assertGood(n1.register(0, 0x1111), "node1 REGISTER");
        assertGood(n2.register(0, 0x2222), "node2 REGISTER");
        assertEquals(List.of(0x1111L, 0x2222L), n2.readKeys().keys(), "node2 sees node1's key through the sidecar");
        assertGood(n1.reserve(0x1111, WERO), "node1 RESERVE");
        assertEquals(ScsiStatus.RESERVATION_CONFLICT.code(), n2.reserve(0x2222, WERO).result());

        ReadFullStatusData full = n2.readFullStatus();
        assertEquals(Set.of(NODE1, NODE2), initiators(full), "READ FULL STATUS shows both initiators");
        var holder = full.descriptors().stream().filter(ReadFullStatusData.Descriptor::holder).findFirst().orElseThrow();
        assertEquals(new IscsiTransportId(NODE1), holder.transportId());
        assertEquals(Optional.of(WERO), holder.type());

        // node1 dies; node2 fences it (Pacemaker fence_scsi, WSFC arbitration)
        assertGood(n2.preempt(0x2222, 0x1111, WERO), "node2 PREEMPT");
        var res = n2.readReservation().reservation().orElseThrow();
        assertEquals(0x2222L, res.key());
        assertEquals(List.of(0x2222L), n2.readKeys().keys());

        // node1, through its own host, learns it was preempted: a unit attention, then conflict
        HelperResponse ua = n1.in(org.prsidecar.scsi.PrInServiceAction.READ_KEYS, 8192);
        assertEquals(Optional.of(SenseData.REGISTRATIONS_PREEMPTED), ua.senseData());
        assertEquals(List.of(0x2222L), n1.readKeys().keys());
        assertEquals(ScsiStatus.RESERVATION_CONFLICT.code(), n1.reserve(0x1111, WERO).result());
        // and can come back as a registrant
        assertGood(n1.register(0, 0x1112), "node1 REGISTER again");
        assertEquals(Set.of(NODE1, NODE2), initiators(n1.readFullStatus()));
    }

    @Test
    void threeHostsContendingForTheReservationExactlyOneWins() throws Exception {
        List<Guest> nodes = List.of(guest(host("h1", NODE1)), guest(host("h2", NODE2)), guest(host("h3", NODE3)));
        for (int i = 0; i < 3; i++) {
            assertGood(nodes.get(i).register(0, 0x100 + i), "REGISTER " + i);
        }
        List<CompletableFuture<Integer>> tries = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Guest g = nodes.get(i);
            long key = 0x100 + i;
            tries.add(HelperTestSupport.async(() -> {
                try {
                    return g.reserve(key, ReservationType.EXCLUSIVE_ACCESS).result();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        int good = 0;
        for (CompletableFuture<Integer> t : tries) {
            int status = t.get(30, TimeUnit.SECONDS);
            assertTrue(status == 0 || status == ScsiStatus.RESERVATION_CONFLICT.code(), "status " + status);
            good += status == 0 ? 1 : 0;
        }
        assertEquals(1, good, "one reservation, one holder");
        long holderKey = nodes.get(0).readReservation().reservation().orElseThrow().key();
        assertTrue(holderKey >= 0x100 && holderKey <= 0x102);
    }

    /**
     * Two hosts that mount the shared storage at different paths. An image's automatic
     * identity is its path ("file:" + path), which the sidecar records: the second host finds
     * a sidecar that "belongs to" another disk, refuses it (MANUAL INTERVENTION REQUIRED) and
     * never overwrites it. A configured mapping on each host (same id, each its own path)
     * is the way to share the table. A bind mount gives this machine the second path.
     */
    @Test
    void hostsMountingTheShareAtDifferentPathsNeedAMapping() throws Exception {
        if (org.prsidecar.posix.Credentials.euid() != 0) {
            org.junit.jupiter.api.Assertions.fail("this test bind-mounts a directory: run the tests as root");
        }
        Path share = Files.createDirectories(dir.resolve("share"));
        Path img = share.resolve("quorum.img");
        Files.write(img, new byte[4096]);
        Path otherMount = Files.createDirectories(dir.resolve("other-mount"));
        run("mount", "--bind", share.toString(), otherMount.toString());
        try {
            Daemon a = host("a", NODE1);
            Guest onA = new Guest(HelperTestSupport.connect(a.socket), open(img));
            toClose.add(onA.client());
            assertGood(onA.register(0, 0xA), "host A REGISTER");

            Daemon b = host("b", NODE2);
            Guest onB = new Guest(HelperTestSupport.connect(b.socket), open(otherMount.resolve("quorum.img")));
            toClose.add(onB.client());
            HelperResponse refused = onB.register(0, 0xB);
            assertEquals(Optional.of(SenseData.MANUAL_INTERVENTION_REQUIRED), refused.senseData(),
                    "the sidecar names file:" + img + ", host B knows the disk as another path");
            assertEquals(List.of(0xAL), onA.readKeys().keys(), "host A's table is untouched");

            // the remedy: the same disk id on both hosts, each matching its own path
            Path sidecarA = share.resolve("quorum.json");
            Daemon a2 = new Daemon(dir.resolve("a2.sock"), IdentityResolver.fixed(NODE1, ProcessTable.system()),
                    new DiskResolver(dir, List.of(new DiskResolver.Mapping("quorum", img.toString(),
                            Optional.of(sidecarA))), DiskResolver.OtherDisks.REFUSE, Path.of("/sys")),
                    HelperServer.Options.defaults(), Duration.ofSeconds(5));
            toClose.add(a2);
            Daemon b2 = new Daemon(dir.resolve("b2.sock"), IdentityResolver.fixed(NODE2, ProcessTable.system()),
                    new DiskResolver(dir, List.of(new DiskResolver.Mapping("quorum",
                            otherMount.resolve("quorum.img").toString(), Optional.of(otherMount.resolve("quorum.json")))),
                            DiskResolver.OtherDisks.REFUSE, Path.of("/sys")),
                    HelperServer.Options.defaults(), Duration.ofSeconds(5));
            toClose.add(b2);
            Guest mappedA = new Guest(HelperTestSupport.connect(a2.socket), onA.diskFd());
            toClose.add(mappedA.client());
            Guest mappedB = new Guest(HelperTestSupport.connect(b2.socket), onB.diskFd());
            toClose.add(mappedB.client());
            assertGood(mappedA.register(0, 0xA), "mapped host A REGISTER");
            assertGood(mappedB.register(0, 0xB), "mapped host B REGISTER");
            assertEquals(Set.of(NODE1, NODE2), initiators(mappedA.readFullStatus()), "one table for both hosts");
        } finally {
            for (int i = toClose.size() - 1; i >= 0; i--) {
                toClose.get(i).close();
            }
            toClose.clear();
            run("umount", otherMount.toString());
        }
    }

    private int open(Path p) throws IOException {
        PosixFile f = PosixFile.open(p, OpenMode.READ_WRITE, 0);
        toClose.add(f);
        return f.fd();
    }

    private static void run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            org.junit.jupiter.api.Assertions.fail(String.join(" ", cmd) + " failed: " + out);
        }
    }

    /**
     * A helper restarts in the middle of a cluster's day: QEMU notices the closed socket,
     * reconnects (up to 5 attempts, 1 s apart) and the sequence goes on with the table intact.
     */
    @Test
    void helperRestartWithinQemusReconnectWindowKeepsTheTable() throws Exception {
        Daemon h1 = host("host1", NODE1);
        Guest n1 = guest(h1);
        Guest n2 = guest(host("host2", NODE2));
        assertGood(n1.register(0, 0x1111), "node1 REGISTER");
        assertGood(n2.register(0, 0x2222), "node2 REGISTER");
        assertGood(n1.reserve(0x1111, WERO), "node1 RESERVE");
        int generation = n2.readKeys().generation();

        h1.server.stop(Duration.ofSeconds(5));
        assertFalse(Files.exists(h1.socket), "the stopped helper removed its socket");
        // the old connection is gone: the command fails, as QEMU's does (CHECK CONDITION to the guest)
        assertThrows(Exception.class, () -> n1.readKeys());

        CompletableFuture<Daemon> restarted = HelperTestSupport.async(() -> {
            try {
                Thread.sleep(1500); // the service manager takes its time
                return Daemon.fixed(h1.socket, NODE1, dir);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        HelperClient again = HelperTestSupport.reconnectLikeQemu(h1.socket);
        toClose.add(again);
        toClose.add(restarted.get(10, TimeUnit.SECONDS));
        Guest n1b = new Guest(again, n1.diskFd());

        assertEquals(List.of(0x1111L, 0x2222L), n1b.readKeys().keys(), "registrations survived the restart");
        assertEquals(generation, n1b.readKeys().generation());
        assertEquals(0x1111L, n1b.readReservation().reservation().orElseThrow().key());
        assertGood(n1b.out(org.prsidecar.scsi.PrOutServiceAction.RELEASE, WERO, 0x1111, 0), "node1 RELEASE");
        assertEquals(Optional.of(SenseData.RESERVATIONS_RELEASED),
                n2.in(org.prsidecar.scsi.PrInServiceAction.READ_KEYS, 8192).senseData(),
                "a registrants-only reservation released: the other registrant is told (2A/04)");
        assertGood(n2.reserve(0x2222, WERO), "node2 RESERVE after node1 released");
        assertEquals(0x2222L, n1b.readReservation().reservation().orElseThrow().key());
    }
}
