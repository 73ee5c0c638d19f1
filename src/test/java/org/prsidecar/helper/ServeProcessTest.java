package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.prsidecar.helper.HelperTestSupport.assertGood;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.HelperTestSupport.Guest;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.scsi.ReservationType;

/** {@code prsidecar serve} as a process: signals, pidfile, -d, socket activation, inherited fds, config errors. */
class ServeProcessTest {
    static final String NODE1 = "iqn.2026-11.com.example:node1";
    /** A prefix that starts the daemon with SIGTERM, SIGINT and SIGHUP at their default dispositions. */
    private static final List<String> DEFAULT_STOP_SIGNALS = List.of("env", "--default-signal=TERM,INT,HUP");

    @TempDir
    Path dir;
    Path socket;
    Path pidFile;
    Path conf;
    Path image;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        socket = dir.resolve("pr.sock");
        pidFile = dir.resolve("prsidecar.pid");
        conf = dir.resolve("prsidecar.conf");
        Files.writeString(conf, "# test configuration\nlock-timeout = 2s\n");
        image = dir.resolve("disk.img");
        Files.write(image, new byte[4096]);
        Files.createDirectories(dir.resolve("sidecars"));
    }

    @AfterEach
    void tearDown() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) {
            toClose.get(i).close();
        }
    }

    private List<String> common(String... more) {
        List<String> a = new ArrayList<>(List.of("-c", conf.toString(), "--sidecar-dir",
                dir.resolve("sidecars").toString(), "--initiator", NODE1));
        a.addAll(List.of(more));
        return a;
    }

    private ServeProcess serve(List<String> prefix, Map<String, String> env, String log, List<String> args)
            throws IOException {
        ServeProcess p = ServeProcess.start(dir.resolve(log), env, prefix, args.toArray(String[]::new));
        toClose.add(p);
        return p;
    }

    private ServeProcess serve(String log, String... args) throws IOException {
        return serve(List.of(), Map.of(), log, List.of(args));
    }

    private static List<String> concat(List<String> a, String... b) {
        List<String> l = new ArrayList<>(a);
        l.addAll(List.of(b));
        return l;
    }

    private Guest guest(Path sock) throws Exception {
        PosixFile f = PosixFile.open(image, OpenMode.READ_WRITE, 0);
        toClose.add(f);
        HelperClient c = HelperTestSupport.connect(sock);
        toClose.add(c);
        return new Guest(c, f.fd());
    }

    // ------------------------------------------------------------------ signals and pidfile

    @Test
    void sigtermExitsZeroAndRemovesSocketAndPidfile() throws Exception {
        ServeProcess p = serve("serve.log", concat(List.of("serve", "-k", socket.toString(), "-f",
                pidFile.toString()), common().toArray(String[]::new)).toArray(String[]::new))
                .awaitReady(Duration.ofSeconds(60));
        assertEquals(Long.toString(p.process.pid()), Files.readString(pidFile).strip(), "the pidfile names us");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)), "socket mode 0600");
        assertGood(guest(socket).register(0, 0xA), "REGISTER");
        p.terminate();
        assertEquals(0, p.waitFor(Duration.ofSeconds(30)), p.log());
        assertFalse(Files.exists(socket), "socket removed");
        assertFalse(Files.exists(pidFile), "pidfile removed");
        assertTrue(p.log().contains("stopped"), p.log());
    }

    @Test
    void sigintAndSighupStopCleanlyToo() throws Exception {
        for (String signal : new String[] {"INT", "HUP"}) {
            Path sock = dir.resolve(signal + ".sock");
            // default dispositions, as systemd and libvirt give: a test run from a background job
            // or under nohup would otherwise hand the daemon an ignored SIGINT or SIGHUP
            ServeProcess p = serve(DEFAULT_STOP_SIGNALS, Map.of(), signal + ".log", concat(List.of("serve", "-k",
                    sock.toString(), "--socket-mode", "0660"), common().toArray(String[]::new)))
                    .awaitReady(Duration.ofSeconds(60));
            assertFalse(p.log().contains("ignored when prsidecar started"), p.log());
            assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(sock, java.nio.file.LinkOption.NOFOLLOW_LINKS)));
            assertEquals(0, run("kill", "-" + signal, Long.toString(p.process.pid())));
            assertEquals(0, p.waitFor(Duration.ofSeconds(30)), signal + ": " + p.log());
            assertFalse(Files.exists(sock), signal + ": socket removed");
        }
    }

    @Test
    void aSighupIgnoredAtStartStaysIgnoredIsLoggedAndSigtermStillStops() throws Exception {
        ServeProcess p = serve(List.of("env", "--default-signal=TERM,INT", "--ignore-signal=HUP"), Map.of(),
                "nohup.log", concat(List.of("serve", "-k", socket.toString()), common().toArray(String[]::new)))
                .awaitReady(Duration.ofSeconds(60));
        assertTrue(p.log().contains("SIGHUP was ignored when prsidecar started (nohup, or a shell's background job)"
                + " and does not stop the daemon; stop it with SIGTERM"), p.log());
        assertEquals(0, run("kill", "-HUP", Long.toString(p.process.pid())));
        assertGood(guest(socket).register(0, 0xA), "REGISTER after SIGHUP");
        // a handled SIGHUP would have the daemon log "stopping" and exit within milliseconds
        assertFalse(p.process.waitFor(2, java.util.concurrent.TimeUnit.SECONDS), "exited on SIGHUP: " + p.log());
        assertFalse(p.log().contains("stopping"), p.log());
        p.terminate();
        assertEquals(0, p.waitFor(Duration.ofSeconds(30)), p.log());
        assertFalse(Files.exists(socket), "socket removed");
    }

    @Test
    void secondInstanceWithTheSamePidfileIsRefusedNamingThePid() throws Exception {
        ServeProcess first = serve("first.log", concat(List.of("serve", "-k", socket.toString(), "-f",
                pidFile.toString()), common().toArray(String[]::new)).toArray(String[]::new))
                .awaitReady(Duration.ofSeconds(60));
        Path other = dir.resolve("other.sock");
        ServeProcess second = serve("second.log", concat(List.of("serve", "-k", other.toString(), "-f",
                pidFile.toString()), common().toArray(String[]::new)).toArray(String[]::new));
        assertEquals(2, second.waitFor(Duration.ofSeconds(60)), second.log());
        assertTrue(second.log().contains("pid " + first.process.pid()), "names the running pid: " + second.log());
        assertFalse(Files.exists(other), "the refused instance left no socket behind");
        assertEquals(Long.toString(first.process.pid()), Files.readString(pidFile).strip(), "pidfile untouched");
        assertGood(guest(socket).register(0, 0xA), "the first instance still serves");
    }

    @Test
    void daemonFlagReturnsOnceReadyAndTheDaemonServes() throws Exception {
        Path log = dir.resolve("daemon.log");
        ServeProcess parent = serve("d.log", concat(List.of("serve", "-d", "-k", socket.toString(), "-f",
                pidFile.toString(), "--log-file", log.toString()), common().toArray(String[]::new))
                .toArray(String[]::new));
        assertEquals(0, parent.waitFor(Duration.ofSeconds(60)), parent.log());
        assertTrue(Files.exists(socket), "ready means listening: the socket exists when -d returns");
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        ProcessHandle daemon = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        try {
            assertTrue(daemon.isAlive());
            assertTrue(parent.process.pid() != pid, "the daemon is another process");
            assertGood(guest(socket).register(0, 0xD), "the daemon serves");
        } finally {
            daemon.destroy();
            daemon.onExit().get(30, TimeUnit.SECONDS);
        }
        HelperTestSupport.await("socket removed", Duration.ofSeconds(5), () -> !Files.exists(socket));
        assertFalse(Files.exists(pidFile));
        assertTrue(Files.readString(log).contains("ready on " + socket), Files.readString(log));
    }

    @Test
    void daemonFlagReportsAStartupFailureAndExitsTwo() throws Exception {
        ServeProcess parent = serve("d.log", concat(List.of("serve", "-d", "-k", socket.toString(),
                "--sidecar-dir", dir.resolve("does-not-exist").toString(), "-c", conf.toString())).toArray(String[]::new));
        assertEquals(2, parent.waitFor(Duration.ofSeconds(60)), parent.log());
        assertTrue(parent.log().contains("does-not-exist"), parent.log());
        assertFalse(Files.exists(socket));
    }

    // ------------------------------------------------------------------ as libvirt runs it

    @Test
    void qemuPrHelperStyleCommandLineWithoutServe() throws Exception {
        // libvirt's managed mode: <pr_helper> -k SOCKET
        ServeProcess p = serve("k.log", concat(List.of("-k", socket.toString()), common().toArray(String[]::new))
                .toArray(String[]::new)).awaitReady(Duration.ofSeconds(60));
        assertGood(guest(socket).register(0, 0xA), "REGISTER");
        p.terminate();
        assertEquals(0, p.waitFor(Duration.ofSeconds(30)), p.log());
    }

    @Test
    void inheritedFdsStayOpenAndKeepTheirLock() throws Exception {
        requireTool("flock", "util-linux");
        Path lock = dir.resolve("libvirt-pidfile.lock");
        Files.writeString(lock, "");
        // like libvirt: the parent holds a lock on fd 7 and the helper inherits it across exec
        List<String> wrapper = List.of("sh", "-c", "exec 7<>\"$0\" && flock -n 7 && exec \"$@\"", lock.toString());
        ServeProcess p = serve(wrapper, Map.of(), "inherit.log", concat(List.of("-k", socket.toString()),
                common().toArray(String[]::new))).awaitReady(Duration.ofSeconds(60));
        Path fd7 = Path.of("/proc/" + p.process.pid() + "/fd/7");
        assertEquals(lock, Files.readSymbolicLink(fd7), "fd 7 is still the inherited lock file");
        assertGood(guest(socket).register(0, 0xA), "REGISTER");
        assertEquals(lock, Files.readSymbolicLink(fd7), "and still open after serving");
        assertEquals(1, run("flock", "-n", lock.toString(), "true"), "the inherited lock is still held");
        p.terminate();
        assertEquals(0, p.waitFor(Duration.ofSeconds(30)), p.log());
        assertEquals(0, run("flock", "-n", lock.toString(), "true"), "released when the helper exits");
    }

    @Test
    void unknownConfigurationKeyIsRefusedWithFileAndLine() throws Exception {
        Files.writeString(conf, "# prsidecar\nlock-timeout = 2s\nsidecar_dir = /srv\n");
        ServeProcess p = serve("conf.log", "serve", "-k", socket.toString(), "-c", conf.toString());
        assertEquals(2, p.waitFor(Duration.ofSeconds(60)), p.log());
        assertTrue(p.log().contains(conf + ":3: unknown key \"sidecar_dir\""), p.log());
        assertFalse(Files.exists(socket));
    }

    // ------------------------------------------------------------------ socket activation

    @Test
    void socketActivation() throws Exception {
        requireTool("systemd-socket-activate", "systemd");
        List<String> activate = List.of("systemd-socket-activate", "-l", socket.toString());
        ServeProcess p = serve(activate, Map.of(), "activated.log", concat(List.of("serve"),
                common().toArray(String[]::new)));
        HelperTestSupport.await("systemd-socket-activate listens", Duration.ofSeconds(30), () -> Files.exists(socket));
        // the first connection starts the helper, which takes fd 3 and answers the pending client
        Guest g = guest(socket);
        assertGood(g.register(0, 0xA), "REGISTER through the activated socket");
        p.awaitReady(Duration.ofSeconds(10));
        assertTrue(p.log().contains("(socket activation)"), p.log());
        p.terminate();
        assertEquals(0, p.waitFor(Duration.ofSeconds(30)), p.log());
        assertTrue(Files.exists(socket), "the socket file belongs to the service manager: left alone");
    }

    @Test
    void socketActivationWithDashKIsRefused() throws Exception {
        requireTool("systemd-socket-activate", "systemd");
        List<String> activate = List.of("systemd-socket-activate", "-l", socket.toString());
        Path mine = dir.resolve("mine.sock");
        ServeProcess p = serve(activate, Map.of(), "activated-k.log", concat(List.of("serve", "-k", mine.toString()),
                common().toArray(String[]::new)));
        HelperTestSupport.await("systemd-socket-activate listens", Duration.ofSeconds(30), () -> Files.exists(socket));
        try (org.prsidecar.posix.UnixConnection poke = org.prsidecar.posix.UnixConnection.connect(socket)) {
            assertEquals(2, p.waitFor(Duration.ofSeconds(60)), p.log());
        }
        assertTrue(p.log().contains("cannot be used with socket activation"), p.log());
        assertFalse(Files.exists(mine));
    }

    // ------------------------------------------------------------------ restart

    @Test
    void restartedServeIsBackWithinQemusReconnectWindow() throws Exception {
        List<String> args = concat(List.of("serve", "-k", socket.toString()), common().toArray(String[]::new));
        ServeProcess first = serve(List.of(), Map.of(), "r1.log", args).awaitReady(Duration.ofSeconds(60));
        Guest g = guest(socket);
        assertGood(g.register(0, 0xA), "REGISTER");
        assertGood(g.reserve(0xA, ReservationType.WRITE_EXCLUSIVE), "RESERVE");
        first.terminate();
        assertEquals(0, first.waitFor(Duration.ofSeconds(30)));
        long t0 = System.nanoTime();
        serve(List.of(), Map.of(), "r2.log", args); // Restart=always
        HelperClient again = HelperTestSupport.reconnectLikeQemu(socket);
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        toClose.add(again);
        Guest g2 = new Guest(again, g.diskFd());
        assertEquals(0xAL, g2.readReservation().reservation().orElseThrow().key(), "the table survived");
        assertEquals(List.of(0xAL), g2.readKeys().keys());
        System.out.println("restart to reconnect: " + millis + " ms");
    }

    // ------------------------------------------------------------------ tools

    private static int run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), String.join(" ", cmd) + " hung");
        return p.exitValue();
    }

    /** Installs {@code debianPackage} with apt-get if {@code tool} is missing, or fails saying what to install. */
    static void requireTool(String tool, String debianPackage) throws Exception {
        if (onPath(tool)) {
            return;
        }
        Optional<String> why = Optional.empty();
        try {
            Process p = new ProcessBuilder("sh", "-c", "apt-get install -y " + debianPackage
                    + " || (apt-get update && apt-get install -y " + debianPackage + ")").redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
                why = Optional.of(out.length() > 2000 ? out.substring(out.length() - 2000) : out);
            }
        } catch (IOException e) {
            why = Optional.of(e.toString());
        }
        if (!onPath(tool)) {
            fail("this test needs " + tool + " (Debian package " + debianPackage + "); apt-get install failed: "
                    + why.orElse("?"));
        }
    }

    private static boolean onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(d, tool))) {
                return true;
            }
        }
        return false;
    }
}
