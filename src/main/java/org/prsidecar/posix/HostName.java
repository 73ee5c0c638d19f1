package org.prsidecar.posix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** This host's name, without a DNS lookup (which can hang a starting daemon). */
public final class HostName {
    private HostName() {
    }

    /** /proc/sys/kernel/hostname, else $HOSTNAME, else "localhost". */
    public static String get() {
        try {
            String h = Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.UTF_8).strip();
            if (!h.isEmpty()) {
                return h;
            }
        } catch (IOException | SecurityException e) {
            // fall through
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env.strip() : "localhost";
    }
}
