package org.prsidecar.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One framed command of a guest run: {@code @@PR-E2E CMD n <command>}, its output lines (stdout and
 * stderr merged, as the guest console shows them), then {@code @@PR-E2E RC n <rc>}.
 *
 * @param index   1-based number the guest gave the command
 * @param command the command line as the guest printed it
 * @param output  the lines between CMD and RC
 * @param rc      the exit code, or {@link #NO_RC} when the guest never printed the RC line (it died or
 *                timed out inside the command)
 */
public record CommandResult(int index, String command, List<String> output, int rc) {

    /** rc of a command whose RC line never came. */
    public static final int NO_RC = -1;

    private static final Pattern KEY_LINE = Pattern.compile("^\\s+0x([0-9a-fA-F]{1,16})$");
    private static final Pattern RESERVATION_KEY = Pattern.compile("^\\s*Key=0x([0-9a-fA-F]{1,16})$");

    public CommandResult {
        output = List.copyOf(output);
    }

    /** True when the command ran to its end (an RC line was seen), whatever its exit code. */
    public boolean completed() {
        return rc != NO_RC;
    }

    /** The output as one string, lines joined with {@code \n}. */
    public String text() {
        return String.join("\n", output);
    }

    /**
     * The reservation keys that {@code sg_persist --in --read-keys} listed (its lines
     * {@code "    0x1234"}), in the order shown; empty for "there are NO registered reservation keys".
     */
    public List<Long> keys() {
        List<Long> keys = new ArrayList<>();
        for (String line : output) {
            Matcher m = KEY_LINE.matcher(line);
            if (m.matches()) {
                keys.add(Long.parseUnsignedLong(m.group(1), 16));
            }
        }
        return keys;
    }

    /**
     * The key of the reservation holder that {@code sg_persist --in --read-reservation} showed
     * ({@code "    Key=0x1234"}), or null when it showed none.
     */
    public Long reservationKey() {
        for (String line : output) {
            Matcher m = RESERVATION_KEY.matcher(line);
            if (m.matches()) {
                return Long.parseUnsignedLong(m.group(1), 16);
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return "#" + index + " `" + command + "` rc " + (completed() ? String.valueOf(rc) : "none (did not finish)");
    }
}
