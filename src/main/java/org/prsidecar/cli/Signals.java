package org.prsidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * SIGTERM, SIGINT and SIGHUP stop the daemon cleanly (exit status 0, as qemu-pr-helper); a
 * shutdown hook covers any other way the JVM goes down.
 *
 * <p>A signal that was already ignored when the JVM started stays ignored: the JVM will not
 * handle it, as POSIX shells will not trap it. That is what {@code nohup} (SIGHUP) and a
 * shell's background jobs (SIGINT) rely on; systemd and libvirt start their children with
 * default dispositions, so under them all three signals stop the daemon.
 */
final class Signals {
    private Signals() {
    }

    /** Installs the handlers; returns the names of the stop signals that were ignored at start. */
    static List<String> onTermination(Runnable stop) {
        AtomicBoolean once = new AtomicBoolean();
        Runnable stopOnce = () -> {
            if (once.compareAndSet(false, true)) {
                stop.run();
            }
        };
        List<String> ignored = new ArrayList<>();
        for (String name : new String[] {"TERM", "INT", "HUP"}) {
            try {
                SignalHandler previous = Signal.handle(new Signal(name),
                        s -> new Thread(stopOnce, "prsidecar-stop").start());
                if (previous == SignalHandler.SIG_IGN) {
                    ignored.add("SIG" + name);
                }
            } catch (IllegalArgumentException e) {
                // the JVM reserves this signal (e.g. -Xrs): the shutdown hook still runs
            }
        }
        Runtime.getRuntime().addShutdownHook(new Thread(stopOnce, "prsidecar-shutdown"));
        return List.copyOf(ignored);
    }
}
