package org.prsidecar.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.helper.HelperServer;
import org.prsidecar.helper.IdentityResolver;
import org.prsidecar.helper.ProcessTable;
import org.prsidecar.helper.RequestHandler;
import org.prsidecar.posix.Credentials;
import org.prsidecar.posix.PosixPlatform;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StorageCheck;

/**
 * The {@code serve} process: binds (or inherits) the socket, writes the pidfile, drops
 * privileges, serves until SIGTERM, SIGINT or SIGHUP, then finishes the commands in flight,
 * removes its socket and pidfile and exits 0.
 */
final class HelperDaemon {

    private static final System.Logger LOG = System.getLogger(HelperDaemon.class.getName());
    /** Set in the environment of the process {@code -d} starts. */
    static final String DAEMON_CHILD = "PRSIDECAR_DAEMON_CHILD";

    private final ServeSettings settings;
    private final CountDownLatch stopped = new CountDownLatch(1);

    HelperDaemon(ServeSettings settings) {
        this.settings = settings;
    }

    /** Runs until stopped; returns the exit status. */
    int run() throws ConfigException, IOException {
        long startNanos = System.nanoTime();
        PosixPlatform.requireAvailable();
        UnixServerSocket socket = listen();
        PidFile pidFile = null;
        try {
            if (settings.pidFile().isPresent()) {
                pidFile = PidFile.acquire(settings.pidFile().get());
            }
            prepareSidecarDirectory();
            dropPrivileges();
            SidecarStore store = new SidecarStore(SidecarStore.Options.defaults()
                    .withLockTimeout(settings.lockTimeout())
                    .withCacheBytes((long) settings.cacheMegabytes() << 20)
                    .withCreateMode(settings.sidecarMode())
                    .withProgram("prsidecar " + Version.get()));
            PersistentReservations engine = new PersistentReservations(settings.maxRegistrations());
            HelperServer server = new HelperServer(socket, identities(), new DiskResolver(settings.sidecarDir(),
                    settings.disks(), settings.otherDisks(), Path.of("/sys")), new RequestHandler(store, engine, settings.commandTimeout()),
                    new HelperServer.Options(settings.maxConnections(), settings.frameTimeout(), settings.allowUids(),
                            settings.allowGids()));
            PidFile pid = pidFile;
            List<String> ignored = Signals.onTermination(() -> stop(server, pid));
            if (!ignored.isEmpty()) {
                LOG.log(Level.WARNING, String.join(" and ", ignored) + (ignored.size() == 1 ? " was" : " were")
                        + " ignored when prsidecar started (nohup, or a shell's background job) and "
                        + (ignored.size() == 1 ? "does" : "do")
                        + " not stop the daemon; " + (ignored.contains("SIGTERM")
                                ? "only SIGKILL does, cutting commands in flight short" : "stop it with SIGTERM"));
            }
            server.start();
            long readyMillis = Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            long sinceJvmStart = System.currentTimeMillis()
                    - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
            LOG.log(Level.INFO, "prsidecar " + Version.get() + " ready on " + socket.path()
                    + (socket.inherited() ? " (socket activation)" : "") + " in " + sinceJvmStart
                    + " ms since JVM start (" + readyMillis + " ms in serve); identity " + describeIdentity()
                    + "; sidecars of WWID disks in " + settings.sidecarDir() + "; other disks "
                    + settings.otherDisks().name().toLowerCase(java.util.Locale.ROOT));
            readyForParent();
            stopped.await();
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        } catch (ConfigException | IOException | RuntimeException e) {
            socket.closeAndUnlink();
            if (pidFile != null) {
                pidFile.release();
            }
            throw e;
        }
    }

    private void stop(HelperServer server, PidFile pidFile) {
        LOG.log(Level.INFO, "stopping: finishing commands in flight (up to " + settings.shutdownGrace().toMillis()
                + " ms)");
        server.stop(settings.shutdownGrace());
        if (pidFile != null) {
            pidFile.release();
        }
        LOG.log(Level.INFO, "stopped");
        stopped.countDown();
    }

    private UnixServerSocket listen() throws ConfigException, IOException {
        Optional<UnixServerSocket> activated = UnixServerSocket.systemdSocket();
        if (activated.isPresent()) {
            if (settings.socket().isPresent()) {
                activated.get().close();
                throw new ConfigException("--socket cannot be used with socket activation (LISTEN_FDS is set);"
                        + " the socket comes from the service manager");
            }
            return activated.get();
        }
        Path path = settings.socket().orElseGet(ServeSettings::defaultSocket);
        if (path.getParent() != null && !Files.isDirectory(path.getParent())) {
            throw new ConfigException("socket: directory " + path.getParent() + " does not exist");
        }
        return UnixServerSocket.bind(path, settings.socketMode(), 64);
    }

    /** The default directory is created; a configured one must exist (an unmounted share must not fill a local disk). */
    private void prepareSidecarDirectory() throws ConfigException, IOException {
        Path dir = settings.sidecarDir();
        if (!Files.isDirectory(dir)) {
            if (!dir.equals(ServeSettings.defaultSidecarDir().toAbsolutePath().normalize())) {
                throw new ConfigException("sidecar-dir: " + dir + " does not exist; create it on the shared storage"
                        + " (prsidecar does not create it, so that an unmounted share is noticed)");
            }
            Files.createDirectories(dir);
        }
        logStorage(StorageCheck.check(dir), "sidecar-dir");
    }

    /** The storage's findings at start: anything that makes locks host-local is worth a warning. */
    static void logStorage(StorageCheck.Result r, String what) {
        for (SidecarCheck.Finding f : r.findings()) {
            LOG.log(Level.WARNING, what + " " + f.file() + ": " + f.message());
        }
        r.ok().ifPresent(ok -> LOG.log(Level.INFO, what + ": " + ok));
    }

    private void dropPrivileges() throws ConfigException, IOException {
        if (settings.user().isEmpty() && settings.group().isEmpty()) {
            return;
        }
        int uid = settings.user().isPresent() ? Credentials.userId(settings.user().get()).orElseThrow(() ->
                new ConfigException("user: no such user \"" + settings.user().get() + "\"")) : Credentials.uid();
        int gid;
        if (settings.group().isPresent()) {
            gid = Credentials.groupId(settings.group().get()).orElseThrow(() ->
                    new ConfigException("group: no such group \"" + settings.group().get() + "\""));
        } else {
            gid = Credentials.primaryGroupOf(uid).orElse(Credentials.gid());
        }
        if (uid == Credentials.uid()) {
            Credentials.changeGroupTo(gid); // -g alone (or -u naming us): the user stays, as with qemu-pr-helper
        } else {
            Credentials.dropTo(uid, gid);
        }
        LOG.log(Level.INFO, "running as uid " + uid + ", gid " + gid);
    }

    private IdentityResolver identities() {
        ProcessTable proc = ProcessTable.system();
        return switch (settings.identity()) {
            case FIXED -> IdentityResolver.fixed(settings.initiator().orElseThrow(), proc);
            case UID -> IdentityResolver.perUid(settings.iqnPrefix(), proc);
            case VM -> IdentityResolver.perVm(settings.iqnPrefix(), proc);
        };
    }

    private String describeIdentity() {
        return switch (settings.identity()) {
            case FIXED -> "fixed initiator " + settings.initiator().orElseThrow();
            case UID -> "one initiator per peer uid";
            case VM -> "one initiator per VM (-uuid, else -name)";
        };
    }

    /** In the process {@code -d} started: tell the waiting parent, then leave the pipe alone. */
    private static void readyForParent() {
        if (System.getenv(DAEMON_CHILD) != null) {
            PrintStream out = System.out;
            out.println("READY " + ProcessHandle.current().pid());
            out.flush();
            out.close();
        }
    }

    /** In the process {@code -d} started: tell the waiting parent why serving failed. */
    static void failedForParent(String message) {
        if (System.getenv(DAEMON_CHILD) != null) {
            System.out.println("FAILED " + message.replace('\n', ' '));
            System.out.flush();
        }
    }

    static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
