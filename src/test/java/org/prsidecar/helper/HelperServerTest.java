package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.prsidecar.helper.HelperTestSupport.assertGood;
import static org.prsidecar.helper.HelperTestSupport.params;
import static org.prsidecar.helper.HelperTestSupport.prInCdb;
import static org.prsidecar.helper.HelperTestSupport.prOutCdb;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.HelperTestSupport.Daemon;
import org.prsidecar.helper.HelperTestSupport.Guest;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * HelperServer over real AF_UNIX sockets with real fd passing, driven by a client that
 * behaves like QEMU (HelperClient) and by raw connections for frames QEMU would never send.
 */
class HelperServerTest {
    static final String HOST_A = "iqn.2026-11.com.example:host-a";
    static final Duration FRAME_TIMEOUT = Duration.ofMillis(400);
    static final ReservationType WE = ReservationType.WRITE_EXCLUSIVE;

    @TempDir
    Path dir;
    Path socket;
    Path image;
    PosixFile disk;
    Daemon daemon;
    LogCapture log;
    Set<Integer> fdsBefore;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        socket = dir.resolve("helper.sock");
        image = dir.resolve("shared.img");
        Files.write(image, new byte[4096]);
        log = new LogCapture();
        fdsBefore = HelperTestSupport.openFds();
        disk = PosixFile.open(image, OpenMode.READ_WRITE, 0);
        daemon = daemon(Duration.ofSeconds(5), Set.of());
    }

    private Daemon daemon(Duration lockTimeout, Set<Integer> allowUids) throws IOException {
        return new Daemon(socket, IdentityResolver.fixed(HOST_A, ProcessTable.system()), Daemon.emulating(dir),
                new HelperServer.Options(8, FRAME_TIMEOUT, allowUids, Set.of()), lockTimeout);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        daemon.close();
        disk.close();
        log.close();
        HelperTestSupport.assertNoFdLeak(fdsBefore);
    }

    private Guest guest() throws Exception {
        HelperClient c = HelperTestSupport.connect(socket);
        toClose.add(c);
        return new Guest(c, disk.fd());
    }

    /** A raw connection after the handshake (features 0 both ways). */
    private UnixConnection raw() throws Exception {
        UnixConnection c = UnixConnection.connect(socket);
        toClose.add(c);
        c.setReceiveTimeout(Duration.ofSeconds(10));
        byte[] features = HelperResponse.readFully(c, 4, "handshake");
        assertArrayEquals(new byte[4], features, "the server offers no features");
        c.send(new byte[4], 0, 4);
        return c;
    }

    /** The server closes {@code c} without answering: EOF (or a reset, if it left our bytes unread). */
    private static void assertClosedWithoutAnswer(UnixConnection c) throws IOException {
        c.setReceiveTimeout(Duration.ofSeconds(10));
        byte[] b = new byte[HelperResponse.HEADER_LENGTH];
        try {
            int n = c.receive(b, 0, b.length);
            assertEquals(0, n, "the server answered a malformed frame instead of closing");
        } catch (PosixException e) {
            if (e.isTimeout()) {
                fail("the server neither answered nor closed the connection within 10 s");
            }
            assertEquals(Errno.ECONNRESET, e.errno(), e.getMessage());
        }
    }

    private void assertStillServing() throws Exception {
        Guest g = guest();
        assertEquals(ScsiStatus.GOOD.code(), g.in(PrInServiceAction.READ_KEYS, 8).result(),
                "a fresh connection is served");
    }

    // ------------------------------------------------------------------ the happy path

    @Test
    void serverSpeaksFirstWithZeroFeatures() throws Exception {
        UnixConnection c = UnixConnection.connect(socket);
        toClose.add(c);
        c.setReceiveTimeout(Duration.ofSeconds(5));
        // nothing sent: a server waiting for the client would hang QEMU here
        assertArrayEquals(new byte[4], HelperResponse.readFully(c, 4, "handshake"));
    }

    @Test
    void persistentReserveOutAndInRoundTrips() throws Exception {
        Guest g = guest();
        assertEquals(0, g.readKeys().generation());
        assertGood(g.register(0, 0xA1), "REGISTER");
        assertGood(g.reserve(0xA1, WE), "RESERVE");
        ReadKeysData keys = g.readKeys();
        assertEquals(List.of(0xA1L), keys.keys());
        assertEquals(1, keys.generation(), "RESERVE does not bump the generation");
        var res = g.readReservation().reservation().orElseThrow();
        assertEquals(0xA1L, res.key());
        assertEquals(WE, res.type());
        ReadFullStatusData full = g.readFullStatus();
        assertEquals(1, full.descriptors().size());
        assertEquals(new IscsiTransportId(HOST_A), full.descriptors().get(0).transportId());
        assertTrue(full.descriptors().get(0).holder());
        HelperResponse caps = g.in(PrInServiceAction.REPORT_CAPABILITIES, 8);
        assertGood(caps, "REPORT CAPABILITIES");
        assertEquals(8, caps.data().length);
        ReportCapabilitiesData.decode(caps.data());
        assertTrue(Files.exists(dir.resolve("shared.img.prsidecar.json")), "the table is in the sidecar");
    }

    @Test
    void prInAnswerIsCutToTheAllocationLength() throws Exception {
        Guest g = guest();
        assertGood(g.register(0, 0xA1), "REGISTER");
        HelperResponse r = g.in(PrInServiceAction.READ_KEYS, 12);
        assertGood(r, "READ KEYS");
        assertEquals(12, r.data().length, "QEMU asserts sz <= allocation length");
        assertEquals(8, r.data()[7], "the header still says 8 bytes of keys exist");
        assertEquals(1, r.data()[3], "generation 1");
        assertEquals(0, g.in(PrInServiceAction.READ_KEYS, 0).data().length);
    }

    @Test
    void engineErrorsComeBackAsCheckConditionWithSense() throws Exception {
        Guest g = guest();
        HelperResponse r = g.out(PrOutServiceAction.RESERVE, WE, 0x99, 0);
        assertEquals(ScsiStatus.RESERVATION_CONFLICT.code(), r.result(), "RESERVE by an unregistered nexus");
        assertGood(g.register(0, 0x99), "REGISTER");
        byte[] badScope = prOutCdb(PrOutServiceAction.RESERVE, WE);
        badScope[2] = (byte) (0x10 | WE.code());
        HelperResponse s = g.client().execute(badScope, disk.fd(), params(0x99, 0));
        assertEquals(ScsiStatus.CHECK_CONDITION.code(), s.result());
        assertEquals(Optional.of(SenseData.INVALID_FIELD_IN_CDB), s.senseData());
        assertEquals(0, s.data().length, "PR OUT never carries data");
    }

    @Test
    void prOutWithBytes5To6SetIsParameterListLengthError() throws Exception {
        Guest g = guest();
        byte[] cdb = prOutCdb(PrOutServiceAction.REGISTER, null);
        cdb[5] = 1;
        HelperResponse r = g.client().execute(cdb, disk.fd(), params(0, 1));
        assertEquals(Optional.of(SenseData.PARAMETER_LIST_LENGTH_ERROR), r.senseData());
    }

    @Test
    void silenceBetweenFramesIsFineEvenPastTheFrameTimeout() throws Exception {
        Guest g = guest();
        assertGood(g.register(0, 0xA1), "REGISTER");
        Thread.sleep(FRAME_TIMEOUT.toMillis() * 3);
        assertEquals(List.of(0xA1L), g.readKeys().keys(), "an idle QEMU is not disconnected");
    }

    @Test
    void receivedDiskFdsAreClosedAfterEachCommand() throws Exception {
        Guest g = guest();
        for (int i = 0; i < 50; i++) {
            g.in(PrInServiceAction.READ_KEYS, 8);
        }
        assertEquals(1, HelperTestSupport.fdsOn(image), "only the test's own fd on the image is open");
    }

    @Test
    void refusedDiskIsInvalidCommandOperationCode() throws Exception {
        daemon.close();
        daemon = new Daemon(socket, IdentityResolver.fixed(HOST_A, ProcessTable.system()),
                new DiskResolver(dir, List.of(), DiskResolver.OtherDisks.REFUSE, Path.of("/sys")),
                new HelperServer.Options(8, FRAME_TIMEOUT, Set.of(), Set.of()), Duration.ofSeconds(5));
        HelperResponse r = guest().register(0, 1);
        assertEquals(Optional.of(SenseData.INVALID_COMMAND_OPERATION_CODE), r.senseData());
        log.await(Duration.ofSeconds(5), "refused", "not a configured disk");
    }

    @Test
    void passedThroughDiskThatCannotDoSgIoFailsTheCommandNotTheConnection() throws Exception {
        daemon.close();
        daemon = new Daemon(socket, IdentityResolver.fixed(HOST_A, ProcessTable.system()),
                new DiskResolver(dir, List.of(), DiskResolver.OtherDisks.PASSTHROUGH, Path.of("/sys")),
                new HelperServer.Options(8, FRAME_TIMEOUT, Set.of(), Set.of()), Duration.ofSeconds(5));
        Guest g = guest();
        // an image file: SG_IO is not a file's ioctl, so the command fails as qemu-pr-helper's would
        HelperResponse out = g.register(0, 1);
        assertEquals(ScsiStatus.CHECK_CONDITION.code(), out.result());
        assertEquals(Optional.of(SenseData.IO_PROCESS_TERMINATED), out.senseData());
        HelperResponse in = g.in(PrInServiceAction.READ_KEYS, 8192);
        assertEquals(ScsiStatus.CHECK_CONDITION.code(), in.result());
        assertEquals(0, in.data().length);
        assertFalse(Files.exists(dir.resolve("shared.img.prsidecar.json")), "nothing emulated");
        log.await(Duration.ofSeconds(5), "SG_IO on", "failed");
    }

    // ------------------------------------------------------------------ malformed frames

    private void malformed(String logged, ThrowingConsumer<UnixConnection> send) throws Exception {
        Guest bystander = guest();
        assertGood(bystander.register(0, 0xB0), "bystander REGISTER");
        long ownFds = HelperTestSupport.fdsOn(image);
        UnixConnection c = raw();
        send.accept(c);
        assertClosedWithoutAnswer(c);
        log.await(Duration.ofSeconds(5), logged);
        assertEquals(List.of(0xB0L), bystander.readKeys().keys(), "the other connection is untouched");
        assertStillServing();
        c.close();
        HelperTestSupport.await("the server drops the bad connection", Duration.ofSeconds(5),
                () -> daemon.server.activeConnections() == 2);
        assertEquals(ownFds, HelperTestSupport.fdsOn(image), "every disk fd the bad frame carried was closed");
    }

    @FunctionalInterface
    interface ThrowingConsumer<T> {
        void accept(T t) throws Exception;
    }

    private static byte[] cdb16(byte[] cdb10) {
        return Arrays.copyOf(cdb10, 16);
    }

    @Test
    void cdbWithoutFdClosesThatConnectionOnly() throws Exception {
        malformed("without a file descriptor",
                c -> c.send(cdb16(prInCdb(PrInServiceAction.READ_KEYS, 8)), 0, 16));
    }

    @Test
    void cdbWithTwoFdsClosesThatConnectionOnly() throws Exception {
        try (PosixFile second = PosixFile.open(image, OpenMode.READ_ONLY, 0)) {
            malformed("2 file descriptors",
                    c -> c.send(cdb16(prInCdb(PrInServiceAction.READ_KEYS, 8)), 0, 16, disk.fd(), second.fd()));
        }
    }

    @Test
    void otherOpcodeClosesThatConnectionOnly() throws Exception {
        byte[] testUnitReady = new byte[16];
        malformed("opcode 00h", c -> c.send(testUnitReady, 0, 16, disk.fd()));
    }

    @Test
    void transferLengthOver8192ClosesThatConnectionOnly() throws Exception {
        malformed("transfer length 16384",
                c -> c.send(cdb16(prInCdb(PrInServiceAction.READ_FULL_STATUS, 16384)), 0, 16, disk.fd()));
    }

    @Test
    void nonZeroFeaturesCloseTheConnectionAtTheHandshake() throws Exception {
        Guest bystander = guest();
        UnixConnection c = UnixConnection.connect(socket);
        toClose.add(c);
        c.setReceiveTimeout(Duration.ofSeconds(5));
        HelperResponse.readFully(c, 4, "handshake");
        c.send(new byte[] {0, 0, 0, 1}, 0, 4);
        assertClosedWithoutAnswer(c);
        log.await(Duration.ofSeconds(5), "asked for features 1");
        assertEquals(ScsiStatus.GOOD.code(), bystander.in(PrInServiceAction.READ_KEYS, 8).result());
        assertStillServing();
    }

    @Test
    void endOfStreamMidCdbClosesThatConnectionOnly() throws Exception {
        malformed("after 7 of 16 CDB bytes", c -> {
            c.send(new byte[] {0x5E, 0, 0, 0, 0, 0, 0}, 0, 7, disk.fd());
            c.shutdown();
        });
    }

    @Test
    void endOfStreamMidParameterListClosesThatConnectionOnly() throws Exception {
        malformed("after 10 of 24 parameter list bytes", c -> {
            c.send(cdb16(prOutCdb(PrOutServiceAction.REGISTER, null)), 0, 16, disk.fd());
            c.send(new byte[10], 0, 10);
            c.shutdown();
        });
    }

    @Test
    void randomGarbageClosesThatConnectionOnly() throws Exception {
        Random random = new Random(42);
        for (int round = 0; round < 10; round++) {
            byte[] junk = new byte[16 + random.nextInt(200)];
            random.nextBytes(junk);
            junk[0] = (byte) (junk[0] == 0x5E || junk[0] == 0x5F ? 0x00 : junk[0]); // never a valid opcode
            boolean withFd = round % 2 == 0;
            Guest bystander = guest();
            UnixConnection c = raw();
            if (withFd) {
                c.send(junk, 0, junk.length, disk.fd());
            } else {
                c.send(junk, 0, junk.length);
            }
            assertClosedWithoutAnswer(c);
            assertEquals(ScsiStatus.GOOD.code(), bystander.in(PrInServiceAction.READ_KEYS, 8).result());
            c.close();
            bystander.client().close();
        }
        assertStillServing();
    }

    @Test
    void stalledPartialFrameIsClosedAfterTheFrameTimeout() throws Exception {
        Guest bystander = guest();
        UnixConnection c = raw();
        long t0 = System.nanoTime();
        c.send(new byte[] {0x5E, 0, 0, 0, 0}, 0, 5, disk.fd());
        assertClosedWithoutAnswer(c);
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(waited >= FRAME_TIMEOUT.toMillis() - 50, "closed after " + waited + " ms, before the timeout");
        assertTrue(waited < 5000, "closed only after " + waited + " ms");
        log.await(Duration.ofSeconds(5), "not complete within " + FRAME_TIMEOUT.toMillis() + " ms");
        assertEquals(ScsiStatus.GOOD.code(), bystander.in(PrInServiceAction.READ_KEYS, 8).result());
        assertStillServing();
    }

    @Test
    void tricklingFrameIsClosedOnceTheFrameTimeoutHasPassedSinceItsFirstByte() throws Exception {
        UnixConnection c = raw();
        byte[] cdb = cdb16(prInCdb(PrInServiceAction.READ_KEYS, 8));
        long t0 = System.nanoTime();
        c.send(cdb, 0, 1, disk.fd());
        // one byte every 150 ms: each gap is shorter than the frame timeout, the frame is not
        try {
            for (int i = 1; i < 16; i++) {
                Thread.sleep(150);
                c.send(cdb, i, 1);
            }
        } catch (IOException closed) {
            // the server closed it mid-frame: what we want
        }
        assertClosedWithoutAnswer(c);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertTrue(millis < 16 * 150, "the frame took " + millis + " ms to be dropped; frame timeout "
                + FRAME_TIMEOUT.toMillis() + " ms");
        log.await(Duration.ofSeconds(5), "not complete within " + FRAME_TIMEOUT.toMillis() + " ms");
        assertStillServing();
    }

    @Test
    void clientThatNeverAnswersTheHandshakeIsClosedAfterTheFrameTimeout() throws Exception {
        UnixConnection c = UnixConnection.connect(socket);
        toClose.add(c);
        c.setReceiveTimeout(Duration.ofSeconds(5));
        HelperResponse.readFully(c, 4, "handshake");
        assertClosedWithoutAnswer(c);
        assertStillServing();
    }

    // ------------------------------------------------------------------ parallel connections

    @Test
    void manyConnectionsInParallelEachStrictlyInOrder() throws Exception {
        int n = 8; // the daemon's max-connections
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<Integer>> results = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                Path img = dir.resolve("disk" + i + ".img");
                Files.write(img, new byte[512]);
                int id = i;
                results.add(pool.submit(() -> {
                    try (PosixFile f = PosixFile.open(img, OpenMode.READ_WRITE, 0);
                            HelperClient c = HelperTestSupport.connect(socket)) {
                        Guest g = new Guest(c, f.fd());
                        long key = 0;
                        int commands = 0;
                        for (int j = 1; j <= 15; j++) {
                            long next = (long) id << 32 | j;
                            assertGood(g.out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, 0, next),
                                    "RIEK");
                            ReadKeysData k = g.readKeys();
                            assertEquals(List.of(next), k.keys(), "connection " + id + " sees its own last key");
                            assertEquals(j, k.generation(), "each RIEK bumps the generation once, in order");
                            // a PR IN with a distinct allocation length each time: the answer is for this one
                            HelperResponse cut = g.in(PrInServiceAction.READ_KEYS, 8 + j % 9);
                            assertEquals(8 + j % 9, cut.data().length);
                            key = next;
                            commands += 3;
                        }
                        assertTrue(key != 0);
                        return commands;
                    }
                }));
            }
            int total = 0;
            for (Future<Integer> f : results) {
                total += f.get(120, TimeUnit.SECONDS);
            }
            assertEquals(n * 45, total);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void connectionWaitingForALockDoesNotHoldUpOthers() throws Exception {
        Guest a = guest();
        assertGood(a.register(0, 0xA1), "REGISTER");
        Path other = dir.resolve("other.img");
        Files.write(other, new byte[512]);
        Path sidecar = dir.resolve("shared.img.prsidecar.json");
        try (LockedFile held = FileLocks.system().open(sidecar, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE,
                Duration.ofSeconds(5)); PosixFile otherDisk = PosixFile.open(other, OpenMode.READ_WRITE, 0)) {
            CompletableFuture<HelperResponse> blocked = HelperTestSupport.async(() -> {
                try {
                    return a.register(0xA1, 0xA2);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(200);
            assertFalse(blocked.isDone(), "the command waits for the sidecar lock");
            Guest b = new Guest(HelperTestSupport.connect(socket), otherDisk.fd());
            toClose.add(b.client());
            long t0 = System.nanoTime();
            assertGood(b.register(0, 0xB1), "REGISTER on another disk");
            assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 2000, "not held up by the lock");
            held.close();
            assertGood(blocked.get(10, TimeUnit.SECONDS), "the waiting command completes once the lock is free");
        }
        assertEquals(List.of(0xA2L), a.readKeys().keys());
    }

    @Test
    void lockNotHadInTimeIsBusyNotAHang() throws Exception {
        daemon.close();
        daemon = daemon(Duration.ofMillis(300), Set.of());
        Guest g = guest();
        assertGood(g.register(0, 0xA1), "REGISTER");
        try (LockedFile held = FileLocks.system().open(dir.resolve("shared.img.prsidecar.json"), OpenMode.READ_WRITE,
                0, LockKind.EXCLUSIVE, Duration.ofSeconds(5))) {
            HelperResponse r = g.register(0xA1, 0xA2);
            assertEquals(ScsiStatus.BUSY.code(), r.result(), "the guest retries BUSY");
        }
        assertEquals(List.of(0xA1L), g.readKeys().keys(), "the table is unchanged");
    }

    @Test
    void connectionsOverTheLimitAreClosedWithoutHandshake() throws Exception {
        for (int i = 0; i < 8; i++) {
            guest();
        }
        UnixConnection ninth = UnixConnection.connect(socket);
        toClose.add(ninth);
        assertClosedWithoutAnswer(ninth);
        log.await(Duration.ofSeconds(5), "max-connections");
    }

    // ------------------------------------------------------------------ who may connect

    @Test
    void peerNotInAllowUidsIsClosedWithoutHandshakeAndLogged() throws Exception {
        daemon.close();
        daemon = daemon(Duration.ofSeconds(5), Set.of(54321));
        UnixConnection c = UnixConnection.connect(socket);
        toClose.add(c);
        assertClosedWithoutAnswer(c);
        String line = log.await(Duration.ofSeconds(5), "refused a connection from pid " + ProcessHandle.current().pid());
        assertTrue(line.contains("allow-uids") && line.startsWith("WARNING"), line);
    }

    @Test
    void peerInAllowUidsIsServed() throws Exception {
        daemon.close();
        daemon = daemon(Duration.ofSeconds(5), Set.of(54321, org.prsidecar.posix.Credentials.uid()));
        assertStillServing();
    }

    // ------------------------------------------------------------------ stopping

    @Test
    void gracefulStopFinishesTheCommandInFlightAndRemovesTheSocket() throws Exception {
        Guest g = guest();
        Guest idle = guest();
        assertGood(g.register(0, 0xA1), "REGISTER");
        Path sidecar = dir.resolve("shared.img.prsidecar.json");
        LockedFile held = FileLocks.system().open(sidecar, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE,
                Duration.ofSeconds(5));
        CompletableFuture<HelperResponse> inFlight;
        CompletableFuture<Object> stopping;
        try {
            inFlight = HelperTestSupport.async(() -> {
                try {
                    return g.reserve(0xA1, WE);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            Thread.sleep(300); // the RESERVE is waiting for the lock
            stopping = HelperTestSupport.async(() -> {
                daemon.server.stop(Duration.ofSeconds(10));
                return null;
            });
            HelperTestSupport.await("the socket is removed at once", Duration.ofSeconds(5),
                    () -> !Files.exists(socket));
            assertClosedWithoutAnswer(idle.client().connection());
            assertFalse(inFlight.isDone(), "still waiting for the lock");
            assertFalse(stopping.isDone(), "stop waits for the command in flight");
        } finally {
            held.close();
        }
        assertGood(inFlight.get(10, TimeUnit.SECONDS), "the command in flight is answered");
        stopping.get(10, TimeUnit.SECONDS);
        assertClosedWithoutAnswer(g.client().connection());
        assertEquals(0, daemon.server.activeConnections());
        // the RESERVE was made durable before it was answered
        daemon = daemon(Duration.ofSeconds(5), Set.of());
        assertEquals(WE, guest().readReservation().reservation().orElseThrow().type());
    }
}
