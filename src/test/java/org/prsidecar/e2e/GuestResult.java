package org.prsidecar.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * What one guest run did: the parsed framed output plus the run's facts (exit codes, wall time, log
 * directory). Every assertion here fails with {@link #diagnostics()}: the commands and their exit codes,
 * qemu.err, run-guest.sh's messages and the last console lines, so a failure in CI explains itself.
 * For assertions of your own, pass {@code result::diagnostics} as the message supplier:
 * {@code assertEquals(List.of(0xabcL), r.command(1).keys(), r::diagnostics)}.
 */
public final class GuestResult {

    /** How many console lines {@link #diagnostics()} shows. */
    static final int CONSOLE_TAIL = 40;

    private final Guest guest;
    private final int exitCode;
    private final OptionalInt qemuExitCode;
    private final Duration wall;
    private final Path logDir;
    private final FramedOutput framed;
    private final String note;

    GuestResult(Guest guest, int exitCode, OptionalInt qemuExitCode, Duration wall, Path logDir,
                FramedOutput framed, String note) {
        this.guest = guest;
        this.exitCode = exitCode;
        this.qemuExitCode = qemuExitCode;
        this.wall = wall;
        this.logDir = logDir;
        this.framed = framed;
        this.note = note;
    }

    /** Reads a finished run's log directory. {@code note} says what the harness itself saw (killed...). */
    static GuestResult read(Guest guest, int exitCode, Duration wall, Path logDir, String note) {
        List<String> console = lines(logDir.resolve("console.log"));
        OptionalInt qrc = OptionalInt.empty();
        String q = text(logDir.resolve("qemu.rc")).strip();
        if (!q.isEmpty()) {
            try {
                qrc = OptionalInt.of(Integer.parseInt(q));
            } catch (NumberFormatException ignored) {
                // run-guest.sh writes a number; anything else stays unknown
            }
        }
        return new GuestResult(guest, exitCode, qrc, wall, logDir, FramedOutput.parse(console), note);
    }

    public String name() {
        return guest.name();
    }

    public Guest guest() {
        return guest;
    }

    /**
     * run-guest.sh's exit code: 0 the guest finished and every command returned 0; 1 it finished but some
     * command (or the whole script) did not return 0; 2 the guest did not finish (QEMU failed to start,
     * timeout, panic); 3 usage or setup error; 137/143 the harness killed it.
     */
    public int exitCode() {
        return exitCode;
    }

    /** QEMU's own exit code (124 when its timeout killed it), if QEMU ran at all. */
    public OptionalInt qemuExitCode() {
        return qemuExitCode;
    }

    /** Wall time of the whole run, QEMU start to exit, as the harness measured it. */
    public Duration wall() {
        return wall;
    }

    /** console.log, qemu.err, qemu.cmd, qemu.rc, shim.log, script.txt, run-guest.err of this run. */
    public Path logDir() {
        return logDir;
    }

    public FramedOutput framed() {
        return framed;
    }

    /** The guest ran its script to the END marker. */
    public boolean finished() {
        return framed.ended();
    }

    public List<CommandResult> commands() {
        return framed.commands();
    }

    /** Command number {@code n} (1-based, as the guest numbered it); fails if the guest never ran it. */
    public CommandResult command(int n) {
        for (CommandResult c : framed.commands()) {
            if (c.index() == n) {
                return c;
            }
        }
        throw new AssertionError("guest " + name() + " has no command #" + n + "\n" + diagnostics());
    }

    /** The output of command {@code n}, lines joined. */
    public String output(int n) {
        return command(n).text();
    }

    /** The whole script's exit status (whole-script mode). */
    public OptionalInt scriptRc() {
        return framed.scriptRc();
    }

    /** The guest's uptime when its script started: boot time inside the guest. */
    public double bootSeconds() {
        return framed.bootUptime().orElse(Double.NaN);
    }

    public GuestResult assertFinished() {
        if (!finished()) {
            throw new AssertionError("guest " + name() + " did not finish\n" + diagnostics());
        }
        return this;
    }

    /** The guest finished, every command returned 0 and so did the whole script. */
    public GuestResult assertAllSucceeded() {
        assertFinished();
        for (CommandResult c : framed.commands()) {
            if (c.rc() != 0) {
                throw new AssertionError("guest " + name() + ": command " + c + "\n" + diagnostics());
            }
        }
        if (framed.scriptRc().isPresent() && framed.scriptRc().getAsInt() != 0) {
            throw new AssertionError("guest " + name() + ": script exited " + framed.scriptRc().getAsInt()
                    + "\n" + diagnostics());
        }
        return this;
    }

    /** Command {@code n} returned {@code rc} (sg3_utils: 24 reservation conflict, 5 illegal request...). */
    public GuestResult assertRc(int n, int rc) {
        CommandResult c = command(n);
        if (c.rc() != rc) {
            throw new AssertionError("guest " + name() + ": expected rc " + rc + " from " + c + "\n"
                    + diagnostics());
        }
        return this;
    }

    public GuestResult assertOutputContains(int n, String text) {
        CommandResult c = command(n);
        if (!c.text().contains(text)) {
            throw new AssertionError("guest " + name() + ": output of " + c + " lacks \"" + text + "\"\n"
                    + diagnostics());
        }
        return this;
    }

    /** One line: name, outcome, timings, log directory. */
    public String summary() {
        long failed = framed.commands().stream().filter(c -> c.rc() != 0).count();
        return String.format(Locale.ROOT, "guest %s: %s, run-guest.sh exit %d, qemu exit %s, %d commands (%d not 0),"
                        + " wall %.2f s, boot %s; logs in %s%s",
                name(), finished() ? "finished" : "DID NOT FINISH", exitCode,
                qemuExitCode.isPresent() ? String.valueOf(qemuExitCode.getAsInt()) : "none",
                framed.commands().size(), failed, wall.toMillis() / 1000.0,
                framed.bootUptime().isPresent() ? String.format(Locale.ROOT, "%.2f s", bootSeconds()) : "none",
                logDir,
                note.isEmpty() ? "" : "; " + note);
    }

    /** Everything needed to understand a failed run, for assertion messages. */
    public String diagnostics() {
        StringBuilder b = new StringBuilder(summary()).append('\n');
        for (CommandResult c : framed.commands()) {
            b.append("  ").append(c).append('\n');
            for (String l : c.output()) {
                b.append("    | ").append(l).append('\n');
            }
        }
        framed.scriptRc().ifPresent(rc -> b.append("  script rc ").append(rc).append('\n'));
        for (String w : framed.warnings()) {
            b.append("  ").append(w).append('\n');
        }
        section(b, "qemu.err", text(logDir.resolve("qemu.err")));
        section(b, "run-guest.sh stderr", text(logDir.resolve("run-guest.err")));
        List<String> console = lines(logDir.resolve("console.log"));
        section(b, "last console lines (" + Math.min(CONSOLE_TAIL, console.size()) + " of " + console.size() + ")",
                String.join("\n", console.subList(Math.max(0, console.size() - CONSOLE_TAIL), console.size())));
        return b.toString();
    }

    private static void section(StringBuilder b, String title, String body) {
        b.append("--- ").append(title).append(body.isBlank() ? ": (empty)\n" : ":\n" + body.stripTrailing() + "\n");
    }

    /** Reads a log file; malformed bytes (firmware noise on the console) become U+FFFD. */
    private static String text(Path p) {
        try {
            return Files.exists(p) ? new String(Files.readAllBytes(p), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + p + ": " + e + ")";
        }
    }

    private static List<String> lines(Path p) {
        return text(p).lines().toList();
    }

    @Override
    public String toString() {
        return summary();
    }
}
