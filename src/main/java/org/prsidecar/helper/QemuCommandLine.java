package org.prsidecar.helper;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/** The VM identity in a QEMU command line: {@code -uuid} and {@code -name [guest=]NAME[,...]}. */
public record QemuCommandLine(Optional<String> uuid, Optional<String> name) {

    private static final Pattern UUID = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");

    public static QemuCommandLine parse(List<String> argv) {
        Optional<String> uuid = Optional.empty();
        Optional<String> name = Optional.empty();
        for (int i = 1; i < argv.size(); i++) {
            String opt = argv.get(i).startsWith("--") ? argv.get(i).substring(1) : argv.get(i);
            String value = i + 1 < argv.size() ? argv.get(i + 1) : null;
            if (opt.equals("-uuid") && value != null && UUID.matcher(value).matches()) {
                uuid = Optional.of(value.toLowerCase(Locale.ROOT));
                i++;
            } else if (opt.equals("-name") && value != null) {
                name = guestName(value);
                i++;
            }
        }
        return new QemuCommandLine(uuid, name);
    }

    /** {@code guest=NAME,debug-threads=on} or legacy {@code NAME,process=...}; ",," is a comma. */
    static Optional<String> guestName(String value) {
        String legacy = null;
        for (String part : splitOptions(value)) {
            if (part.startsWith("guest=")) {
                return nonEmpty(part.substring("guest=".length()));
            }
            if (legacy == null && !part.contains("=")) {
                legacy = part;
            }
        }
        return legacy == null ? Optional.empty() : nonEmpty(legacy);
    }

    private static List<String> splitOptions(String value) {
        List<String> parts = new java.util.ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ',' && i + 1 < value.length() && value.charAt(i + 1) == ',') {
                cur.append(',');
                i++;
            } else if (c == ',') {
                parts.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        parts.add(cur.toString());
        return parts;
    }

    private static Optional<String> nonEmpty(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }
}
