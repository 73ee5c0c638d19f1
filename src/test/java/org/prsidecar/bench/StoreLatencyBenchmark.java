package org.prsidecar.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;

/**
 * Latency of one sidecar update (a PR OUT that changes the table) and one PR IN, next to the
 * floor the storage puts under them, measured in the same run on the same file system
 * (docs/benchmarks.md, "Sidecar store"). The table is a two-node cluster's: four initiators
 * registered, one holding a WE_RO reservation. Sample time: the median and percentiles
 * resist the outliers a shared virtual disk's flushes produce better than a mean does;
 * {@link StorePairedLatency} measures the same operations interleaved, for the ratios.
 *
 * <ul>
 *   <li>{@code update}: REGISTER AND IGNORE EXISTING KEY with a new key (generation + 1)
 *       through {@link SidecarStore#update} and the engine: lock, read, engine, journal
 *       write + fsync, sidecar write + fsync, unlock.
 *   <li>{@code prIn}: READ FULL STATUS through {@link SidecarStore#read} (shared lock, the
 *       cache's fstat + 256-byte check) and the engine.
 *   <li>{@code prInUncached}: the same with a store that caches nothing (parses every time,
 *       as after another host's write).
 *   <li>{@code floorUpdate}: open, exclusive OFD lock, 1 KiB pwrite, fsync, unlock, close of
 *       a small file: the least a durable, locked update can cost.
 *   <li>{@code floorRead}: open, shared OFD lock, 256-byte pread, unlock, close.
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "-Xmx256m"})
public class StoreLatencyBenchmark {

    /** Where the sidecar lives: local disk (ext4 here) or tmpfs. */
    @Param({"/var/tmp", "/dev/shm"})
    public String fs;

    private static final Nexus[] NODES = {
        Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:node1-path1"),
        Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:node1-path2"),
        Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:node2-path1"),
        Nexus.iscsi("iqn.2026-11.org.prsidecar.bench:node2-path2"),
    };

    private final PersistentReservations engine = new PersistentReservations();
    private Path dir;
    private Disk disk;
    private SidecarStore store;
    private SidecarStore uncached;
    private Request readFullStatus;
    private long nextKey = 0x1000;
    private Path floorFile;
    private final byte[] page = new byte[1024];
    private final byte[] head = new byte[256];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory(Path.of(fs), "prsidecar-bench");
        disk = new Disk("naa.60014050000000000000000000bench", dir.resolve("disk.pr.json"));
        SidecarStore.Options o = SidecarStore.Options.defaults().withLockTimeout(Duration.ofSeconds(10));
        store = new SidecarStore(o);
        uncached = new SidecarStore(o.withCacheBytes(0));
        for (int i = 0; i < NODES.length; i++) {
            long key = 0xA0 + i;
            run(out(NODES[i], PrOutServiceAction.REGISTER, null, 0, key));
        }
        run(out(NODES[0], PrOutServiceAction.RESERVE, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 0xA0, 0));
        readFullStatus = Request.of(NODES[2], PersistentReserveInCdb.of(PrInServiceAction.READ_FULL_STATUS, 8192)
                .encode());
        floorFile = dir.resolve("floor");
        Files.write(floorFile, page);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static Request out(Nexus n, PrOutServiceAction sa, ReservationType type, long rk, long sark) {
        byte[] p = BasicParameterList.of(rk, sark).encode();
        return Request.of(n, PersistentReserveOutCdb.of(sa, type, p.length).encode(), p);
    }

    private Outcome run(Request r) throws StoreException {
        return store.update(disk, t -> {
            Outcome o = engine.execute(t, r);
            return new TableStore.Change<>(o.table(), o);
        }).result();
    }

    @Benchmark
    public Outcome update() throws StoreException {
        // node2-path2 re-registers with a new key: the table changes on every call
        return run(out(NODES[3], PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, 0, ++nextKey));
    }

    @Benchmark
    public byte[] prIn() throws StoreException {
        return engine.execute(store.read(disk), readFullStatus).data();
    }

    @Benchmark
    public byte[] prInUncached() throws StoreException {
        return engine.execute(uncached.read(disk), readFullStatus).data();
    }

    @Benchmark
    public void floorUpdate() throws IOException {
        try (LockedFile f = FileLocks.system().open(floorFile, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE,
                Duration.ofSeconds(10))) {
            f.file().writeFully(page, 0);
            f.file().fsync();
        }
    }

    @Benchmark
    public int floorRead() throws IOException {
        try (LockedFile f = FileLocks.system().open(floorFile, OpenMode.READ_ONLY, 0, LockKind.SHARED,
                Duration.ofSeconds(10))) {
            return f.file().read(head, 0, head.length, 0);
        }
    }
}
