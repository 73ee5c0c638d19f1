package org.prsidecar.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.e2e.Guest.guest;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;

/**
 * prsidecar under real QEMU: guests' sg_persist commands travel through virtio-scsi, QEMU's
 * scsi-block and its pr-manager-helper client to {@code prsidecar serve}, which answers from
 * the sidecar beside the shared image. Without --initiator, each VM is its own initiator,
 * named from its -uuid.
 */
@Tag("e2e")
class DaemonEndToEndTest {

    private static final String UUID_A = "0000000a-0000-4000-8000-0000000000a1";
    private static final String UUID_B = "0000000b-0000-4000-8000-0000000000b2";
    private static final String INITIATOR_A = "iqn.2026-11.org.prsidecar:vm:" + UUID_A;
    private static final String INITIATOR_B = "iqn.2026-11.org.prsidecar:vm:" + UUID_B;

    private static E2eHarness e2e;

    @BeforeAll
    static void harness() {
        e2e = E2eHarness.get();
    }

    private static ServeProcess serve(Path work, String name) throws Exception {
        return serve(work, e2e.socketPath(name), name);
    }

    private static ServeProcess serve(Path work, Path socket, String logName) throws Exception {
        Files.createDirectories(work.resolve("sidecars"));
        return ServeProcess.start(socket, work.resolve(logName + ".log"), "--sidecar-dir",
                work.resolve("sidecars").toString());
    }

    private static ReservationTable tableOf(LoopDisk disk) throws Exception {
        Path image = disk.image().toAbsolutePath();
        return new SidecarStore(SidecarStore.Options.defaults()).read(
                new Disk("file:" + image, image.resolveSibling(image.getFileName() + ".prsidecar.json")));
    }

    @Test
    void twoGuestsOnOneSharedDiskFailOverByPreempt() throws Exception {
        Path work = e2e.workDir("two-guests");
        try (LoopDisk disk = e2e.loopDisk(); ServeProcess daemon = serve(work, "two-guests")) {
            GuestResults r = e2e.guests(daemon.socket(), disk).run(
                    guest("nodeA").uuid(UUID_A).shell("""
                            run sg_persist --out --register --param-sark=0xa /dev/sda
                            run wait_for 60 has_keys 0xa 0xb
                            run sg_persist --in --read-full-status /dev/sda
                            run sg_persist --out --reserve --param-rk=0xa --prout-type=5 /dev/sda
                            run wait_for 60 lacks_keys 0xa
                            run sg_persist --in --read-reservation /dev/sda
                            """),
                    guest("nodeB").uuid(UUID_B).shell("""
                            run sg_persist --out --register --param-sark=0xb /dev/sda
                            run wait_for 60 reserved_by 0xa
                            run sg_persist --out --preempt --param-rk=0xb --param-sark=0xa --prout-type=5 /dev/sda
                            run sg_persist --in --read-reservation /dev/sda
                            run sg_persist --in --read-full-status /dev/sda
                            """));
            r.assertAllSucceeded();
            String fullStatus = r.get("nodeA").output(3);
            assertTrue(fullStatus.contains(INITIATOR_A) && fullStatus.contains(INITIATOR_B),
                    "READ FULL STATUS shows both VMs as distinct initiators:\n" + fullStatus);
            assertEquals(0xbL, r.get("nodeB").command(4).reservationKey(), r::diagnostics);
            assertEquals(0xbL, r.get("nodeA").command(6).reservationKey(), "A sees B's reservation");
            String afterFailover = r.get("nodeB").output(5);
            assertTrue(afterFailover.contains(INITIATOR_B) && !afterFailover.contains(INITIATOR_A), afterFailover);

            // the durable table agrees with what the guests saw
            ReservationTable t = tableOf(disk);
            Nexus b = Nexus.iscsi(INITIATOR_B);
            assertEquals(List.of(b), t.registrations().stream().map(Registration::nexus).collect(Collectors.toList()));
            assertEquals(Optional.of(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, b)),
                    t.reservation());
            String log = daemon.logText();
            assertTrue(log.contains("initiator " + INITIATOR_A + ": connected"), log);
            assertTrue(log.contains("PREEMPT: removed 1 registration(s) of key 0xa"), log);
            assertEquals(0, daemon.stop(), "SIGTERM stops serve with status 0");
            assertFalse(Files.exists(daemon.socket()), "serve removes its socket on a clean stop");
        }
    }

    @Test
    void qmpReportsThePrManagerConnectedToPrsidecar() throws Exception {
        Path work = e2e.workDir("qmp");
        try (LoopDisk disk = e2e.loopDisk(); ServeProcess daemon = serve(work, "qmp");
                RunningGuest g = e2e.guests(daemon.socket(), disk).start(guest("qmpGuest").uuid(UUID_A).withQmp()
                        .shell("""
                                run sg_persist --out --register --param-sark=0x5 /dev/sda
                                run wait_for 60 has_keys 0x6
                                """))) {
            awaitKey(disk, 0x5);
            Qmp.PrManager pm = g.qmp().queryPrManagers().get(0);
            assertTrue(pm.connected(), "query-pr-managers: " + pm);
            // let the guest finish: register its second key through the daemon from the host side
            Path image = disk.image().toAbsolutePath();
            new SidecarStore(SidecarStore.Options.defaults()).update(
                    new Disk("file:" + image, image.resolveSibling(image.getFileName() + ".prsidecar.json")),
                    t -> new org.prsidecar.store.TableStore.Change<>(t.toBuilder()
                            .register(new Registration(Nexus.iscsi("iqn.2026-11.test:host-side"), 0x6))
                            .incrementGeneration().build(), null));
            g.await().assertAllSucceeded();
        }
    }

    @Test
    void aRestartedHelperIsReconnectedByQemuAndTheTableSurvives() throws Exception {
        Path work = e2e.workDir("restart");
        Path socket = e2e.socketPath("restart");
        try (LoopDisk disk = e2e.loopDisk()) {
            ServeProcess first = serve(work, socket, "restart-1");
            try (RunningGuest g = e2e.guests(socket, disk).start(guest("restarted").uuid(UUID_B).shell("""
                    run sg_persist --out --register --param-sark=0x7 /dev/sda
                    run sg_persist --out --reserve --param-rk=0x7 --prout-type=1 /dev/sda
                    sleep 12
                    run sg_persist --in --read-reservation /dev/sda
                    run sg_persist --in --read-keys /dev/sda
                    """).timeout(Duration.ofSeconds(120)))) {
                awaitReservation(disk);
                assertEquals(0, first.stop());
                try (ServeProcess second = serve(work, socket, "restart-2")) {
                    GuestResult r = g.await();
                    r.assertAllSucceeded();
                    assertEquals(0x7L, r.command(3).reservationKey(), r::diagnostics);
                    assertEquals(List.of(0x7L), r.command(4).keys());
                    assertTrue(second.logText().contains("initiator " + INITIATOR_B + ": connected"),
                            "QEMU reconnected to the new helper:\n" + second.logText());
                }
            } finally {
                first.close();
            }
        }
    }

    private static void awaitKey(LoopDisk disk, long key) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (tableOf(disk).registrations().stream().anyMatch(reg -> reg.key() == key)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the guest's REGISTER of key 0x" + Long.toHexString(key) + " never arrived");
    }

    private static void awaitReservation(LoopDisk disk) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            if (tableOf(disk).reservation().isPresent()) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the guest's RESERVE never arrived");
    }
}
