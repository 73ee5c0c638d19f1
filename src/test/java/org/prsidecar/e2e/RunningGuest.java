package org.prsidecar.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A guest that has been started (run-guest.sh, hence QEMU, is running). {@link #await()} waits for it and
 * returns its {@link GuestResult}; meanwhile a test can talk QMP to it ({@link #qmp()}, if the guest was
 * built with {@link Guest#withQmp()}) or crash it ({@link #kill()}). Close it (try-with-resources) so that
 * a failing test does not leave it running.
 */
public final class RunningGuest implements AutoCloseable {

    /** Past the guest's own timeout, run-guest.sh needs at most 5 s (timeout -k 5) to end QEMU. */
    private static final Duration GRACE = Duration.ofSeconds(20);

    private final Guest guest;
    private final Process process;
    private final Path logDir;
    private final Path qmpSocket;
    private final long startNanos;
    private GuestResult result;
    private volatile String note = "";

    private RunningGuest(Guest guest, Process process, Path logDir, Path qmpSocket, long startNanos) {
        this.guest = guest;
        this.process = process;
        this.logDir = logDir;
        this.qmpSocket = qmpSocket;
        this.startNanos = startNanos;
    }

    static RunningGuest start(Path runGuest, Guest guest, Path helperSocket, Path device, Path logDir,
                              Path qmpSocket) {
        if (guest.script() == null) {
            throw new IllegalArgumentException("guest " + guest.name() + " has no script");
        }
        try {
            Files.createDirectories(logDir);
            Path script = logDir.resolve("script.txt");
            Files.writeString(script, guest.script().text(), StandardCharsets.UTF_8);
            List<String> argv = new ArrayList<>(List.of("bash", runGuest.toString(),
                    "--socket", helperSocket.toString(), "--loop", device.toString(),
                    "--script", script.toString(), "--name", guest.name(),
                    "--timeout", String.format(Locale.ROOT, "%.3f", guest.timeout().toMillis() / 1000.0),
                    "--log-dir", logDir.toString()));
            if (guest.uuid() != null) {
                argv.addAll(List.of("--uuid", guest.uuid()));
            }
            if (qmpSocket != null) {
                argv.addAll(List.of("--qmp", qmpSocket.toString()));
            }
            guest.files().forEach((n, p) -> argv.addAll(List.of("--file", n + "=" + p.toAbsolutePath())));
            if (guest.verboseKernel()) {
                argv.add("--kernel-log");
            }
            if (!guest.append().isEmpty()) {
                argv.addAll(List.of("--append", guest.append()));
            }
            if (!guest.qemuArgs().isEmpty()) {
                argv.add("--");
                argv.addAll(guest.qemuArgs());
            }
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(argv)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectOutput(logDir.resolve("run-guest.out").toFile())
                    .redirectError(logDir.resolve("run-guest.err").toFile())
                    .start();
            return new RunningGuest(guest, p, logDir, qmpSocket, t0);
        } catch (IOException e) {
            throw new AssertionError("cannot start guest " + guest.name() + " with " + runGuest + ": " + e, e);
        }
    }

    public String name() {
        return guest.name();
    }

    public Guest guest() {
        return guest;
    }

    public Path logDir() {
        return logDir;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The QEMU process (its pid is what the helper sees through SO_PEERCRED), once it is running. */
    public Optional<ProcessHandle> qemu() {
        return process.descendants()
                .filter(h -> h.info().command().map(c -> c.endsWith("/qemu-system-x86_64")).orElse(false))
                .findFirst();
    }

    /**
     * Connects to this guest's QMP socket, waiting up to 10 s for QEMU to create it. The guest must have
     * been started with {@link Guest#withQmp()}. Close the client when done.
     */
    public Qmp qmp() {
        if (qmpSocket == null) {
            throw new IllegalStateException("guest " + name() + " was started without QMP: use Guest.withQmp()");
        }
        return Qmp.connect(qmpSocket, Duration.ofSeconds(10));
    }

    /**
     * Kills QEMU with SIGKILL, as a crashed host would lose it: the helper sees its connection drop, the
     * guest does not finish ({@link GuestResult#finished()} is false). {@link #await()} still works.
     */
    public void kill() {
        Optional<ProcessHandle> q = qemu();
        note = "QEMU killed by the test";
        if (q.isPresent()) {
            q.get().destroyForcibly();
        } else {
            Exec.killTree(process.toHandle());
        }
    }

    /**
     * Waits for the guest to end (at most its timeout plus 20 s; past that the harness kills the whole
     * run) and returns what it did. Calling it again returns the same result.
     */
    public synchronized GuestResult await() {
        if (result != null) {
            return result;
        }
        Duration limit = guest.timeout().plus(GRACE);
        int rc;
        try {
            if (process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
                rc = process.exitValue();
            } else {
                Exec.killTree(process.toHandle());
                process.waitFor(10, TimeUnit.SECONDS);
                rc = 137;
                note = "run-guest.sh still running after " + limit.toSeconds() + " s: killed by the harness";
            }
        } catch (InterruptedException e) {
            Exec.killTree(process.toHandle());
            Thread.currentThread().interrupt();
            rc = 130;
            note = "interrupted: killed by the harness";
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - startNanos);
        result = GuestResult.read(guest, rc, wall, logDir, note);
        System.out.println("pr-e2e: " + result.summary());    // surefire keeps it in *-output.txt
        return result;
    }

    /**
     * Ends the run if it is still going (run-guest.sh, QEMU and all), without parsing a result: for
     * try-with-resources, so a failed assertion does not leave a guest running until its timeout.
     */
    @Override
    public void close() {
        if (process.isAlive()) {
            Exec.killTree(process.toHandle());
        }
    }
}
