package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Helpers for tests against the real kernel: fd counting and child processes. */
final class NativeTestSupport {
    static {
        // The JDK's file channel dispatcher keeps a socketpair end open for its pre-close
        // trick, created on first use; create it now so no test counts it as a leak.
        try {
            Path warm = Files.createTempFile("prsidecar-warm", ".tmp");
            Files.writeString(warm, "x");
            Files.delete(warm);
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private NativeTestSupport() {
    }

    /** The fds open in this process right now, each as "N -> what it refers to". */
    static Set<String> openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            Set<String> fds = new TreeSet<>();
            s.forEach(p -> {
                try {
                    fds.add(p.getFileName() + " -> " + Files.readSymbolicLink(p));
                } catch (IOException e) {
                    // closed while listing (the listing's own fd)
                }
            });
            return fds;
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    /**
     * Asserts that every fd open now was open before (same number, same target), ignoring
     * what the JDK opens by itself (jars, pipes, epoll).
     */
    static void assertNoLeak(Set<String> before, Path... watched) {
        List<String> leaked = new ArrayList<>();
        for (String fd : openFds()) {
            if (before.contains(fd)) {
                continue;
            }
            String target = fd.substring(fd.indexOf(" -> ") + 4);
            if (target.endsWith(".jar") || target.startsWith("/usr/lib/jvm") || target.startsWith("pipe:")
                    || target.startsWith("anon_inode:") || target.startsWith("/proc/" + ProcessHandle.current().pid() + "/")) {
                continue;
            }
            leaked.add(fd);
        }
        assertTrue(leaked.isEmpty(), "leaked fds: " + leaked + " (watched " + List.of(watched) + ")");
    }

    static void requireRoot(String what) {
        if (!"root".equals(System.getProperty("user.name")) && Credentials.euid() != 0) {
            fail(what + " needs root (it mounts file systems / creates loop devices); run the tests as root");
        }
    }

    /** A child JVM running {@code mainClass} with this test class path. */
    static Process startJvm(Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xshare:auto");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    }

    /** Reads the child's stdout until a line equal to one of {@code expected}; returns it. */
    static String awaitLine(Process p, long timeoutMillis, String... expected) throws Exception {
        BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        List<String> seen = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            if (r.ready() || !p.isAlive()) {
                String line = r.readLine();
                if (line == null) {
                    break;
                }
                seen.add(line);
                for (String e : expected) {
                    if (line.equals(e)) {
                        return line;
                    }
                }
            } else {
                Thread.sleep(10);
            }
        }
        p.destroyForcibly();
        throw new AssertionError("child did not print any of " + List.of(expected) + "; printed " + seen
                + (p.isAlive() ? "" : ", exit " + p.exitValue()));
    }

    /** SIGKILLs the child and waits for it to be gone. */
    static void kill(Process p) throws InterruptedException {
        p.destroyForcibly();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "child did not die");
        assertEquals(137, p.exitValue(), "exit status of a SIGKILLed child");
    }
}
