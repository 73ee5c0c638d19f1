package org.prsidecar.cli;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Logging for the operator's tools: silent by default (every problem comes back to the
 * command, which prints it once, in its own words), the daemon's one-line log on stderr
 * with {@code -v} (INFO) or {@code -vv} (debug). {@link #close()} puts the previous
 * configuration back, for callers that run commands in-process (tests, the demo).
 */
final class ToolLogging implements AutoCloseable {
    private final Handler[] handlers;
    private final Level rootLevel;
    private final Level ownLevel;

    private ToolLogging() {
        Logger root = Logger.getLogger("");
        handlers = root.getHandlers();
        rootLevel = root.getLevel();
        ownLevel = Logger.getLogger("org.prsidecar").getLevel();
    }

    static ToolLogging configure(int verbose) throws ConfigException {
        ToolLogging previous = new ToolLogging();
        if (verbose > 0) {
            Logging.configure(verbose - 1, null);
            return previous;
        }
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        root.setLevel(Level.OFF);
        Logger.getLogger("org.prsidecar").setLevel(Level.OFF);
        return previous;
    }

    @Override
    public void close() {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        for (Handler h : handlers) {
            root.addHandler(h);
        }
        root.setLevel(rootLevel);
        Logger.getLogger("org.prsidecar").setLevel(ownLevel);
    }
}
