package org.prsidecar.cli;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code prsidecar serve}: the pr-manager helper daemon, with qemu-pr-helper's flags. */
@Command(name = "serve", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Serve QEMU's pr-manager-helper protocol: answer guests' PERSISTENT RESERVE IN/OUT"
                + " from each disk's shared reservation table.",
            "A drop-in for qemu-pr-helper: 'prsidecar -k SOCKET' (no subcommand) is the same command.",
            "Runs in the foreground unless -d; stops cleanly on SIGTERM, SIGINT or SIGHUP."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:stopped cleanly by a signal", "1:failed while running (see the log)",
            "2:bad option, configuration or environment (the message says which)"})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--socket"}, paramLabel = "PATH", description = "Unix socket to listen on (absolute;"
            + " default /run/prsidecar.sock as root). Not with socket activation.")
    Path socket;

    @Option(names = {"-f", "--pidfile"}, paramLabel = "PATH", description = "Write and lock a pidfile.")
    Path pidFile;

    @Option(names = {"-d", "--daemon"}, description = "Run in the background once the socket is ready.")
    boolean daemon;

    @Option(names = {"-u", "--user"}, paramLabel = "USER", description = "Drop to this user after binding.")
    String user;

    @Option(names = {"-g", "--group"}, paramLabel = "GROUP", description = "Drop to this group after binding.")
    String group;

    @Option(names = {"-c", "--config"}, paramLabel = "FILE",
            description = "Configuration file (default /etc/prsidecar/prsidecar.conf if it exists).")
    Path config;

    @Option(names = "--socket-mode", paramLabel = "MODE", description = "Socket permissions (default 0600).")
    String socketMode;

    @Option(names = "--identity", paramLabel = "vm|uid",
            description = "How a connection becomes an initiator: vm (QEMU -uuid, else -name; default) or uid.")
    String identity;

    @Option(names = "--initiator", paramLabel = "NAME",
            description = "Every connection is this iSCSI initiator (one daemon per VM).")
    String initiator;

    @Option(names = "--iqn-prefix", paramLabel = "IQN", description = "Prefix of generated initiator names"
            + " (default iqn.2026-11.org.prsidecar).")
    String iqnPrefix;

    @Option(names = "--sidecar-dir", paramLabel = "DIR",
            description = "Where tables of WWID-identified disks live: a directory on the shared storage.")
    Path sidecarDir;

    @Option(names = "--sidecar-mode", paramLabel = "MODE", description = "Permissions of new sidecars (default 0640).")
    String sidecarMode;

    @Option(names = "--disk", paramLabel = "ID=MATCH[,sidecar=PATH]",
            description = "A configured disk: MATCH is a device, /dev/disk/by-id link, image path or WWID. Repeatable.")
    List<String> disks;

    @Option(names = "--other-disks", paramLabel = "emulate|passthrough|refuse",
            description = "Disks no --disk names: identify and emulate (default), pass to the device by SG_IO,"
                    + " or refuse.")
    String otherDisks;

    @Option(names = "--lock-timeout", paramLabel = "DURATION",
            description = "Longest wait for a sidecar lock before answering BUSY (default 5s).")
    String lockTimeout;

    @Option(names = "--command-timeout", paramLabel = "DURATION",
            description = "Longest a command may take before answering BUSY, e.g. on a hung NFS server"
                    + " (default 15s; must exceed --lock-timeout).")
    String commandTimeout;

    @Option(names = "--frame-timeout", paramLabel = "DURATION",
            description = "Longest wait for the rest of a started frame (default 10s).")
    String frameTimeout;

    @Option(names = "--shutdown-grace", paramLabel = "DURATION",
            description = "How long commands in flight may finish on stop (default 10s).")
    String shutdownGrace;

    @Option(names = "--max-connections", paramLabel = "N", description = "Default 1024.")
    Integer maxConnections;

    @Option(names = "--max-registrations", paramLabel = "N", description = "Per disk (default 16384).")
    Integer maxRegistrations;

    @Option(names = "--cache-mb", paramLabel = "MB", description = "Memory for cached tables (default 64).")
    Integer cacheMegabytes;

    @Option(names = "--allow-uids", paramLabel = "UID,...", description = "Only these peer uids may connect.")
    String allowUids;

    @Option(names = "--allow-gids", paramLabel = "GID,...", description = "Only these peer gids may connect.")
    String allowGids;

    @Option(names = "--log-file", paramLabel = "PATH", description = "Log here instead of stderr.")
    Path logFile;

    @Option(names = "-v", description = "More logging (-v debug, -vv trace).")
    boolean[] verbose = new boolean[0];

    @Option(names = {"-q", "--quiet"}, description = "Log warnings and errors only.")
    boolean quiet;

    @Option(names = {"-T", "--trace"}, paramLabel = "PATTERN", hidden = true,
            description = "Accepted for qemu-pr-helper compatibility; use -v.")
    String trace;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    @Option(names = {"-V", "--version"}, versionHelp = true, description = "Print the version and exit.")
    boolean version;

    @Override
    public Integer call() throws Exception {
        ServeSettings settings = settings();
        if (settings.daemon() && System.getenv(HelperDaemon.DAEMON_CHILD) == null) {
            if (Long.toString(ProcessHandle.current().pid()).equals(System.getenv("LISTEN_PID"))) {
                throw new ConfigException("-d cannot be used with socket activation (LISTEN_PID is this process): the"
                        + " service manager runs prsidecar in the background already");
            }
            return daemonize();
        }
        Logging.configure(settings.verbosity(), settings.logFile().orElse(null));
        if (trace != null) {
            System.getLogger(ServeCommand.class.getName()).log(System.Logger.Level.INFO,
                    "-T " + trace + " is accepted for qemu-pr-helper compatibility and ignored; use -v or -vv");
        }
        try {
            return new HelperDaemon(settings).run();
        } catch (ConfigException e) {
            HelperDaemon.failedForParent(e.getMessage());
            throw e;
        } catch (Exception e) {
            HelperDaemon.failedForParent(e.toString());
            throw e;
        }
    }

    ServeSettings settings() throws ConfigException {
        ConfigFile file = config != null ? ConfigFile.read(config)
                : Files.isRegularFile(ConfigFile.DEFAULT) ? ConfigFile.read(ConfigFile.DEFAULT) : ConfigFile.empty();
        return ServeSettings.resolve(new ServeSettings.Flags(socket, socketMode, pidFile, daemon, user, group,
                identity, initiator, iqnPrefix, sidecarDir, sidecarMode, otherDisks, disks, lockTimeout,
                commandTimeout, frameTimeout, shutdownGrace, maxConnections, maxRegistrations, cacheMegabytes,
                allowUids, allowGids,
                logFile, verbose.length, quiet), file);
    }

    /**
     * -d: starts this same command again in a new session (it serves in the foreground), waits until it says
     * READY (socket bound) or FAILED, and exits accordingly. A JVM cannot fork itself.
     */
    private int daemonize() throws Exception {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid");
        }
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(Main.class.getName());
        // the same arguments: the child knows from its environment that -d is done
        cmd.addAll(spec.commandLine().getParseResult().originalArgs());
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put(HelperDaemon.DAEMON_CHILD, "1");
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.redirectError(ProcessBuilder.Redirect.DISCARD); // logs go to --log-file; startup errors come as FAILED
        Process child = pb.start();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(),
                StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.startsWith("READY")) {
                    return 0;
                }
                if (line.startsWith("FAILED ")) {
                    System.err.println("prsidecar: " + line.substring("FAILED ".length()));
                    child.waitFor(5, TimeUnit.SECONDS);
                    return 2;
                }
            }
        }
        int status = child.waitFor();
        System.err.println("prsidecar: the background process exited with status " + status + " before it was ready"
                + " (run without -d to see why)");
        return status == 0 ? 1 : status;
    }
}
