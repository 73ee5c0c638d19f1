package org.prsidecar.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configuration file (conf/prsidecar.conf documents it): {@code key = value} lines, '#'
 * comments, and {@code [disk ID]} sections with {@code match} and {@code sidecar}. Keys are
 * the long flag names without dashes; a flag given on the command line wins.
 */
public record ConfigFile(Path path, Map<String, String> values, List<DiskSection> disks) {

    /** Where the daemon looks when no --config is given (read only if it exists). */
    public static final Path DEFAULT = Path.of("/etc/prsidecar/prsidecar.conf");

    /** Keys a file may set; anything else is an error (a typo must not pass silently). */
    public static final Set<String> KEYS = Set.of("socket", "socket-mode", "pidfile", "user", "group", "identity",
            "initiator", "iqn-prefix", "sidecar-dir", "sidecar-mode", "other-disks", "lock-timeout", "frame-timeout",
            "shutdown-grace", "max-connections", "max-registrations", "cache-mb", "allow-uids", "allow-gids",
            "log-file", "verbose", "quiet");

    /** A {@code [disk ID]} section. */
    public record DiskSection(String id, String match, Optional<String> sidecar, int line) {
    }

    public static ConfigFile empty() {
        return new ConfigFile(null, Map.of(), List.of());
    }

    public static ConfigFile read(Path path) throws ConfigException {
        List<String> lines;
        try {
            lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException("cannot read configuration " + path + ": " + e.getMessage());
        }
        Map<String, String> values = new LinkedHashMap<>();
        List<DiskSection> disks = new ArrayList<>();
        String diskId = null;
        Map<String, String> disk = null;
        int diskLine = 0;
        for (int i = 0; i < lines.size(); i++) {
            int n = i + 1;
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            if (line.startsWith("[")) {
                if (diskId != null) {
                    disks.add(section(path, diskId, disk, diskLine));
                }
                if (!line.endsWith("]") || !line.substring(1, line.length() - 1).strip().startsWith("disk ")) {
                    throw new ConfigException(path + ":" + n + ": expected a section [disk ID], found " + line);
                }
                diskId = line.substring(1, line.length() - 1).strip().substring("disk ".length()).strip();
                if (diskId.isEmpty()) {
                    throw new ConfigException(path + ":" + n + ": [disk] needs an ID, e.g. [disk cluster-quorum]");
                }
                disk = new LinkedHashMap<>();
                diskLine = n;
                continue;
            }
            int eq = line.indexOf('=');
            if (eq <= 0) {
                throw new ConfigException(path + ":" + n + ": expected key = value, found " + line);
            }
            String key = line.substring(0, eq).strip();
            String value = unquote(line.substring(eq + 1).strip());
            if (disk != null) {
                if (!key.equals("match") && !key.equals("sidecar")) {
                    throw new ConfigException(path + ":" + n + ": unknown key \"" + key + "\" in [disk " + diskId
                            + "] (known: match, sidecar)");
                }
                disk.put(key, value);
            } else {
                if (!KEYS.contains(key)) {
                    throw new ConfigException(path + ":" + n + ": unknown key \"" + key + "\" (known: "
                            + String.join(", ", new java.util.TreeSet<>(KEYS)) + ")");
                }
                if (values.put(key, value) != null) {
                    throw new ConfigException(path + ":" + n + ": \"" + key + "\" is set twice");
                }
            }
        }
        if (diskId != null) {
            disks.add(section(path, diskId, disk, diskLine));
        }
        return new ConfigFile(path, Map.copyOf(values), List.copyOf(disks));
    }

    private static DiskSection section(Path path, String id, Map<String, String> kv, int line) throws ConfigException {
        String match = kv.get("match");
        if (match == null || match.isEmpty()) {
            throw new ConfigException(path + ":" + line + ": [disk " + id + "] needs match = DEVICE, IMAGE or WWID");
        }
        return new DiskSection(id, match, Optional.ofNullable(kv.get("sidecar")), line);
    }

    private static String unquote(String v) {
        if (v.length() >= 2 && (v.startsWith("\"") && v.endsWith("\"") || v.startsWith("'") && v.endsWith("'"))) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(values.get(key));
    }

    /** Where a value came from, for error messages. */
    public String origin(String key) {
        return path == null ? "default" : path + " (" + key + ")";
    }
}
