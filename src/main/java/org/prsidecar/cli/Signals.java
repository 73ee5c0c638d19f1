package org.prsidecar.cli;

import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;

/**
 * SIGTERM, SIGINT and SIGHUP stop the daemon cleanly (exit status 0, as qemu-pr-helper); a
 * shutdown hook covers any other way the JVM goes down.
 */
final class Signals {
    private Signals() {
    }

    static void onTermination(Runnable stop) {
        AtomicBoolean once = new AtomicBoolean();
        Runnable stopOnce = () -> {
            if (once.compareAndSet(false, true)) {
                stop.run();
            }
        };
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                Signal.handle(new Signal(name), s -> new Thread(stopOnce, "prsidecar-stop").start());
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal (e.g. -Xrs): the shutdown hook still runs
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stopOnce, "prsidecar-shutdown"));
    }
}
