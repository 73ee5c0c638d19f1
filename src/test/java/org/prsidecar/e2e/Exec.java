package org.prsidecar.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs short host commands (losetup, build.sh) with a deadline; package-private plumbing. */
final class Exec {

    /** What a finished command did: its exit code and its stdout and stderr merged. */
    record Result(List<String> argv, int rc, String output) {
        boolean ok() {
            return rc == 0;
        }

        String describe() {
            return String.join(" ", argv) + " exited " + rc + (output.isBlank() ? "" : ":\n" + output.strip());
        }
    }

    private Exec() {
    }

    /**
     * Runs {@code argv} and waits at most {@code timeout}; past it the command and its children are killed
     * and the result has rc 124, like coreutils' timeout. Output goes through a temporary file so that a
     * chatty command cannot block on a full pipe.
     */
    static Result run(Duration timeout, List<String> argv) {
        Path out = null;
        try {
            out = Files.createTempFile("pr-e2e-exec", ".out");
            Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectOutput(out.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            int rc;
            if (p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                rc = p.exitValue();
            } else {
                killTree(p.toHandle());
                p.waitFor(10, TimeUnit.SECONDS);
                rc = 124;
            }
            return new Result(argv, rc, Files.readString(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(argv, 127, "cannot run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(argv, 130, "interrupted");
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException ignored) {
                    // a temporary file left in /tmp is harmless
                }
            }
        }
    }

    static Result run(Duration timeout, String... argv) {
        return run(timeout, List.of(argv));
    }

    /** Sleeps between polls; an interrupt (JUnit's @Timeout) fails the test instead of being swallowed. */
    static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Kills a process and every descendant (children first, so none is reparented and missed). */
    static void killTree(ProcessHandle root) {
        root.descendants().forEach(ProcessHandle::destroyForcibly);
        root.destroyForcibly();
    }
}
