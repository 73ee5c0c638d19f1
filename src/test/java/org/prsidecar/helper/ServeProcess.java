package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** {@code prsidecar serve} (or any prsidecar command line) as a child JVM, its stderr in a file. */
final class ServeProcess implements AutoCloseable {
    final Process process;
    final Path log;

    private ServeProcess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** Starts {@code java ... org.prsidecar.cli.Main ARGS} with {@code env} added. */
    static ServeProcess start(Path log, Map<String, String> env, String... args) throws IOException {
        return start(log, env, List.of(), args);
    }

    static ServeProcess start(Path log, Map<String, String> env, List<String> prefix, String... args)
            throws IOException {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.addAll(HelperTestSupport.javaCommand(List.of(), "org.prsidecar.cli.Main", List.of(args)));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        pb.redirectErrorStream(false);
        pb.redirectError(log.toFile());
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.resolveSibling(log.getFileName() + ".out").toFile()));
        return new ServeProcess(pb.start(), log);
    }

    String log() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    String stdout() {
        try {
            return Files.readString(log.resolveSibling(log.getFileName() + ".out"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }

    /** Waits until the log says "ready on". */
    ServeProcess awaitReady(Duration timeout) throws InterruptedException {
        awaitLog(timeout, "ready on");
        return this;
    }

    void awaitLog(Duration timeout, String fragment) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!log().contains(fragment)) {
            if (!process.isAlive()) {
                fail("prsidecar exited with " + process.exitValue() + " before logging \"" + fragment + "\": " + log());
            }
            if (System.nanoTime() > deadline) {
                fail("prsidecar did not log \"" + fragment + "\" within " + timeout.toMillis() + " ms: " + log());
            }
            Thread.sleep(20);
        }
    }

    int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            fail("prsidecar did not exit within " + timeout.toMillis() + " ms: " + log());
        }
        return process.exitValue();
    }

    /** SIGTERM, as systemd and libvirt stop a helper. */
    void terminate() {
        process.destroy();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
