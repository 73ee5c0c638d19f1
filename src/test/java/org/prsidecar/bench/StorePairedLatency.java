package org.prsidecar.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The sidecar store's latencies and their floor measured interleaved: one update, one floor
 * update, one PR IN, one floor read, again and again, so that a change of the machine's load
 * (other tenants' flushes on a shared virtual disk) hits all four alike; the ratios of the
 * medians are then meaningful even where absolute numbers drift (docs/benchmarks.md,
 * "Sidecar store"). The operations are {@link StoreLatencyBenchmark}'s.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:DEPS org.prsidecar.bench.StorePairedLatency \
 *     [ROUNDS=3000] [FS=/var/tmp,/dev/shm]
 * </pre>
 */
public final class StorePairedLatency {
    private StorePairedLatency() {
    }

    private interface Op {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        String[] fss = (args.length > 1 ? args[1] : "/var/tmp,/dev/shm").split(",");
        System.out.printf("# %s, JDK %s, %d rounds after %d warm-up rounds; microseconds: median [p10-p90] (p99)%n",
                java.time.Instant.now(), System.getProperty("java.version"), rounds, rounds / 5);
        System.out.println("| file system | update | floor update | ratio | PR IN | PR IN, uncached | floor read | ratio |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String fs : fss) {
            StoreLatencyBenchmark b = new StoreLatencyBenchmark();
            b.fs = fs;
            b.setUp();
            try {
                Op[] ops = {b::update, b::floorUpdate, b::prIn, b::prInUncached, b::floorRead};
                long[][] t = new long[ops.length][rounds];
                for (int r = -rounds / 5; r < rounds; r++) {
                    for (int o = 0; o < ops.length; o++) {
                        long t0 = System.nanoTime();
                        ops[o].run();
                        long dt = System.nanoTime() - t0;
                        if (r >= 0) {
                            t[o][r] = dt;
                        }
                    }
                }
                for (long[] x : t) {
                    Arrays.sort(x);
                }
                System.out.printf("| %s (%s) | %s | %s | %.1f | %s | %s | %s | %.1f |%n", fs,
                        Files.getFileStore(Path.of(fs)).type(), fmt(t[0]), fmt(t[1]), med(t[0]) / med(t[1]), fmt(t[2]),
                        fmt(t[3]), fmt(t[4]), med(t[2]) / med(t[4]));
            } finally {
                b.tearDown();
            }
        }
    }

    private static double med(long[] sorted) {
        return sorted[sorted.length / 2] / 1e3;
    }

    private static double at(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) (p * sorted.length))] / 1e3;
    }

    private static String fmt(long[] sorted) {
        return String.format("%.0f [%.0f-%.0f] (%.0f)", med(sorted), at(sorted, 0.10), at(sorted, 0.90),
                at(sorted, 0.99));
    }
}
