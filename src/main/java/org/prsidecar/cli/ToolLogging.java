package org.prsidecar.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging for the operator's tools: silent by default (every problem comes back to the
 * command, which prints it once, in its own words), the daemon's one-line log on stderr
 * with {@code -v} (INFO) or {@code -vv} (debug).
 */
final class ToolLogging {
    private ToolLogging() {
    }

    static void configure(int verbose) throws ConfigException {
        if (verbose > 0) {
            Logging.configure(verbose - 1, null);
            return;
        }
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(Level.OFF);
        Logger.getLogger("org.prsidecar").setLevel(Level.OFF);
    }
}
