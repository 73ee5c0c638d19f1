package org.prsidecar.cli;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parsing of option values shared by flags and the configuration file. */
final class Values {
    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h)?");

    private Values() {
    }

    /** "500ms", "5s", "2m", "1h"; a bare number is seconds. */
    static Duration duration(String v, String what) throws ConfigException {
        Matcher m = DURATION.matcher(v.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new ConfigException(what + ": \"" + v + "\" is not a duration like 500ms, 5s or 2m");
        }
        long n = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** An octal permission mode such as 0600. */
    static int mode(String v, String what) throws ConfigException {
        try {
            int m = Integer.parseInt(v.strip(), 8);
            if (m < 0 || m > 0777) {
                throw new NumberFormatException();
            }
            return m;
        } catch (NumberFormatException e) {
            throw new ConfigException(what + ": \"" + v + "\" is not an octal mode like 0600");
        }
    }

    static int positive(String v, String what) throws ConfigException {
        try {
            int n = Integer.parseInt(v.strip());
            if (n < 1) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new ConfigException(what + ": \"" + v + "\" is not a positive integer");
        }
    }

    /** A comma-separated list of non-negative integers (uids, gids). */
    static Set<Integer> ids(String v, String what) throws ConfigException {
        Set<Integer> out = new LinkedHashSet<>();
        for (String s : v.split(",")) {
            if (s.isBlank()) {
                continue;
            }
            try {
                int n = Integer.parseInt(s.strip());
                if (n < 0) {
                    throw new NumberFormatException();
                }
                out.add(n);
            } catch (NumberFormatException e) {
                throw new ConfigException(what + ": \"" + s.strip() + "\" is not a numeric id");
            }
        }
        return out;
    }

    static long hexOrDecimal(String v, String what) throws ConfigException {
        String s = v.strip();
        try {
            if (s.startsWith("0x") || s.startsWith("0X")) {
                return Long.parseUnsignedLong(s.substring(2), 16);
            }
            return Long.parseUnsignedLong(s);
        } catch (NumberFormatException e) {
            throw new ConfigException(what + ": \"" + v + "\" is not a 64-bit key (decimal, or hex with 0x)");
        }
    }
}
