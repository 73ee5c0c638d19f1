package org.prsidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;

/**
 * Update throughput of the sidecar store with 1, 4 and 16 concurrent writers, on one disk
 * and spread over 16 disks (docs/benchmarks.md, "Sidecar store"). A plain timed harness,
 * not JMH: the quantity is a rate under contention, with its latency spread.
 *
 * <p>Writers are threads of one JVM, each with its own {@link SidecarStore}, as separate
 * helpers (hosts) would be: OFD locks exclude each other between open file descriptions
 * even in one process, and no cache is shared. Each update is a REGISTER AND IGNORE
 * EXISTING KEY with a new key by the writer's own initiator, so every one writes. Writer
 * {@code w} updates disk {@code (w + i) mod disks} on its {@code i}-th update.
 *
 * <pre>
 * java -cp target/test-classes:target/classes:DEPS org.prsidecar.bench.StoreThroughputBenchmark \
 *     [--seconds 3] [--runs 3] [--fs /var/tmp,/dev/shm] [--writers 1,4,16] [--disks 1,16]
 * </pre>
 */
public final class StoreThroughputBenchmark {
    private StoreThroughputBenchmark() {
    }

    private static final PersistentReservations ENGINE = new PersistentReservations();

    record Run(double opsPerSecond, long[] latenciesNanos, long busy) {
    }

    public static void main(String[] args) throws Exception {
        double seconds = 3;
        int runs = 3;
        List<String> fss = List.of("/var/tmp", "/dev/shm");
        int[] writerCounts = {1, 4, 16};
        int[] diskCounts = {1, 16};
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--runs" -> runs = Integer.parseInt(args[i + 1]);
                case "--fs" -> fss = List.of(args[i + 1].split(","));
                case "--writers" -> writerCounts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                case "--disks" -> diskCounts = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt)
                        .toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        System.out.printf("# %s, JDK %s (%s), %d CPUs, %s runs of %.1f s after a 1 s warm-up%n", Instant.now(),
                System.getProperty("java.version"), System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(), runs, seconds);
        System.out.println("| file system | disks | writers | updates/s (mean ± sd) | p50 ms | p99 ms | max ms | BUSY |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String fs : fss) {
            for (int disks : diskCounts) {
                for (int writers : writerCounts) {
                    run(Path.of(fs), disks, writers, 1.0);
                    List<Run> rs = new ArrayList<>();
                    for (int r = 0; r < runs; r++) {
                        rs.add(run(Path.of(fs), disks, writers, seconds));
                    }
                    double[] rates = rs.stream().mapToDouble(Run::opsPerSecond).toArray();
                    double mean = Arrays.stream(rates).average().orElse(0);
                    double sd = Math.sqrt(Arrays.stream(rates).map(x -> (x - mean) * (x - mean)).sum()
                            / Math.max(1, rates.length - 1));
                    long[] all = rs.stream().flatMapToLong(x -> Arrays.stream(x.latenciesNanos())).sorted().toArray();
                    long busy = rs.stream().mapToLong(Run::busy).sum();
                    System.out.printf("| %s (%s) | %d | %d | %.0f ± %.0f | %.2f | %.2f | %.1f | %d |%n", fs,
                            Files.getFileStore(Path.of(fs)).type(), disks, writers, mean, sd, pct(all, 0.50),
                            pct(all, 0.99), all.length == 0 ? 0 : all[all.length - 1] / 1e6, busy);
                }
            }
        }
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))] / 1e6;
    }

    private static Run run(Path fs, int diskCount, int writers, double seconds) throws Exception {
        Path dir = Files.createTempDirectory(fs, "prsidecar-throughput");
        try {
            Disk[] disks = new Disk[diskCount];
            for (int d = 0; d < diskCount; d++) {
                disks[d] = new Disk("naa.600140500000000000000000000" + String.format("%05d", d),
                        dir.resolve("disk" + d + ".pr.json"));
            }
            // every disk has its sidecar before the clock starts: the benchmark is of steady
            // state, and writers racing to create a sidecar can be refused (see
            // SidecarCreationRaceTest)
            SidecarStore setup = new SidecarStore(SidecarStore.Options.defaults());
            Nexus first = Nexus.iscsi("iqn.2026-11.org.prsidecar.throughput:setup");
            for (Disk d : disks) {
                byte[] p = BasicParameterList.of(0, 1).encode();
                Request r = Request.of(first, PersistentReserveOutCdb.of(PrOutServiceAction.REGISTER, null, p.length)
                        .encode(), p);
                setup.update(d, tbl -> new TableStore.Change<>(ENGINE.execute(tbl, r).table(), null));
            }
            CountDownLatch start = new CountDownLatch(1);
            AtomicLong busy = new AtomicLong();
            long[][] latencies = new long[writers][];
            int[] counts = new int[writers];
            long[] stopAt = new long[1];
            List<Thread> threads = new ArrayList<>();
            List<Throwable> failures = new ArrayList<>();
            for (int w = 0; w < writers; w++) {
                int me = w;
                Thread t = new Thread(() -> {
                    SidecarStore store = new SidecarStore(SidecarStore.Options.defaults()
                            .withLockTimeout(Duration.ofSeconds(5)));
                    Nexus nexus = Nexus.iscsi("iqn.2026-11.org.prsidecar.throughput:w" + me);
                    long[] lat = new long[1 << 16];
                    int n = 0;
                    long key = ((long) me + 1) << 32;
                    try {
                        start.await();
                        for (long i = 0; System.nanoTime() < stopAt[0]; i++) {
                            Disk disk = disks[(int) ((me + i) % diskCount)];
                            byte[] p = BasicParameterList.of(0, ++key).encode();
                            Request r = Request.of(nexus, PersistentReserveOutCdb.of(
                                    PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, p.length).encode(), p);
                            long t0 = System.nanoTime();
                            try {
                                store.update(disk, tbl -> {
                                    Outcome o = ENGINE.execute(tbl, r);
                                    return new TableStore.Change<>(o.table(), o);
                                });
                            } catch (StoreException e) {
                                if (e.kind() != StoreException.Kind.LOCK_TIMEOUT) {
                                    throw e;
                                }
                                busy.incrementAndGet();
                                continue;
                            }
                            if (n == lat.length) {
                                lat = Arrays.copyOf(lat, n * 2);
                            }
                            lat[n++] = System.nanoTime() - t0;
                        }
                    } catch (Throwable e) {
                        synchronized (failures) {
                            failures.add(e);
                        }
                    }
                    latencies[me] = Arrays.copyOf(lat, n);
                    counts[me] = n;
                }, "writer-" + w);
                threads.add(t);
                t.start();
            }
            long t0 = System.nanoTime();
            stopAt[0] = t0 + (long) (seconds * 1e9);
            start.countDown();
            for (Thread t : threads) {
                t.join();
            }
            double elapsed = (System.nanoTime() - t0) / 1e9;
            if (!failures.isEmpty()) {
                throw new IllegalStateException("a writer failed", failures.get(0));
            }
            long total = Arrays.stream(counts).sum();
            long[] all = Arrays.stream(latencies).flatMapToLong(Arrays::stream).toArray();
            return new Run(total / elapsed, all, busy.get());
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
