package org.prsidecar.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * src/test/e2e/stub_helper.py run as a process: a tiny PR helper with an in-memory table that logs every
 * connection and request as JSON lines. It proves the harness (and shows what QEMU sends); it is not the
 * daemon under test. Start one with {@link E2eHarness#startStub(String...)}.
 *
 * <p>Log events ({@link #events()}): {@code listening}; {@code connect} with {@code nexus} and {@code peer}
 * ({@code pid}, {@code uid}, {@code name}, {@code uuid}, {@code exe}...); {@code handshake}; {@code request}
 * with {@code cdb} (32 hex digits), {@code xfer}, {@code param} (hex, PR OUT), {@code fds} ({@code path},
 * {@code blockdev}, {@code loop_backing_file}...), {@code result}, {@code data}; {@code disconnect}.
 */
public final class StubHelper implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Process process;
    private final Path socket;
    private final Path log;
    private final Path stderr;

    private StubHelper(Process process, Path socket, Path log, Path stderr) {
        this.process = process;
        this.socket = socket;
        this.log = log;
        this.stderr = stderr;
    }

    /** Starts the stub listening on {@code socket} and waits (10 s at most) until it is ready. */
    static StubHelper start(Path script, Path socket, Path workDir, List<String> args) {
        Path log = workDir.resolve("stub.jsonl");
        Path ready = workDir.resolve("stub.ready");
        Path stderr = workDir.resolve("stub.stderr");
        try {
            Files.createDirectories(workDir);
            Files.deleteIfExists(ready);
            Files.deleteIfExists(log);
            List<String> argv = new ArrayList<>(List.of(python(), script.toString(), "--socket", socket.toString(),
                    "--log", log.toString(), "--ready-file", ready.toString()));
            argv.addAll(args);
            Process p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(stderr.toFile())
                    .start();
            StubHelper stub = new StubHelper(p, socket, log, stderr);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!Files.exists(ready)) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    stub.close();
                    throw new AssertionError("stub helper did not get ready (" + String.join(" ", argv) + ")\n"
                            + stub.stderrText());
                }
                Exec.pause(20);
            }
            return stub;
        } catch (IOException e) {
            throw new AssertionError("cannot start the stub helper: " + e, e);
        }
    }

    /** Debian's python3, which build.sh installs, rather than whatever python3 comes first in PATH. */
    static String python() {
        return Files.isExecutable(Path.of("/usr/bin/python3")) ? "/usr/bin/python3" : "python3";
    }

    /** The socket the stub listens on: give it to {@link E2eHarness#guests}. */
    public Path socket() {
        return socket;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public long pid() {
        return process.pid();
    }

    /** Every logged event so far, oldest first. */
    public List<JsonNode> events() {
        List<JsonNode> list = new ArrayList<>();
        try {
            if (!Files.exists(log)) {
                return list;
            }
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    list.add(JSON.readTree(line));
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read the stub log " + log + ": " + e, e);
        }
        return list;
    }

    /** The logged events named {@code ev} ({@code connect}, {@code request}, {@code disconnect}...). */
    public List<JsonNode> events(String ev) {
        return events().stream().filter(e -> ev.equals(e.path("ev").asText())).toList();
    }

    /** The PR commands the stub answered. */
    public List<JsonNode> requests() {
        return events("request");
    }

    /**
     * Waits until the stub has answered at least {@code count} PR commands (a guest got that far); fails
     * after {@code timeout}.
     */
    public List<JsonNode> awaitRequests(int count, Duration timeout) {
        return awaitEvents("request", count, timeout);
    }

    /**
     * Waits until the stub has logged at least {@code count} events named {@code ev} (e.g. {@code connect}:
     * a QEMU connected, which it does at startup, before its guest boots), polling the log; fails after
     * {@code timeout}.
     */
    public List<JsonNode> awaitEvents(String ev, int count, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<JsonNode> r = events(ev);
            if (r.size() >= count) {
                return r;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the stub logged " + r.size() + " '" + ev + "' events, not " + count
                        + ", within " + timeout.toSeconds() + " s\n" + diagnostics());
            }
            Exec.pause(50);
        }
    }

    /** The stub's log and stderr, for assertion messages. */
    public String diagnostics() {
        try {
            return "--- stub log " + log + ":\n" + (Files.exists(log) ? Files.readString(log) : "(none)")
                    + "--- stub stderr:\n" + stderrText();
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    private String stderrText() {
        try {
            return Files.exists(stderr) ? Files.readString(stderr) : "";
        } catch (IOException e) {
            return "(cannot read " + stderr + ")";
        }
    }

    /** Stops the stub (SIGTERM, then SIGKILL) and waits for it; the socket file stays, stale. */
    @Override
    public void close() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
