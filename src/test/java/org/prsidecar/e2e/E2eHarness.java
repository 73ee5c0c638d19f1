package org.prsidecar.e2e;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * End-to-end tests with real guests: a real QEMU (Debian's qemu-system-x86, TCG) boots a real Debian
 * kernel whose SCSI disk is a {@code scsi-block} device on a host loop device, with
 * {@code file.pr-manager=} pointing at a helper's Unix socket. Every PERSISTENT RESERVE IN/OUT the guest
 * sends ({@code sg_persist}, {@code sg_raw}...) goes over that socket to the helper under test. This class
 * drives the shell harness in {@code src/test/e2e/} (see its README.md).
 *
 * <h2>A two-node test</h2>
 * <pre>{@code
 * @Tag("e2e")
 * class TwoNodeFailoverTest {
 *     static E2eHarness e2e;
 *
 *     @BeforeAll
 *     static void harness() {
 *         e2e = E2eHarness.get();                           // builds once per JVM, or fails saying why
 *     }
 *
 *     @Test
 *     void nodeBPreemptsNodeA() {
 *         Path socket = e2e.socketPath("prsidecar");
 *         try (LoopDisk disk = e2e.loopDisk();
 *              var daemon = startOurDaemon(socket)) {          // anything that serves the socket
 *             E2eHarness.awaitSocket(socket, Duration.ofSeconds(10));
 *             GuestResults r = e2e.guests(socket, disk).run(
 *                 guest("nodeA").uuid(UUID_A).shell("""
 *                     run sg_persist --out --register --param-sark=0xa /dev/sda
 *                     run sg_persist --out --reserve --param-rk=0xa --prout-type=1 /dev/sda
 *                     run wait_for 60 lacks_keys 0xa              # until B has preempted us
 *                     run sg_persist --in --read-full-status /dev/sda
 *                     """),
 *                 guest("nodeB").uuid(UUID_B).shell("""
 *                     run sg_persist --out --register --param-sark=0xb /dev/sda
 *                     run wait_for 60 reserved_by 0xa             # until A holds the reservation
 *                     run sg_persist --out --preempt --param-rk=0xb --param-sark=0xa --prout-type=1 /dev/sda
 *                     run sg_persist --in --read-reservation /dev/sda
 *                     """));
 *             r.assertAllSucceeded();                           // failures carry qemu.err + console tail
 *             assertEquals(0xbL, r.get("nodeB").command(4).reservationKey(), r::diagnostics);
 *         }
 *     }
 * }
 * }</pre>
 * Guests share nothing but the disk and the helper, so they wait for each other by polling the PR state
 * with the guest library's {@code wait_for SECONDS CMD}, {@code has_keys KEY...}, {@code lacks_keys KEY...}
 * and {@code reserved_by KEY}. A test that must crash a node uses {@link GuestGroup#start(Guest)} and
 * {@link RunningGuest#kill()}; one that watches QEMU's side uses {@link Guest#withQmp()} and
 * {@link RunningGuest#qmp()}.
 *
 * <h2>What it needs, and what it does when that is missing</h2>
 * Root (apt-get, losetup, opening /dev/loopN) and a Debian 12 machine. {@link #get()} runs
 * {@code src/test/e2e/build.sh} once per JVM, which installs the missing Debian packages and builds the
 * guest kernel/initramfs and the SG_IO shim into {@code $PR_E2E_CACHE} (default {@code /var/tmp/pr-e2e}).
 * If that is impossible, every e2e test FAILS with build.sh's message, which names the missing packages
 * and the command that installs them: an e2e test is never skipped silently. Exclude the tag instead:
 * {@code ./mvnw verify -Dsurefire.excludedGroups=e2e}.
 *
 * <h2>Where things go</h2>
 * Logs and images: {@code target/e2e/<date>-<pid>/NNN-name/} (one directory per guest run, holding
 * console.log, qemu.err, qemu.cmd, shim.log, script.txt). Unix sockets: a short directory under /tmp
 * (socket paths are limited to 107 bytes), removed when the JVM exits. Loop devices, stubs and guests
 * still open when the JVM exits are detached or killed by a shutdown hook.
 */
public final class E2eHarness {

    /** Default size of {@link #loopDisk()}: sparse, so it costs no disk space. */
    public static final long DEFAULT_DISK_BYTES = 64L << 20;

    private static final Duration BUILD_TIMEOUT = Duration.ofMinutes(30);

    private static E2eHarness instance;
    private static String failure;

    private final Path e2eDir;
    private final Path workRoot;
    private final Path socketDir;
    private final Duration buildTime;
    private final AtomicInteger dirSeq = new AtomicInteger();
    private final AtomicInteger socketSeq = new AtomicInteger();
    private final List<AutoCloseable> open = Collections.synchronizedList(new ArrayList<>());

    private E2eHarness(Path e2eDir, Path workRoot, Path socketDir, Duration buildTime) {
        this.e2eDir = e2eDir;
        this.workRoot = workRoot;
        this.socketDir = socketDir;
        this.buildTime = buildTime;
        Runtime.getRuntime().addShutdownHook(new Thread(this::cleanup, "pr-e2e-cleanup"));
    }

    /**
     * The harness, ready: on the first call per JVM it checks for root and loop devices and runs
     * build.sh (about 1.5 minutes when it has to install the packages, 0.2 s when all is there). Throws
     * {@link AssertionError} saying exactly what is missing and how to install it; later calls in the same
     * JVM throw the same error at once.
     */
    public static synchronized E2eHarness get() {
        if (instance == null && failure == null) {
            try {
                instance = prepare();
            } catch (AssertionError e) {
                failure = e.getMessage();
            }
        }
        if (failure != null) {
            throw new AssertionError(failure);
        }
        return instance;
    }

    private static E2eHarness prepare() {
        Path e2eDir = locateE2eDir();
        String uid = uid();
        if (!"0".equals(uid)) {
            throw new AssertionError("the e2e tests need root (uid " + uid + " here): build.sh installs Debian packages"
                    + " with apt-get and the tests attach loop devices with losetup. Run them as root, or leave"
                    + " them out with -Dsurefire.excludedGroups=e2e");
        }
        if (!Files.exists(Path.of("/dev/loop-control"))) {
            throw new AssertionError("no loop device support here (/dev/loop-control is missing): the e2e tests need"
                    + " the loop driver (`modprobe loop`, or a kernel with it built in)");
        }
        Path target = e2eDir.getParent().getParent().getParent().resolve("target");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT));
        Path workRoot = target.resolve("e2e").resolve(stamp + "-" + ProcessHandle.current().pid());
        Path socketDir;
        try {
            Files.createDirectories(workRoot);
            socketDir = Files.createTempDirectory(Path.of("/tmp"), "pr-e2e-j");
        } catch (IOException e) {
            throw new AssertionError("cannot create the e2e work directories under " + target + " and /tmp: " + e, e);
        }
        long t0 = System.nanoTime();
        Exec.Result build = Exec.run(BUILD_TIMEOUT, "bash", e2eDir.resolve("build.sh").toString());
        Duration buildTime = Duration.ofNanos(System.nanoTime() - t0);
        try {
            Files.writeString(workRoot.resolve("build.log"), build.output(), StandardCharsets.UTF_8);
        } catch (IOException ignored) {
            // the log is a convenience; the message below carries the output
        }
        if (!build.ok()) {
            throw new AssertionError("the e2e harness is not ready: " + e2eDir.resolve("build.sh") + " exited "
                    + build.rc() + (build.rc() == 124 ? " (timed out after " + BUILD_TIMEOUT.toMinutes() + " min)" : "")
                    + ".\n" + build.output().strip()
                    + "\n(e2e tests are tagged \"e2e\"; leave them out with -Dsurefire.excludedGroups=e2e)");
        }
        return new E2eHarness(e2eDir, workRoot, socketDir, buildTime);
    }

    /** src/test/e2e: {@code -Dprsidecar.e2e.dir=...}, else found upwards from the working directory. */
    private static Path locateE2eDir() {
        String prop = System.getProperty("prsidecar.e2e.dir");
        if (prop != null) {
            Path p = Path.of(prop).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p.resolve("run-guest.sh"))) {
                throw new AssertionError("-Dprsidecar.e2e.dir=" + prop + " has no run-guest.sh");
            }
            return p;
        }
        for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
            Path p = d.resolve("src/test/e2e");
            if (Files.isRegularFile(p.resolve("run-guest.sh"))) {
                return p;
            }
        }
        throw new AssertionError("cannot find src/test/e2e/run-guest.sh above " + Path.of("").toAbsolutePath()
                + " (run the tests from the project, or set -Dprsidecar.e2e.dir)");
    }

    private static String uid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2];            // effective uid
                }
            }
        } catch (IOException ignored) {
            // not Linux: reported as unknown
        }
        return "unknown";
    }

    /**
     * Waits until something accepts connections on the Unix socket {@code socket} (a helper started as
     * a process binds a little after it starts; QEMU exits at once if nothing listens). It probes by
     * connecting and closing at once, so the helper sees one connection that ends before the handshake.
     */
    public static void awaitSocket(Path socket, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(socket));
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("nothing listens on " + socket + " after " + timeout.toSeconds()
                            + " s: " + e, e);
                }
            }
            Exec.pause(20);
        }
    }

    /** src/test/e2e (build.sh, run-guest.sh, stub_helper.py, qmp.py...). */
    public Path e2eDir() {
        return e2eDir;
    }

    /** $PR_E2E_CACHE or /var/tmp/pr-e2e: the built kernel, initramfs and shim. */
    public Path cacheDir() {
        String c = System.getenv("PR_E2E_CACHE");
        return Path.of(c == null || c.isEmpty() ? "/var/tmp/pr-e2e" : c);
    }

    /** This JVM's directory for logs and images, {@code target/e2e/<date>-<pid>}. */
    public Path workRoot() {
        return workRoot;
    }

    /** How long build.sh took in this JVM. */
    public Duration buildTime() {
        return buildTime;
    }

    /** A new, empty directory {@code NNN-name} under {@link #workRoot()}. */
    public Path workDir(String name) {
        Path d = workRoot.resolve(String.format(Locale.ROOT, "%03d-%s", dirSeq.incrementAndGet(), name));
        try {
            return Files.createDirectories(d);
        } catch (IOException e) {
            throw new AssertionError("cannot create " + d + ": " + e, e);
        }
    }

    /** A fresh path for a Unix socket, short enough for sun_path; nothing is created there. */
    public Path socketPath(String name) {
        return socketDir.resolve(String.format(Locale.ROOT, "%03d-%s.sock", socketSeq.incrementAndGet(), name));
    }

    /** A 64 MiB sparse image in a new work directory, attached to a free loop device. */
    public LoopDisk loopDisk() {
        return loopDisk(workDir("disk").resolve("disk.img"), DEFAULT_DISK_BYTES);
    }

    /** {@code image} (created sparse with {@code bytes} if missing) attached to a free loop device. */
    public LoopDisk loopDisk(Path image, long bytes) {
        return track(LoopDisk.attach(image, bytes));
    }

    /**
     * Starts src/test/e2e/stub_helper.py on a fresh socket ({@link StubHelper#socket()}), with extra
     * arguments such as {@code "--keys", "0xabc,0xdef"} or {@code "--fault", "no-handshake"}.
     */
    public StubHelper startStub(String... args) {
        return track(StubHelper.start(e2eDir.resolve("stub_helper.py"), socketPath("stub"), workDir("stub"),
                List.of(args)));
    }

    /** Guests on {@code disk} whose PR commands go to the helper listening on {@code helperSocket}. */
    public GuestGroup guests(Path helperSocket, LoopDisk disk) {
        return new GuestGroup(this, helperSocket, disk);
    }

    RunningGuest start(Guest guest, Path helperSocket, LoopDisk disk) {
        if (!Files.exists(helperSocket)) {
            throw new AssertionError("no helper socket at " + helperSocket + ": start the helper before the guests"
                    + " (QEMU connects at startup and exits if nothing listens)");
        }
        Path logDir = workDir("guest-" + guest.name());
        Path qmp = guest.serveQmp() ? socketPath(guest.name() + "-qmp") : null;
        RunningGuest g = RunningGuest.start(e2eDir.resolve("run-guest.sh"), guest, helperSocket, disk.device(),
                logDir, qmp);
        open.add(g);
        return g;
    }

    private <T extends AutoCloseable> T track(T resource) {
        open.add(resource);
        return resource;
    }

    /** Shutdown hook: ends guests and stubs, detaches loop devices, removes the socket directory. */
    private void cleanup() {
        List<AutoCloseable> all;
        synchronized (open) {
            all = new ArrayList<>(open);
        }
        Collections.reverse(all);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception | AssertionError e) {
                System.err.println("pr-e2e cleanup: " + e.getMessage());
            }
        }
        try (Stream<Path> s = Files.walk(socketDir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // /tmp is cleaned eventually
        }
    }
}
