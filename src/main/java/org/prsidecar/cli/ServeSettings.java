package org.prsidecar.cli;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.helper.IdentityResolver;
import org.prsidecar.posix.Credentials;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.scsi.IscsiTransportId;

/**
 * Everything {@code serve} needs, resolved: a flag wins over the configuration file, which
 * wins over the default. docs/configuration.md lists every option.
 */
public record ServeSettings(Optional<Path> socket, int socketMode, Optional<Path> pidFile, boolean daemon,
        Optional<String> user, Optional<String> group, IdentityResolver.Rule identity, Optional<String> initiator,
        String iqnPrefix, Path sidecarDir, int sidecarMode, DiskResolver.OtherDisks otherDisks,
        List<DiskResolver.Mapping> disks, Duration lockTimeout, Duration frameTimeout, Duration shutdownGrace,
        int maxConnections, int maxRegistrations, int cacheMegabytes, Set<Integer> allowUids, Set<Integer> allowGids,
        Optional<Path> logFile, int verbosity) {

    /** The socket when neither -k nor socket activation gives one. */
    public static Path defaultSocket() {
        if (Credentials.euid() == 0) {
            return Path.of("/run/prsidecar.sock");
        }
        String runtime = System.getenv("XDG_RUNTIME_DIR");
        return runtime != null && !runtime.isBlank() ? Path.of(runtime, "prsidecar.sock")
                : Path.of(System.getProperty("java.io.tmpdir"), "prsidecar-" + Credentials.uid() + ".sock");
    }

    /** Where tables of WWID-identified disks go unless configured: host-local, so serve warns. */
    public static Path defaultSidecarDir() {
        if (Credentials.euid() == 0) {
            return Path.of("/var/lib/prsidecar");
        }
        String state = System.getenv("XDG_STATE_HOME");
        return state != null && !state.isBlank() ? Path.of(state, "prsidecar")
                : Path.of(System.getProperty("user.home"), ".local", "state", "prsidecar");
    }

    /** Command-line values; null where the flag was not given. */
    public record Flags(Path socket, String socketMode, Path pidFile, boolean daemon, String user, String group,
            String identity, String initiator, String iqnPrefix, Path sidecarDir, String sidecarMode,
            String otherDisks, List<String> disks, String lockTimeout, String frameTimeout, String shutdownGrace,
            Integer maxConnections, Integer maxRegistrations, Integer cacheMegabytes, String allowUids,
            String allowGids, Path logFile, int verbose, boolean quiet) {
    }

    public static ServeSettings resolve(Flags f, ConfigFile c) throws ConfigException {
        Optional<Path> socket = Optional.ofNullable(f.socket()).or(() -> c.get("socket").map(Path::of));
        if (socket.isPresent() && !socket.get().isAbsolute()) {
            throw new ConfigException("socket: " + socket.get() + " must be an absolute path");
        }
        String identityText = pick(f.identity(), c, "identity", "vm");
        Optional<String> initiator = Optional.ofNullable(f.initiator()).or(() -> c.get("initiator"));
        IdentityResolver.Rule identity;
        if (initiator.isPresent()) {
            identity = IdentityResolver.Rule.FIXED;
            try {
                new IscsiTransportId(initiator.get());
            } catch (IllegalArgumentException e) {
                throw new ConfigException("initiator: " + e.getMessage());
            }
        } else {
            identity = switch (identityText.toLowerCase(Locale.ROOT)) {
                case "vm" -> IdentityResolver.Rule.VM;
                case "uid" -> IdentityResolver.Rule.UID;
                default -> throw new ConfigException("identity: \"" + identityText
                        + "\" is not vm or uid (for one fixed initiator use --initiator NAME)");
            };
        }
        String otherText = pick(f.otherDisks(), c, "other-disks", "emulate");
        DiskResolver.OtherDisks other;
        try {
            other = DiskResolver.OtherDisks.valueOf(otherText.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException("other-disks: \"" + otherText + "\" is not emulate, passthrough or refuse");
        }
        Path sidecarDir = Optional.ofNullable(f.sidecarDir()).or(() -> c.get("sidecar-dir").map(Path::of))
                .orElseGet(ServeSettings::defaultSidecarDir).toAbsolutePath().normalize();
        List<DiskResolver.Mapping> disks = new ArrayList<>();
        for (ConfigFile.DiskSection d : c.disks()) {
            disks.add(new DiskResolver.Mapping(d.id(), d.match(), d.sidecar().map(Path::of)));
        }
        for (String d : f.disks() == null ? List.<String>of() : f.disks()) {
            disks.add(diskFlag(d));
        }
        int verbosity = f.quiet() ? -1 : f.verbose() > 0 ? f.verbose()
                : c.get("quiet").map(q -> q.equals("true") ? -1 : 0).orElse(0)
                        + c.get("verbose").map(v -> v.equals("true") ? 1 : 0).orElse(0);
        String prefix = pick(f.iqnPrefix(), c, "iqn-prefix", IdentityResolver.DEFAULT_PREFIX);
        if (!prefix.startsWith("iqn.") && !prefix.startsWith("eui.") && !prefix.startsWith("naa.")) {
            throw new ConfigException("iqn-prefix: \"" + prefix + "\" should start with iqn., e.g. iqn.2026-11.com.example");
        }
        return new ServeSettings(socket,
                Values.mode(pick(f.socketMode(), c, "socket-mode", "0600"), "socket-mode"),
                Optional.ofNullable(f.pidFile()).or(() -> c.get("pidfile").map(Path::of)),
                f.daemon(),
                Optional.ofNullable(f.user()).or(() -> c.get("user")),
                Optional.ofNullable(f.group()).or(() -> c.get("group")),
                identity, initiator, prefix, sidecarDir,
                Values.mode(pick(f.sidecarMode(), c, "sidecar-mode", "0640"), "sidecar-mode"),
                other, List.copyOf(disks),
                Values.duration(pick(f.lockTimeout(), c, "lock-timeout", "5s"), "lock-timeout"),
                Values.duration(pick(f.frameTimeout(), c, "frame-timeout", "10s"), "frame-timeout"),
                Values.duration(pick(f.shutdownGrace(), c, "shutdown-grace", "10s"), "shutdown-grace"),
                number(f.maxConnections(), c, "max-connections", 1024),
                number(f.maxRegistrations(), c, "max-registrations", PersistentReservations.DEFAULT_MAX_REGISTRATIONS),
                number(f.cacheMegabytes(), c, "cache-mb", 64),
                Values.ids(pick(f.allowUids(), c, "allow-uids", ""), "allow-uids"),
                Values.ids(pick(f.allowGids(), c, "allow-gids", ""), "allow-gids"),
                Optional.ofNullable(f.logFile()).or(() -> c.get("log-file").map(Path::of)),
                verbosity);
    }

    /** {@code ID=MATCH[,sidecar=PATH]}. */
    static DiskResolver.Mapping diskFlag(String d) throws ConfigException {
        int eq = d.indexOf('=');
        if (eq <= 0 || eq == d.length() - 1) {
            throw new ConfigException("--disk \"" + d + "\": expected ID=MATCH[,sidecar=PATH]");
        }
        String id = d.substring(0, eq);
        String rest = d.substring(eq + 1);
        Optional<Path> sidecar = Optional.empty();
        int comma = rest.indexOf(",sidecar=");
        if (comma >= 0) {
            sidecar = Optional.of(Path.of(rest.substring(comma + ",sidecar=".length())));
            rest = rest.substring(0, comma);
        }
        return new DiskResolver.Mapping(id, rest, sidecar);
    }

    private static String pick(String flag, ConfigFile c, String key, String fallback) {
        return flag != null ? flag : c.get(key).orElse(fallback);
    }

    private static int number(Integer flag, ConfigFile c, String key, int fallback) throws ConfigException {
        if (flag != null) {
            if (flag < 1) {
                throw new ConfigException(key + ": " + flag + " is not a positive integer");
            }
            return flag;
        }
        Optional<String> v = c.get(key);
        return v.isPresent() ? Values.positive(v.get(), c.origin(key)) : fallback;
    }
}
