package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what org.prsidecar logs (System.Logger goes to java.util.logging) while a test runs. */
final class LogCapture extends Handler implements AutoCloseable {
    private final Logger logger = Logger.getLogger("org.prsidecar");
    private final List<String> messages = new ArrayList<>();

    LogCapture() {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    @Override
    public synchronized void publish(LogRecord r) {
        messages.add(r.getLevel() + " " + r.getMessage());
    }

    synchronized List<String> messages() {
        return List.copyOf(messages);
    }

    /** Waits up to {@code timeout} for a message containing every fragment; returns it. */
    String await(Duration timeout, String... fragments) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            for (String m : messages()) {
                boolean all = true;
                for (String f : fragments) {
                    all &= m.contains(f);
                }
                if (all) {
                    return m;
                }
            }
            if (System.nanoTime() > deadline) {
                fail("no log line with " + List.of(fragments) + " within " + timeout.toMillis() + " ms; logged: "
                        + messages());
            }
            Thread.sleep(10);
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
