package org.prsidecar.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code prsidecar serve} as a separate process, started from this JVM's classpath the way
 * the launcher starts it (the jar does not exist yet while tests run), logging to a file.
 */
final class ServeProcess implements AutoCloseable {
    private final Process process;
    private final Path socket;
    private final Path log;

    private ServeProcess(Process process, Path socket, Path log) {
        this.process = process;
        this.socket = socket;
        this.log = log;
    }

    /** Starts serve on {@code socket} with {@code args} and waits until it accepts connections. */
    static ServeProcess start(Path socket, Path log, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), "org.prsidecar.cli.Main", "serve",
                "--socket", socket.toString(), "-v"));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ServeProcess s = new ServeProcess(p, socket, log);
        try {
            E2eHarness.awaitSocket(socket, Duration.ofSeconds(30));
        } catch (RuntimeException | Error e) {
            s.close();
            throw new AssertionError("prsidecar serve did not start listening on " + socket + ":\n" + s.logText(), e);
        }
        return s;
    }

    Path socket() {
        return socket;
    }

    long pid() {
        return process.pid();
    }

    String logText() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** SIGTERM, as systemd or libvirt stop it; returns the exit status. */
    int stop() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("prsidecar serve did not stop within 30 s of SIGTERM:\n" + logText());
        }
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
