package org.prsidecar.e2e;

import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;

/** The results of guests run together ({@link GuestGroup#run(Guest...)}), in the order they were given. */
public final class GuestResults implements Iterable<GuestResult> {

    private final List<GuestResult> results;
    private final Duration wall;

    GuestResults(List<GuestResult> results, Duration wall) {
        this.results = List.copyOf(results);
        this.wall = wall;
    }

    /** The result of the guest named {@code name}. */
    public GuestResult get(String name) {
        return results.stream().filter(r -> r.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no guest named " + name + " in " + names()));
    }

    /** The result of the {@code i}-th guest given (0-based). */
    public GuestResult get(int i) {
        return results.get(i);
    }

    public List<GuestResult> all() {
        return results;
    }

    /** Wall time from starting the first guest to the end of the last. */
    public Duration wall() {
        return wall;
    }

    /** Every guest finished and every command of every guest returned 0. */
    public GuestResults assertAllSucceeded() {
        results.forEach(GuestResult::assertAllSucceeded);
        return this;
    }

    public GuestResults assertAllFinished() {
        results.forEach(GuestResult::assertFinished);
        return this;
    }

    /** Diagnostics of every guest, for assertion messages about the group. */
    public String diagnostics() {
        return results.stream().map(GuestResult::diagnostics).collect(Collectors.joining("\n"));
    }

    private List<String> names() {
        return results.stream().map(GuestResult::name).toList();
    }

    @Override
    public Iterator<GuestResult> iterator() {
        return results.iterator();
    }

    @Override
    public String toString() {
        return results.stream().map(GuestResult::summary).collect(Collectors.joining("\n"));
    }
}
