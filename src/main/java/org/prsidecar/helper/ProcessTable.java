package org.prsidecar.helper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/** What /proc tells about a process; the root is a parameter so tests can use a fake tree. */
public final class ProcessTable {

    /** /proc/PID/cmdline is read up to this many bytes (QEMU's are a few KiB). */
    private static final int MAX_CMDLINE = 1 << 20;

    private final Path proc;

    public ProcessTable(Path proc) {
        this.proc = proc;
    }

    public static ProcessTable system() {
        return new ProcessTable(Path.of("/proc"));
    }

    /** The process's argv, or empty if it is gone or unreadable. */
    public Optional<List<String>> commandLine(int pid) {
        try {
            byte[] b = Files.readAllBytes(proc.resolve(Integer.toString(pid)).resolve("cmdline"));
            int n = Math.min(b.length, MAX_CMDLINE);
            List<String> args = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < n; i++) {
                if (b[i] == 0) {
                    args.add(new String(b, start, i - start, StandardCharsets.UTF_8));
                    start = i + 1;
                }
            }
            if (start < n) {
                args.add(new String(b, start, n - start, StandardCharsets.UTF_8));
            }
            return args.isEmpty() ? Optional.empty() : Optional.of(args);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The process's start time in clock ticks since boot (/proc/PID/stat field 22). */
    public OptionalLong startTime(int pid) {
        try {
            String stat = Files.readString(proc.resolve(Integer.toString(pid)).resolve("stat"), StandardCharsets.UTF_8);
            // the command name (field 2) may hold spaces and parentheses: count from the last ')'
            String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return OptionalLong.of(Long.parseLong(rest[19]));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** The executable's path, for logs. */
    public Optional<Path> executable(int pid) {
        try {
            return Optional.of(Files.readSymbolicLink(proc.resolve(Integer.toString(pid)).resolve("exe")));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
