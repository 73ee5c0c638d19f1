package org.prsidecar.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options of every command that touches a disk (a picocli mixin): the same configuration
 * as {@code serve}, so that every tool finds the sidecar the daemon uses.
 */
final class DiskOptions {

    @Option(names = {"-c", "--config"}, paramLabel = "FILE", order = 100,
            description = "The daemon's configuration file (default /etc/prsidecar/prsidecar.conf if it exists);"
                    + " its disks and sidecar-dir are used as serve uses them.")
    Path config;

    @Option(names = "--sidecar-dir", paramLabel = "DIR", order = 101,
            description = "Where the daemon keeps tables of WWID-identified disks (as serve --sidecar-dir).")
    Path sidecarDir;

    @Option(names = "--disk", paramLabel = "ID=MATCH[,sidecar=PATH]", order = 102,
            description = "A configured disk, as serve --disk. Repeatable.")
    List<String> disks;

    @Option(names = "--lock-timeout", paramLabel = "DURATION", order = 103,
            description = "Longest wait for the sidecar's lock (default: the configuration's, else 5s).")
    String lockTimeout;

    @Option(names = {"-v", "--verbose"}, order = 104,
            description = "Show the store's log on stderr (-vv: debug).")
    boolean[] verbose = new boolean[0];

    /** The daemon's settings as these options and the configuration file give them. */
    ServeSettings settings() throws ConfigException {
        ConfigFile file = config != null ? ConfigFile.read(config)
                : Files.isRegularFile(ConfigFile.DEFAULT) ? ConfigFile.read(ConfigFile.DEFAULT) : ConfigFile.empty();
        return ServeSettings.resolve(ServeSettings.Flags.none().withStorage(sidecarDir, disks, lockTimeout), file);
    }

    int verbosity() {
        return verbose.length;
    }
}
