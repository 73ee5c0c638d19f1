package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** AF_UNIX sockets, SCM_RIGHTS and SO_PEERCRED against the real kernel. */
@SuppressWarnings("try") // try-with-resources that only hold a lock or a socket open
class UnixSocketTest {
    @TempDir
    Path dir;
    Path socketPath;
    Path dataFile;
    Set<String> fdsBefore;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        socketPath = dir.resolve("pr.sock");
        dataFile = dir.resolve("disk.img");
        Files.write(dataFile, "data".getBytes(StandardCharsets.US_ASCII));
        PosixPlatform.requireAvailable();
        fdsBefore = NativeTestSupport.openFds();
    }

    @AfterEach
    void closeAndCheckForLeaks() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
        NativeTestSupport.assertNoLeak(fdsBefore, socketPath, dataFile);
    }

    private <T extends AutoCloseable> T closing(T c) {
        toClose.add(c);
        return c;
    }

    /** A server with one accepted connection and its client. */
    private UnixConnection[] pair() throws Exception {
        UnixServerSocket server = closing(UnixServerSocket.bind(socketPath, 0600, 8));
        UnixConnection client = closing(UnixConnection.connect(socketPath));
        UnixConnection accepted = closing(server.accept());
        return new UnixConnection[] {client, accepted};
    }

    private static int receiveFully(UnixConnection c, byte[] buf, List<Integer> fds) throws IOException {
        int total = 0;
        while (total < buf.length) {
            int n = c.receive(buf, total, buf.length - total, fds);
            if (n == 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Test
    void scmRightsRoundTripPassesTheSameOpenFile() throws Exception {
        UnixConnection[] p = pair();
        try (PosixFile f = PosixFile.open(dataFile, OpenMode.READ_ONLY, 0)) {
            p[0].send(new byte[] {42}, 0, 1, f.fd());
            List<Integer> fds = new ArrayList<>();
            byte[] buf = new byte[16];
            assertEquals(1, p[1].receive(buf, 0, buf.length, fds));
            assertEquals(42, buf[0]);
            assertEquals(1, fds.size());
            int received = fds.get(0);
            assertNotEquals(f.fd(), received);
            FileStat original = f.stat();
            FileStat passed = FileStat.of(received);
            assertTrue(passed.sameFileAs(original), passed + " vs " + original);
            assertEquals(dataFile.toRealPath(), Fd.readLink(received));
            assertTrue(closeOnExec(received), "received fd must be O_CLOEXEC (MSG_CMSG_CLOEXEC)");
            Fd.close(received);
            assertFalse(Fd.isOpen(received) && Fd.readLink(received).equals(dataFile.toRealPath()));
        }
    }

    private static boolean closeOnExec(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) {
                return (Integer.parseInt(line.substring(6).trim(), 8) & 02000000) != 0;
            }
        }
        throw new AssertionError("no flags in fdinfo");
    }

    @Test
    void twoFdsInOneMessage() throws Exception {
        UnixConnection[] p = pair();
        Path other = Files.writeString(dir.resolve("other"), "x");
        try (PosixFile a = PosixFile.open(dataFile, OpenMode.READ_ONLY, 0);
                PosixFile b = PosixFile.open(other, OpenMode.READ_ONLY, 0)) {
            byte[] message = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
            p[0].send(message, 0, message.length, a.fd(), b.fd());
            List<Integer> fds = new ArrayList<>();
            byte[] buf = new byte[16];
            assertEquals(16, receiveFully(p[1], buf, fds));
            assertArrayEquals(message, buf);
            assertEquals(2, fds.size());
            assertTrue(FileStat.of(fds.get(0)).sameFileAs(a.stat()));
            assertTrue(FileStat.of(fds.get(1)).sameFileAs(b.stat()));
            for (int fd : fds) {
                Fd.close(fd);
            }
        }
    }

    @Test
    void moreFdsThanTheControlBufferHoldsIsAnErrorAndLeaksNothing() throws Exception {
        UnixConnection[] p = pair();
        List<PosixFile> files = new ArrayList<>();
        try {
            int[] fds = new int[UnixConnection.MAX_FDS + 1];
            for (int i = 0; i < fds.length; i++) {
                PosixFile f = PosixFile.open(dataFile, OpenMode.READ_ONLY, 0);
                files.add(f);
                fds[i] = f.fd();
            }
            Set<String> beforeReceive = NativeTestSupport.openFds();
            p[0].send(new byte[] {1}, 0, 1, fds);
            List<Integer> out = new ArrayList<>();
            IOException e = assertThrows(IOException.class, () -> p[1].receive(new byte[4], 0, 4, out));
            assertTrue(e.getMessage().contains("MSG_CTRUNC"), e.getMessage());
            assertTrue(out.isEmpty(), "no fd handed out: " + out);
            assertEquals(beforeReceive, NativeTestSupport.openFds(), "fds that arrived must be closed");
        } finally {
            for (PosixFile f : files) {
                f.close();
            }
        }
    }

    @Test
    void fdsRideOnTheFirstChunkOfALargeMessage() throws Exception {
        UnixConnection[] p = pair();
        byte[] big = new byte[100_000];
        new Random(7).nextBytes(big);
        try (PosixFile f = PosixFile.open(dataFile, OpenMode.READ_ONLY, 0)) {
            CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
                try {
                    p[0].send(big, 0, big.length, f.fd());
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] got = new byte[big.length];
            List<Integer> fds = new ArrayList<>();
            int total = 0;
            int firstFdAt = -1;
            while (total < got.length) {
                int n = p[1].receive(got, total, got.length - total, fds);
                assertTrue(n > 0);
                if (firstFdAt < 0 && !fds.isEmpty()) {
                    firstFdAt = total;
                }
                total += n;
            }
            sender.get(10, TimeUnit.SECONDS);
            assertArrayEquals(big, got);
            assertEquals(1, fds.size());
            assertEquals(0, firstFdAt, "the fd arrives with the first bytes");
            Fd.close(fds.get(0));
        }
    }

    @Test
    void peerCredentialsAreOurPidUidAndGid() throws Exception {
        UnixConnection[] p = pair();
        PeerCredentials expected = new PeerCredentials((int) ProcessHandle.current().pid(),
                Credentials.euid(), Credentials.egid());
        assertEquals(expected, p[1].peerCredentials());
        assertEquals(expected, p[0].peerCredentials());
        assertEquals(Credentials.pid(), p[1].peerCredentials().pid());
    }

    @Test
    void closeWakesABlockedAcceptWithinOneSecond() throws Exception {
        UnixServerSocket server = closing(UnixServerSocket.bind(socketPath, 0600, 8));
        AtomicBoolean started = new AtomicBoolean();
        CompletableFuture<UnixConnection> accepting = CompletableFuture.supplyAsync(() -> {
            started.set(true);
            try {
                return server.accept();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        while (!started.get()) {
            Thread.sleep(5);
        }
        Thread.sleep(200);
        assertFalse(accepting.isDone());
        long start = System.nanoTime();
        server.close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> accepting.get(1, TimeUnit.SECONDS));
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1));
        assertInstanceOf(ClosedChannelException.class, e.getCause().getCause());
        assertThrows(ClosedChannelException.class, server::accept);
        assertFalse(server.isOpen());
    }

    @Test
    void shutdownWakesABlockedReceiveWithinOneSecond() throws Exception {
        UnixConnection[] p = pair();
        CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> {
            try {
                return p[1].receive(new byte[8], 0, 8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertFalse(receiving.isDone());
        p[1].shutdown();
        assertEquals(0, receiving.get(1, TimeUnit.SECONDS), "end of stream after shutdown");
    }

    @Test
    void closeWakesABlockedReceive() throws Exception {
        UnixConnection[] p = pair();
        CompletableFuture<Integer> receiving = CompletableFuture.supplyAsync(() -> {
            try {
                return p[1].receive(new byte[8], 0, 8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        p[1].close();
        ExecutionException e = assertThrows(ExecutionException.class, () -> receiving.get(1, TimeUnit.SECONDS));
        assertInstanceOf(AsynchronousCloseException.class, e.getCause().getCause());
        assertThrows(ClosedChannelException.class, () -> p[1].receive(new byte[8], 0, 8));
        p[1].close(); // idempotent
    }

    @Test
    void endOfStreamWhenThePeerCloses() throws Exception {
        UnixConnection[] p = pair();
        p[0].send(new byte[] {9}, 0, 1);
        p[0].close();
        byte[] buf = new byte[4];
        assertEquals(1, p[1].receive(buf, 0, 4));
        assertEquals(0, p[1].receive(buf, 0, 4));
    }

    @Test
    void sendingToAClosedPeerIsEpipeNotASignal() throws Exception {
        UnixConnection[] p = pair();
        p[1].close();
        PosixException e = assertThrows(PosixException.class, () -> {
            for (int i = 0; i < 100; i++) {
                p[0].send(new byte[1024], 0, 1024);
            }
        });
        assertTrue(e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET, e.getMessage());
    }

    @Test
    void receiveTimeoutIsEagainAndMarkedAsTimeout() throws Exception {
        UnixConnection[] p = pair();
        p[1].setReceiveTimeout(Duration.ofMillis(200));
        long start = System.nanoTime();
        PosixException e = assertThrows(PosixException.class, () -> p[1].receive(new byte[4], 0, 4));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertTrue(e.isTimeout());
        assertEquals(Errno.EAGAIN, e.errno());
        assertTrue(millis >= 150 && millis < 1000, millis + " ms");
        p[1].setReceiveTimeout(Duration.ZERO);
        p[0].send(new byte[] {5}, 0, 1);
        assertEquals(1, p[1].receive(new byte[4], 0, 4));
    }

    @Test
    void bindReplacesAStaleSocket() throws Exception {
        UnixServerSocket first = UnixServerSocket.bind(socketPath, 0600, 8);
        first.close(); // the file stays: a crashed daemon leaves it the same way
        assertTrue(FileStat.of(socketPath, false).isSocket());
        UnixServerSocket second = closing(UnixServerSocket.bind(socketPath, 0600, 8));
        try (UnixConnection c = UnixConnection.connect(socketPath); UnixConnection a = second.accept()) {
            c.send(new byte[] {1}, 0, 1);
            assertEquals(1, a.receive(new byte[1], 0, 1));
        }
    }

    @Test
    void bindRefusesASocketSomebodyListensOn() throws Exception {
        closing(UnixServerSocket.bind(socketPath, 0600, 8));
        PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.bind(socketPath, 0600, 8));
        assertEquals(Errno.EADDRINUSE, e.errno());
    }

    @Test
    void bindRefusesARegularFileAndLeavesItIntact() throws Exception {
        Files.writeString(socketPath, "precious");
        PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.bind(socketPath, 0600, 8));
        assertEquals(Errno.EEXIST, e.errno());
        assertTrue(e.getMessage().contains(socketPath.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("regular file"), e.getMessage());
        assertEquals("precious", Files.readString(socketPath));
    }

    @Test
    void bindRefusesRelativeAndOverlongPaths() {
        assertThrows(IllegalArgumentException.class, () -> UnixServerSocket.bind(Path.of("rel.sock"), 0600, 8));
        Path tooLong = dir.resolve("x".repeat(120));
        PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.bind(tooLong, 0600, 8));
        assertEquals(Errno.ENAMETOOLONG, e.errno());
    }

    @Test
    void modeIsAppliedBeforeAnyoneCanConnect() throws Exception {
        // a connector hammers the path while we bind: the first connect that gets through
        // must already see the final mode (chmod happens before listen)
        AtomicBoolean stop = new AtomicBoolean();
        CompletableFuture<Integer> connector = CompletableFuture.supplyAsync(() -> {
            while (!stop.get()) {
                try (UnixConnection c = UnixConnection.connect(socketPath)) {
                    return FileStat.of(socketPath, false).permissions();
                } catch (IOException e) {
                    Thread.onSpinWait();
                }
            }
            return -1;
        });
        Thread.sleep(50);
        UnixServerSocket server = closing(UnixServerSocket.bind(socketPath, 0600, 64));
        int modeSeenAtFirstConnect = connector.get(5, TimeUnit.SECONDS);
        stop.set(true);
        assertEquals(0600, modeSeenAtFirstConnect);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socketPath)));
        server.accept().close();
    }

    @Test
    void anotherUserCannotConnectThroughMode0600ButCanThrough0666() throws Exception {
        NativeTestSupport.requireRoot("connecting as another user");
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sock = open.resolve("s");
        String script = "import os, socket, sys\n"
                + "os.setgid(65534); os.setuid(65534)\n"
                + "s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)\n"
                + "try:\n"
                + "    s.connect(sys.argv[1]); print('CONNECTED')\n"
                + "except PermissionError:\n"
                + "    print('EACCES')\n";
        try (UnixServerSocket strict = UnixServerSocket.bind(sock, 0600, 8)) {
            assertEquals("EACCES", runPython(script, sock));
            strict.closeAndUnlink();
        }
        try (UnixServerSocket lax = UnixServerSocket.bind(sock, 0666, 8)) {
            assertEquals("CONNECTED", runPython(script, sock));
            lax.accept().close();
            lax.closeAndUnlink();
        }
    }

    private static String runPython(String script, Path arg) throws Exception {
        Process py = new ProcessBuilder("python3", "-c", script, arg.toString())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String line = NativeTestSupport.awaitLine(py, 20_000, "EACCES", "CONNECTED");
        assertTrue(py.waitFor(10, TimeUnit.SECONDS));
        return line;
    }

    @Test
    void inheritAcceptsAListeningSocketAsSystemdPassesIt() throws Exception {
        int fd = rawListeningSocket(socketPath, true);
        UnixServerSocket inherited = closing(UnixServerSocket.inherit(fd));
        assertEquals(socketPath, inherited.path());
        assertTrue(inherited.inherited());
        assertTrue(closeOnExec(fd), "inherit sets FD_CLOEXEC");
        try (UnixConnection c = UnixConnection.connect(socketPath); UnixConnection a = inherited.accept()) {
            c.send(new byte[] {3}, 0, 1);
            assertEquals(1, a.receive(new byte[1], 0, 1));
        }
        assertFalse(inherited.closeAndUnlink(), "systemd owns the file of an inherited socket");
        assertTrue(Files.exists(socketPath));
        assertFalse(Fd.isOpen(fd) && Fd.readLink(fd).toString().startsWith("socket:"));
    }

    @Test
    void inheritRefusesWhatIsNotAListeningStreamSocket() throws Exception {
        try (PosixFile regular = PosixFile.open(dataFile, OpenMode.READ_ONLY, 0)) {
            PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.inherit(regular.fd()));
            assertEquals(Errno.ENOTSOCK, e.errno());
            assertTrue(e.getMessage().contains("regular file"), e.getMessage());
            assertTrue(Fd.isOpen(regular.fd()), "a refused fd stays the caller's");
        }
        int notListening = rawListeningSocket(socketPath, false);
        try {
            PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.inherit(notListening));
            assertEquals(Errno.EINVAL, e.errno());
            assertTrue(e.getMessage().contains("not listening"), e.getMessage());
        } finally {
            Fd.close(notListening);
        }
        int datagram = LibC.socket(Sockets.AF_UNIX, 2 /* SOCK_DGRAM */ | Sockets.SOCK_CLOEXEC, 0);
        try {
            PosixException e = assertThrows(PosixException.class, () -> UnixServerSocket.inherit(datagram));
            assertEquals(Errno.EPROTOTYPE, e.errno());
        } finally {
            Fd.close(datagram);
        }
    }

    /** socket, bind, (listen): what systemd does before passing fd 3. */
    private static int rawListeningSocket(Path path, boolean listen) throws Exception {
        byte[] cpath = CString.of(path);
        int fd = LibC.socket(Sockets.AF_UNIX, Sockets.SOCK_STREAM, 0); // no CLOEXEC, as inherited
        try (Memory addr = Sockets.address(cpath)) {
            assertEquals(0, LibC.bind(fd, addr, Sockets.addressLength(cpath)), "bind errno " + LibC.errno());
        }
        if (listen) {
            assertEquals(0, LibC.listen(fd, 8));
        }
        return fd;
    }

    @Test
    void closeAndUnlinkRemovesOurSocketFile() throws Exception {
        UnixServerSocket server = UnixServerSocket.bind(socketPath, 0600, 8);
        assertTrue(server.closeAndUnlink());
        assertFalse(Files.exists(socketPath));
        assertFalse(server.closeAndUnlink());
    }

    @Test
    void closeAndUnlinkLeavesASocketThatReplacedOurs() throws Exception {
        UnixServerSocket old = UnixServerSocket.bind(socketPath, 0600, 8);
        FileStat oldFile = FileStat.of(socketPath, false);
        Files.delete(socketPath); // a newer instance found it in the way...
        UnixServerSocket newer = closing(UnixServerSocket.bind(socketPath, 0600, 8)); // ...and bound its own
        assertFalse(FileStat.of(socketPath, false).sameFileAs(oldFile));
        assertFalse(old.closeAndUnlink());
        assertTrue(Files.exists(socketPath));
        try (UnixConnection c = UnixConnection.connect(socketPath); UnixConnection a = newer.accept()) {
            assertTrue(a.isOpen());
        }
    }

    @Test
    void connectToNothingIsARefusalOrMissingFile() throws Exception {
        PosixException e = assertThrows(PosixException.class, () -> UnixConnection.connect(socketPath));
        assertEquals(Errno.ENOENT, e.errno());
        assertTrue(e.getMessage().startsWith("connect " + socketPath + ": "), e.getMessage());
    }
}
