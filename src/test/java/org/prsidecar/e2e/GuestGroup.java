package org.prsidecar.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Guests that share one helper socket and one disk: a cluster. Each guest is its own QEMU with its own
 * connection to the helper, and all of them open the same loop device (run-guest.sh adds
 * {@code share-rw=on}). Obtain one from {@link E2eHarness#guests(Path, LoopDisk)}.
 */
public final class GuestGroup {

    private final E2eHarness harness;
    private final Path helperSocket;
    private final LoopDisk disk;

    GuestGroup(E2eHarness harness, Path helperSocket, LoopDisk disk) {
        this.harness = harness;
        this.helperSocket = helperSocket;
        this.disk = disk;
    }

    /** Starts one guest and returns at once; the helper must already be listening on the socket. */
    public RunningGuest start(Guest guest) {
        return harness.start(guest, helperSocket, disk);
    }

    /**
     * Boots all {@code guests} at once, waits for every one of them and returns their results in the
     * order given. Names must be distinct (they name the log directories and QEMU's {@code -name}).
     */
    public GuestResults run(Guest... guests) {
        Set<String> names = new HashSet<>();
        for (Guest g : guests) {
            if (!names.add(g.name())) {
                throw new IllegalArgumentException("two guests named " + g.name());
            }
        }
        long t0 = System.nanoTime();
        List<RunningGuest> running = new ArrayList<>();
        try {
            for (Guest g : guests) {
                running.add(start(g));
            }
            List<GuestResult> results = new ArrayList<>();
            for (RunningGuest r : running) {
                results.add(r.await());
            }
            return new GuestResults(results, Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            running.forEach(RunningGuest::close);
        }
    }

    /** Boots one guest and waits for it. */
    public GuestResult runOne(Guest guest) {
        return run(guest).get(0);
    }

    public Path helperSocket() {
        return helperSocket;
    }

    public LoopDisk disk() {
        return disk;
    }
}
