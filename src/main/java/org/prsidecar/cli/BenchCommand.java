package org.prsidecar.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.stream.Stream;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.helper.FrameException;
import org.prsidecar.helper.HelperClient;
import org.prsidecar.helper.HelperRequest;
import org.prsidecar.helper.HelperResponse;
import org.prsidecar.helper.HelperServer;
import org.prsidecar.helper.IdentityResolver;
import org.prsidecar.helper.ProcessTable;
import org.prsidecar.helper.RequestHandler;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.posix.PosixPlatform;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.store.SidecarStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code prsidecar bench}: a load generator over the real pr-helper protocol. Each
 * connection behaves like a QEMU (handshake, one command at a time, the disk's fd with
 * every CDB); commands are drawn from a weighted mix; latency percentiles and throughput
 * are reported, optionally next to a floor: the same clients, message sizes and fd passing
 * against a trivial in-process responder over AF_UNIX.
 */
@Command(name = "bench", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Load a pr-manager helper with QEMU-like connections and report latency percentiles"
                + " (p50/p90/p99/p99.9/max) and throughput.",
            "Without -k, an in-process helper is started on the same code path as 'serve' (socket, frames, disk"
                + " resolution, sidecar store under OFD locks, engine), one initiator per connection"
                + " (iqn.2026-11.org.prsidecar:bench-N), tables in image sidecars under --dir: choose --dir on the"
                + " storage to measure (tmpfs, local disk, NFS).",
            "With -k, an existing helper is loaded; it sees every connection as this one process, so run it with"
                + " --initiator or --identity uid (with the default per-VM identity it refuses the bench, which"
                + " has no -uuid).",
            "",
            "Mix (--mix NAME=WEIGHT,...):",
            "  read-keys            PR IN READ KEYS (allocation 8192)",
            "  read-reservation     PR IN READ RESERVATION (allocation 8192)",
            "  read-full-status     PR IN READ FULL STATUS (allocation 8192)",
            "  report-capabilities  PR IN REPORT CAPABILITIES (allocation 8)",
            "  register             PR OUT REGISTER AND IGNORE EXISTING KEY with a new key every time: a durable"
                + " write of the table",
            "  reserve              PR OUT RESERVE (Write Exclusive) with the connection's key, or RELEASE when it"
                + " holds it: a durable write when it changes the table; RESERVATION CONFLICT when another"
                + " connection on the same disk holds it",
            "",
            "--floor measures, in the same run, the same clients against a trivial responder that answers every"
                + " request at once with a response of the size the helper gave for that command (fd passing"
                + " included): the ratio shows what the helper adds over the IPC itself.",
            ""},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:finished; every command was answered", "1:some commands failed (I/O or protocol errors)",
            "2:bad option"})
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-k", "--socket"}, paramLabel = "PATH",
            description = "Load this running helper instead of an in-process one.")
    Path socket;

    @Option(names = {"-c", "--connections"}, paramLabel = "N", description = "QEMU-like connections (default 1).")
    int connections = 1;

    @Option(names = {"-t", "--duration"}, paramLabel = "DURATION",
            description = "How long to measure, per run (default 10s).")
    String duration = "10s";

    @Option(names = "--count", paramLabel = "N",
            description = "Measure this many commands per connection instead of a duration.")
    Long count;

    @Option(names = "--warmup", paramLabel = "DURATION", description = "Load before measuring (default 2s).")
    String warmup = "2s";

    @Option(names = "--mix", paramLabel = "NAME=WEIGHT,...",
            description = "Command mix (default read-keys=8,read-reservation=1,register=1).")
    String mix = "read-keys=8,read-reservation=1,register=1";

    @Option(names = "--disks", paramLabel = "N",
            description = "Distinct disks the connections share round-robin (default 1: all on one disk).")
    int disks = 1;

    @Option(names = "--dir", paramLabel = "DIR",
            description = "Where images, their sidecars and in-process sockets go (default: a new temporary"
                    + " directory, removed afterwards).")
    Path dir;

    @Option(names = "--image", paramLabel = "PATH",
            description = "Use these disk images (repeatable) instead of creating --disks images in --dir.")
    List<Path> images;

    @Option(names = "--floor", description = "Also measure the floor (trivial in-process responder).")
    boolean floor;

    @Option(names = "--runs", paramLabel = "N",
            description = "Repeat the measurement (each run: helper, then floor); prints the median and range.")
    int runs = 1;

    @Option(names = "--seed", paramLabel = "N", description = "Random seed of the command mix (default 1).")
    long seed = 1;

    @Option(names = "--lock-timeout", paramLabel = "DURATION",
            description = "In-process helper's sidecar lock deadline (default 5s).")
    String lockTimeout = "5s";

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help and exit.")
    boolean help;

    /** The commands a mix is made of. */
    enum Kind {
        READ_KEYS("read-keys"), READ_RESERVATION("read-reservation"), READ_FULL_STATUS("read-full-status"),
        REPORT_CAPABILITIES("report-capabilities"), REGISTER("register"), RESERVE("reserve");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        boolean prOut() {
            return this == REGISTER || this == RESERVE;
        }

        static Optional<Kind> of(String label) {
            return Arrays.stream(values()).filter(k -> k.label.equals(label)).findFirst();
        }
    }

    /** Everything a bench run needs, validated. */
    record Settings(Optional<Path> socket, int connections, Duration duration, Optional<Long> count,
            Duration warmup, Map<Kind, Integer> mix, int disks, Optional<Path> dir, List<Path> images,
            boolean floor, int runs, long seed, Duration lockTimeout) {
    }

    /** One measured run against one target. */
    record Result(String target, long commands, double seconds, long[] sortedNanos, Map<String, Long> statuses,
            Map<Kind, long[]> perKind, long errors, List<String> errorSamples) {

        double opsPerSecond() {
            return seconds > 0 ? commands / seconds : 0;
        }

        long percentile(double q) {
            return percentileOf(sortedNanos, q);
        }

        long max() {
            return sortedNanos.length == 0 ? 0 : sortedNanos[sortedNanos.length - 1];
        }
    }

    static long percentileOf(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    @Override
    public Integer call() throws Exception {
        Settings s = settings();
        Logging.configure(-1, null); // the in-process helper logs warnings only
        PrintWriter out = spec.commandLine().getOut();
        List<Result[]> all = run(s, out);
        boolean failed = all.stream().flatMap(Arrays::stream).anyMatch(r -> r != null && r.errors() > 0);
        out.flush();
        return failed ? 1 : 0;
    }

    Settings settings() throws ConfigException {
        if (connections < 1 || connections > 4096) {
            throw new ConfigException("--connections: " + connections + " is not between 1 and 4096");
        }
        if (disks < 1) {
            throw new ConfigException("--disks: " + disks + " is not a positive number");
        }
        if (runs < 1) {
            throw new ConfigException("--runs: " + runs + " is not a positive number");
        }
        if (count != null && count < 1) {
            throw new ConfigException("--count: " + count + " is not a positive number");
        }
        if (socket != null && !socket.isAbsolute()) {
            throw new ConfigException("--socket: " + socket + " must be an absolute path");
        }
        return new Settings(Optional.ofNullable(socket), connections, Values.duration(duration, "--duration"),
                Optional.ofNullable(count), Values.duration(warmup, "--warmup"), parseMix(mix), disks,
                Optional.ofNullable(dir), images == null ? List.of() : List.copyOf(images), floor, runs, seed,
                Values.duration(lockTimeout, "--lock-timeout"));
    }

    static Map<Kind, Integer> parseMix(String spec) throws ConfigException {
        Map<Kind, Integer> m = new EnumMap<>(Kind.class);
        for (String part : spec.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            String[] kv = part.strip().split("=", 2);
            Kind k = Kind.of(kv[0].strip()).orElseThrow(() -> new ConfigException("--mix: unknown command \""
                    + kv[0].strip() + "\" (known: " + String.join(", ", Arrays.stream(Kind.values())
                            .map(x -> x.label).toList()) + ")"));
            int w = kv.length == 1 ? 1 : Values.positive(kv[1], "--mix " + k.label);
            if (m.put(k, w) != null) {
                throw new ConfigException("--mix: " + k.label + " is given twice");
            }
        }
        if (m.isEmpty()) {
            throw new ConfigException("--mix: no command given");
        }
        return m;
    }

    // ------------------------------------------------------------------ running

    /** Runs the bench as configured; prints as it goes; returns each run's [helper, floor or null]. */
    static List<Result[]> run(Settings s, PrintWriter out) throws Exception {
        PosixPlatform.requireAvailable();
        boolean ownDir = s.dir().isEmpty();
        Path dir = s.dir().orElseGet(() -> {
            try {
                return Files.createTempDirectory("prsidecar-bench-");
            } catch (IOException e) {
                throw new IllegalStateException("cannot create a temporary directory: " + e.getMessage(), e);
            }
        });
        Files.createDirectories(dir);
        List<Path> images = new ArrayList<>(s.images());
        if (images.isEmpty()) {
            for (int i = 0; i < s.disks(); i++) {
                Path img = dir.resolve("bench-disk-" + i + ".img");
                if (!Files.exists(img)) {
                    Files.write(img, new byte[4096]);
                }
                images.add(img.toAbsolutePath());
            }
        }
        InProcessHelper helper = s.socket().isPresent() ? null : new InProcessHelper(dir, s.connections(),
                s.lockTimeout());
        try {
            out.println(header(s, dir, images, helper == null));
            out.flush();
            List<Path> sockets = new ArrayList<>();
            for (int i = 0; i < s.connections(); i++) {
                sockets.add(helper == null ? s.socket().get() : helper.socket(i));
            }
            // one initial registration per connection, so that RESERVE has a key to use
            ResponseSizes sizes = new ResponseSizes();
            List<Result[]> results = new ArrayList<>();
            for (int run = 0; run < s.runs(); run++) {
                Result daemon = measure("helper", s, sockets, images, sizes, s.seed() + run);
                Result floorResult = null;
                if (s.floor()) {
                    try (FloorResponder f = new FloorResponder(dir.resolve("bench-floor.sock"), sizes)) {
                        List<Path> floorSockets = new ArrayList<>();
                        for (int i = 0; i < s.connections(); i++) {
                            floorSockets.add(f.socket);
                        }
                        floorResult = measure("floor", s, floorSockets, images, sizes, s.seed() + run);
                    }
                }
                results.add(new Result[] {daemon, floorResult});
                print(out, s.runs() > 1 ? "run " + (run + 1) + "/" + s.runs() : null, daemon, floorResult);
                out.flush();
            }
            if (s.runs() > 1) {
                summary(out, results);
            }
            return results;
        } finally {
            if (helper != null) {
                helper.close();
            }
            if (ownDir) {
                deleteTree(dir);
            }
        }
    }

    private static String header(Settings s, Path dir, List<Path> images, boolean external) {
        String what = s.count().map(n -> n + " commands per connection").orElse(s.duration().toMillis() / 1000.0
                + " s");
        return "prsidecar bench: " + s.connections() + " connection(s), mix " + mixText(s.mix()) + ", " + what
                + " per run after " + s.warmup().toMillis() / 1000.0 + " s of warm-up, " + images.size()
                + " disk(s) [" + images.get(0).getParent() + "], "
                + (external ? "helper at " + s.socket().get() : "in-process helper (sidecars beside the images)")
                + "; Java " + Runtime.version() + ", " + Runtime.getRuntime().availableProcessors() + " CPU(s)";
    }

    static String mixText(Map<Kind, Integer> mix) {
        List<String> parts = new ArrayList<>();
        mix.forEach((k, w) -> parts.add(k.label + "=" + w));
        return String.join(",", parts);
    }

    /** The size of the helper's answer to each PR IN service action, for the floor to mimic. */
    static final class ResponseSizes {
        final AtomicIntegerArray bySa = new AtomicIntegerArray(32);

        ResponseSizes() {
            bySa.set(PrInServiceAction.READ_KEYS.code(), 8);
            bySa.set(PrInServiceAction.READ_RESERVATION.code(), 8);
            bySa.set(PrInServiceAction.READ_FULL_STATUS.code(), 8);
            bySa.set(PrInServiceAction.REPORT_CAPABILITIES.code(), 8);
        }
    }

    /** One connection's loop and what it measured. */
    private static final class Worker implements Runnable {
        final int index;
        final Path socket;
        final Path image;
        final Settings s;
        final Kind[] wheel;
        final Random random;
        final ResponseSizes sizes;
        final boolean recordSizes;
        final CountDownLatch start;
        final Window window;
        long[] nanos = new long[1 << 12];
        int n;
        final Map<Kind, long[]> perKind = new EnumMap<>(Kind.class);
        final Map<Kind, Integer> perKindCount = new EnumMap<>(Kind.class);
        final Map<String, Long> statuses = new TreeMap<>();
        long errors;
        final List<String> errorSamples = new ArrayList<>();
        long key;
        long keys;
        boolean holding;

        Worker(int index, Path socket, Path image, Settings s, long seed, ResponseSizes sizes, boolean recordSizes,
                CountDownLatch start, Window window) {
            this.index = index;
            this.socket = socket;
            this.image = image;
            this.s = s;
            this.random = new Random(seed * 1_000_003L + index);
            this.sizes = sizes;
            this.recordSizes = recordSizes;
            this.start = start;
            this.window = window;
            List<Kind> w = new ArrayList<>();
            s.mix().forEach((k, weight) -> {
                for (int i = 0; i < weight; i++) {
                    w.add(k);
                }
            });
            this.wheel = w.toArray(Kind[]::new);
        }

        private long nextKey() {
            return (long) (index + 1) << 40 | ++keys;
        }

        @Override
        public void run() {
            boolean counted = false;
            try (PosixFile disk = PosixFile.open(image, OpenMode.READ_WRITE, 0);
                    HelperClient c = HelperClient.connect(socket, Duration.ofSeconds(60))) {
                long sark = nextKey();
                HelperResponse first = c.execute(prOut(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null),
                        disk.fd(), BasicParameterList.of(0, sark).encode());
                if (first.result() == ScsiStatus.GOOD.code()) {
                    key = sark;
                }
                start.countDown();
                counted = true;
                start.await();
                long measured = 0;
                while (true) {
                    long now = System.nanoTime();
                    boolean inWindow = now >= window.from;
                    if (s.count().isPresent() ? measured >= s.count().get() : now >= window.until) {
                        break;
                    }
                    Kind k = wheel[random.nextInt(wheel.length)];
                    long t0 = System.nanoTime();
                    HelperResponse r = execute(c, disk.fd(), k);
                    long t = System.nanoTime() - t0;
                    if (inWindow) {
                        record(k, t, r);
                        measured++;
                    }
                }
            } catch (Exception e) {
                errors++;
                errorSamples.add("connection " + index + ": " + e);
            } finally {
                if (!counted) {
                    start.countDown(); // never leave the others waiting
                }
            }
        }

        private HelperResponse execute(HelperClient c, int fd, Kind k) throws IOException, FrameException {
            switch (k) {
                case REGISTER -> {
                    long sark = nextKey();
                    HelperResponse r = c.execute(prOut(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null),
                            fd, BasicParameterList.of(0, sark).encode());
                    if (r.result() == ScsiStatus.GOOD.code()) {
                        key = sark;
                    }
                    return r;
                }
                case RESERVE -> {
                    PrOutServiceAction sa = holding ? PrOutServiceAction.RELEASE : PrOutServiceAction.RESERVE;
                    HelperResponse r = c.execute(prOut(sa, ReservationType.WRITE_EXCLUSIVE), fd,
                            BasicParameterList.of(key, 0).encode());
                    if (r.result() == ScsiStatus.GOOD.code()) {
                        holding = !holding;
                    }
                    return r;
                }
                default -> {
                    PrInServiceAction sa = switch (k) {
                        case READ_KEYS -> PrInServiceAction.READ_KEYS;
                        case READ_RESERVATION -> PrInServiceAction.READ_RESERVATION;
                        case READ_FULL_STATUS -> PrInServiceAction.READ_FULL_STATUS;
                        default -> PrInServiceAction.REPORT_CAPABILITIES;
                    };
                    int alloc = sa == PrInServiceAction.REPORT_CAPABILITIES ? 8 : HelperRequest.MAX_TRANSFER;
                    HelperResponse r = c.execute(PersistentReserveInCdb.of(sa, alloc).encode(), fd, new byte[0]);
                    if (recordSizes && r.result() == ScsiStatus.GOOD.code()) {
                        sizes.bySa.set(sa.code(), r.data().length);
                    }
                    return r;
                }
            }
        }

        private void record(Kind k, long t, HelperResponse r) {
            if (n == nanos.length) {
                nanos = Arrays.copyOf(nanos, n * 2);
            }
            nanos[n++] = t;
            long[] pk = perKind.computeIfAbsent(k, x -> new long[1 << 10]);
            int c = perKindCount.getOrDefault(k, 0);
            if (c == pk.length) {
                pk = Arrays.copyOf(pk, c * 2);
                perKind.put(k, pk);
            }
            pk[c] = t;
            perKindCount.put(k, c + 1);
            String status = ScsiStatus.fromCode(r.result()).map(x -> x.name().replace('_', ' '))
                    .orElse("status " + r.result());
            if (r.result() == ScsiStatus.CHECK_CONDITION.code()) {
                status += r.senseData().map(d -> String.format(" %s/%02X/%02X", d.key(), d.asc(), d.ascq()))
                        .orElse("");
            }
            statuses.merge(status, 1L, Long::sum);
        }
    }

    /** When measuring starts and ends (System.nanoTime); both open until every connection is ready. */
    private static final class Window {
        volatile long from = Long.MAX_VALUE;
        volatile long until = Long.MAX_VALUE;
    }

    static byte[] prOut(PrOutServiceAction sa, ReservationType type) {
        return PersistentReserveOutCdb.of(sa, type, BasicParameterList.LENGTH).encode();
    }

    private static Result measure(String target, Settings s, List<Path> sockets, List<Path> images,
            ResponseSizes sizes, long seed) throws InterruptedException {
        CountDownLatch start = new CountDownLatch(s.connections());
        Window window = new Window();
        List<Worker> workers = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int i = 0; i < s.connections(); i++) {
            Worker w = new Worker(i, sockets.get(i), images.get(i % images.size()), s, seed, sizes,
                    target.equals("helper"), start, window);
            workers.add(w);
            Thread t = new Thread(w, "bench-" + target + "-" + i);
            t.setDaemon(true);
            threads.add(t);
        }
        threads.forEach(Thread::start);
        start.await();
        long t0 = System.nanoTime();
        // the until first: a worker that sees the new from must not see the old until
        window.until = s.count().isPresent() ? Long.MAX_VALUE : t0 + s.warmup().toNanos() + s.duration().toNanos();
        window.from = t0 + s.warmup().toNanos();
        for (Thread t : threads) {
            t.join();
        }
        long t1 = System.nanoTime();
        double seconds = (s.count().isPresent() ? t1 - Math.min(t1, window.from)
                : Math.min(t1, window.until) - window.from) / 1e9;
        int total = workers.stream().mapToInt(w -> w.n).sum();
        long[] all = new long[total];
        int at = 0;
        Map<String, Long> statuses = new TreeMap<>();
        Map<Kind, List<long[]>> kindParts = new EnumMap<>(Kind.class);
        long errors = 0;
        List<String> samples = new ArrayList<>();
        for (Worker w : workers) {
            System.arraycopy(w.nanos, 0, all, at, w.n);
            at += w.n;
            w.statuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
            w.perKind.forEach((k, v) -> kindParts.computeIfAbsent(k, x -> new ArrayList<>())
                    .add(Arrays.copyOf(v, w.perKindCount.get(k))));
            errors += w.errors;
            samples.addAll(w.errorSamples);
        }
        Arrays.sort(all);
        Map<Kind, long[]> perKind = new EnumMap<>(Kind.class);
        kindParts.forEach((k, parts) -> {
            long[] merged = parts.stream().flatMapToLong(Arrays::stream).sorted().toArray();
            perKind.put(k, merged);
        });
        return new Result(target, total, seconds, all, statuses, perKind, errors, samples);
    }

    private static String micros(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1000.0);
    }

    private static void print(PrintWriter out, String title, Result daemon, Result floor) {
        if (title != null) {
            out.println(title);
        }
        out.printf(Locale.ROOT, "  %-7s %10s %10s %9s %9s %9s %9s %9s%n", "", "commands", "ops/s", "p50 us", "p90 us",
                "p99 us", "p99.9 us", "max us");
        for (Result r : floor == null ? List.of(daemon) : List.of(daemon, floor)) {
            out.printf(Locale.ROOT, "  %-7s %10d %10.0f %9s %9s %9s %9s %9s%n", r.target(), r.commands(),
                    r.opsPerSecond(), micros(r.percentile(0.5)), micros(r.percentile(0.9)),
                    micros(r.percentile(0.99)), micros(r.percentile(0.999)), micros(r.max()));
        }
        if (floor != null && floor.commands() > 0 && daemon.commands() > 0) {
            out.printf(Locale.ROOT, "  %-7s %10s %10s %9s %9s %9s %9s %9s%n", "ratio", "",
                    ratio(floor.opsPerSecond(), daemon.opsPerSecond()), ratio(daemon.percentile(0.5),
                            floor.percentile(0.5)), ratio(daemon.percentile(0.9), floor.percentile(0.9)),
                    ratio(daemon.percentile(0.99), floor.percentile(0.99)), ratio(daemon.percentile(0.999),
                            floor.percentile(0.999)), ratio(daemon.max(), floor.max()));
        }
        daemon.perKind().forEach((k, v) -> out.printf(Locale.ROOT, "  %-20s %8d commands, p50 %s us, p99 %s us%n",
                k.label, v.length, micros(percentileOf(v, 0.5)), micros(percentileOf(v, 0.99))));
        out.println("  statuses: " + daemon.statuses());
        for (Result r : floor == null ? List.of(daemon) : List.of(daemon, floor)) {
            if (r.errors() > 0) {
                out.println("  " + r.target() + " ERRORS: " + r.errors() + " " + r.errorSamples().stream().limit(3)
                        .toList());
            }
        }
    }

    /** "x5.2": how many times slower (or, for throughput, how many times fewer) than the floor. */
    private static String ratio(double worse, double better) {
        return better <= 0 ? "-" : String.format(Locale.ROOT, "x%.1f", worse / better);
    }

    private static void summary(PrintWriter out, List<Result[]> results) {
        out.println("summary over " + results.size() + " runs: median [min - max]");
        for (int which = 0; which < 2; which++) {
            int w = which;
            if (results.get(0)[w] == null) {
                continue;
            }
            List<Result> rs = results.stream().map(r -> r[w]).toList();
            out.printf(Locale.ROOT, "  %-7s ops/s %s  p50 us %s  p99 us %s  p99.9 us %s%n", rs.get(0).target(),
                    spread(rs.stream().mapToDouble(Result::opsPerSecond).toArray(), "%.0f"),
                    spread(rs.stream().mapToDouble(r -> r.percentile(0.5) / 1000.0).toArray(), "%.1f"),
                    spread(rs.stream().mapToDouble(r -> r.percentile(0.99) / 1000.0).toArray(), "%.1f"),
                    spread(rs.stream().mapToDouble(r -> r.percentile(0.999) / 1000.0).toArray(), "%.1f"));
        }
    }

    static String spread(double[] v, String format) {
        double[] s = v.clone();
        Arrays.sort(s);
        double median = s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
        return String.format(Locale.ROOT, format + " [" + format + " - " + format + "]", median, s[0],
                s[s.length - 1]);
    }

    // ------------------------------------------------------------------ the in-process helper

    /**
     * The serve code path in this JVM: one store and one engine behind one HelperServer per
     * connection, each a fixed initiator (as if each were a VM of its own).
     */
    static final class InProcessHelper implements AutoCloseable {
        private final List<HelperServer> servers = new ArrayList<>();
        private final List<Path> sockets = new ArrayList<>();

        InProcessHelper(Path dir, int connections, Duration lockTimeout) throws IOException {
            SidecarStore store = new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(lockTimeout)
                    .withProgram("prsidecar bench"));
            RequestHandler handler = new RequestHandler(store, new PersistentReservations());
            DiskResolver disks = new DiskResolver(dir, List.of(), DiskResolver.OtherDisks.EMULATE, Path.of("/sys"));
            try {
                for (int i = 0; i < connections; i++) {
                    Path sock = dir.resolve("bench-" + i + ".sock");
                    HelperServer server = new HelperServer(UnixServerSocket.bind(sock, 0600, 16),
                            IdentityResolver.fixed(IdentityResolver.DEFAULT_PREFIX + ":bench-" + i,
                                    ProcessTable.system()), disks, handler,
                            new HelperServer.Options(16, Duration.ofSeconds(10), Set.of(), Set.of()));
                    server.start();
                    servers.add(server);
                    sockets.add(sock);
                }
            } catch (IOException | RuntimeException e) {
                close();
                throw e;
            }
        }

        Path socket(int i) {
            return sockets.get(i);
        }

        @Override
        public void close() {
            servers.forEach(s -> s.stop(Duration.ofSeconds(5)));
        }
    }

    // ------------------------------------------------------------------ the floor

    /**
     * Answers every request at once: the handshake, then for each frame (CDB with its fd,
     * parameter list) a GOOD response as large as the helper's answer to that command.
     */
    static final class FloorResponder implements AutoCloseable {
        final Path socket;
        private final UnixServerSocket server;
        private final Set<UnixConnection> open = ConcurrentHashMap.newKeySet();
        private final Thread acceptor;

        FloorResponder(Path socket, ResponseSizes sizes) throws IOException {
            this.socket = socket;
            this.server = UnixServerSocket.bind(socket, 0600, 64);
            this.acceptor = new Thread(() -> {
                while (true) {
                    UnixConnection c;
                    try {
                        c = server.accept();
                    } catch (IOException e) {
                        return;
                    }
                    open.add(c);
                    Thread t = new Thread(() -> serve(c, sizes), "bench-floor-conn");
                    t.setDaemon(true);
                    t.start();
                }
            }, "bench-floor-accept");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void serve(UnixConnection c, ResponseSizes sizes) {
            byte[] sense = new byte[HelperResponse.SENSE_LENGTH];
            try (c) {
                c.send(new byte[4], 0, 4);
                byte[] features = new byte[4];
                for (int at = 0; at < 4;) {
                    int n = c.receive(features, at, 4 - at);
                    if (n == 0) {
                        return;
                    }
                    at += n;
                }
                while (true) {
                    HelperRequest r = HelperRequest.read(c, () -> { });
                    if (r == null) {
                        return;
                    }
                    r.closeFd();
                    int size = r.opcode() == PersistentReserveInCdb.OPCODE
                            ? Math.min(r.transferLength(), sizes.bySa.get(r.cdb()[1] & 0x1F)) : 0;
                    new HelperResponse(ScsiStatus.GOOD.code(), sense, new byte[size]).write(c);
                }
            } catch (IOException | FrameException e) {
                // the client went away
            } finally {
                open.remove(c);
            }
        }

        @Override
        public void close() throws IOException {
            server.closeAndUnlink();
            open.forEach(UnixConnection::close);
        }
    }

    static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    // best effort
                }
            });
        } catch (IOException e) {
            // best effort
        }
    }
}
