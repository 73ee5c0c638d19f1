package org.prsidecar.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalDouble;
import java.util.OptionalInt;

/**
 * The guest console of one run, parsed. The guest's {@code /init} frames everything the harness reads:
 * <pre>
 * &#64;&#64;PR-E2E BEGIN uptime=1.90 disk=/dev/sda
 * &#64;&#64;PR-E2E CMD 1 sg_persist --in --read-keys /dev/sda
 * ...stdout+stderr of the command...
 * &#64;&#64;PR-E2E RC 1 0
 * &#64;&#64;PR-E2E SCRIPT-RC 7        (whole-script mode only)
 * &#64;&#64;PR-E2E END uptime=2.02
 * </pre>
 * Lines before BEGIN (firmware, kernel) are ignored except {@code @@PR-E2E WARN}; lines after BEGIN
 * that belong to no command (unframed output of a whole-mode script, kernel errors) are kept in
 * {@link #otherLines()}.
 *
 * @param begun      a BEGIN line was seen: the guest booted and ran its script
 * @param ended      an END line was seen: the script ran to its end and the guest shut down cleanly
 * @param bootUptime the guest's uptime in seconds at BEGIN
 * @param disk       the disk the guest found ({@code /dev/sda}, or {@code none})
 * @param commands   the framed commands in order
 * @param scriptRc   the whole script's exit status (whole-script mode only)
 * @param otherLines unframed lines between BEGIN and END
 * @param warnings   {@code @@PR-E2E WARN} lines (a module that failed to load...)
 */
public record FramedOutput(boolean begun, boolean ended, OptionalDouble bootUptime, String disk,
                           List<CommandResult> commands, OptionalInt scriptRc, List<String> otherLines,
                           List<String> warnings) {

    static final String MARK = "@@PR-E2E ";

    public FramedOutput {
        commands = List.copyOf(commands);
        otherLines = List.copyOf(otherLines);
        warnings = List.copyOf(warnings);
    }

    /** Parses console lines (carriage returns already removed, as run-guest.sh writes console.log). */
    public static FramedOutput parse(List<String> console) {
        boolean begun = false;
        boolean ended = false;
        OptionalDouble uptime = OptionalDouble.empty();
        String disk = null;
        OptionalInt scriptRc = OptionalInt.empty();
        List<CommandResult> commands = new ArrayList<>();
        List<String> other = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        int openIndex = 0;
        String openCommand = null;
        List<String> openOutput = null;

        for (String raw : console) {
            String line = raw.endsWith("\r") ? raw.substring(0, raw.length() - 1) : raw;
            if (line.startsWith(MARK + "WARN")) {
                warnings.add(line.substring(MARK.length()));
                continue;
            }
            if (!begun) {
                if (line.startsWith(MARK + "BEGIN")) {
                    begun = true;
                    uptime = uptimeOf(line);
                    disk = field(line, "disk=");
                }
                continue;
            }
            if (ended) {
                continue;
            }
            if (line.startsWith(MARK + "CMD ")) {
                if (openCommand != null) {       // a CMD without its RC: record it unfinished
                    commands.add(new CommandResult(openIndex, openCommand, openOutput, CommandResult.NO_RC));
                }
                String rest = line.substring((MARK + "CMD ").length());
                int sp = rest.indexOf(' ');
                openIndex = parseInt(sp < 0 ? rest : rest.substring(0, sp), commands.size() + 1);
                openCommand = sp < 0 ? "" : rest.substring(sp + 1);
                openOutput = new ArrayList<>();
            } else if (line.startsWith(MARK + "RC ") && openCommand != null) {
                String[] f = line.substring((MARK + "RC ").length()).trim().split("\\s+");
                int rc = f.length >= 2 ? parseInt(f[1], CommandResult.NO_RC) : CommandResult.NO_RC;
                commands.add(new CommandResult(openIndex, openCommand, openOutput, rc));
                openCommand = null;
                openOutput = null;
            } else if (line.startsWith(MARK + "SCRIPT-RC ")) {
                scriptRc = OptionalInt.of(parseInt(line.substring((MARK + "SCRIPT-RC ").length()).trim(), -1));
            } else if (line.startsWith(MARK + "END")) {
                ended = true;
            } else if (openCommand != null) {
                openOutput.add(line);
            } else {
                other.add(line);
            }
        }
        if (openCommand != null) {
            commands.add(new CommandResult(openIndex, openCommand, openOutput, CommandResult.NO_RC));
        }
        return new FramedOutput(begun, ended, uptime, disk, commands, scriptRc, other, warnings);
    }

    private static OptionalDouble uptimeOf(String line) {
        String v = field(line, "uptime=");
        try {
            return v == null ? OptionalDouble.empty() : OptionalDouble.of(Double.parseDouble(v));
        } catch (NumberFormatException e) {
            return OptionalDouble.empty();
        }
    }

    private static String field(String line, String prefix) {
        for (String f : line.split("\\s+")) {
            if (f.startsWith(prefix)) {
                return f.substring(prefix.length());
            }
        }
        return null;
    }

    private static int parseInt(String s, int otherwise) {
        try {
            return Integer.parseInt(s.trim());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
