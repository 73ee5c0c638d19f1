package org.prsidecar.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.logging.ConsoleHandler;
import java.util.logging.FileHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * One line per event on stderr (journald adds its own timestamp under systemd) or in a log
 * file: {@code 2026-11-25T10:00:00.123Z INFO  disk …: initiator …: what happened}.
 */
final class Logging {
    private Logging() {
    }

    /** verbosity -1 quiet (warnings), 0 normal, 1 debug, 2+ trace. */
    static void configure(int verbosity, Path logFile) throws ConfigException {
        Level level = verbosity < 0 ? Level.WARNING : verbosity == 0 ? Level.INFO : verbosity == 1 ? Level.FINE
                : Level.FINEST;
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        Handler h;
        if (logFile != null) {
            try {
                h = new FileHandler(logFile.toString(), true);
            } catch (IOException e) {
                throw new ConfigException("log-file: cannot open " + logFile + ": " + e.getMessage());
            }
        } else {
            h = new ConsoleHandler();
        }
        h.setFormatter(new OneLine());
        h.setLevel(level);
        root.addHandler(h);
        root.setLevel(level);
        Logger.getLogger("org.prsidecar").setLevel(level);
    }

    private static final class OneLine extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(160);
            b.append(Instant.ofEpochMilli(r.getMillis())).append(' ');
            String level = switch (r.getLevel().getName()) {
                case "SEVERE" -> "ERROR";
                case "FINE", "FINER" -> "DEBUG";
                case "FINEST" -> "TRACE";
                default -> r.getLevel().getName();
            };
            b.append(String.format("%-5s ", level)).append(formatMessage(r)).append('\n');
            if (r.getThrown() != null) {
                StringWriter sw = new StringWriter();
                r.getThrown().printStackTrace(new PrintWriter(sw));
                b.append(sw);
            }
            return b.toString();
        }
    }
}
