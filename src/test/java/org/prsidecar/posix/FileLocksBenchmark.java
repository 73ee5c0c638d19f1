package org.prsidecar.posix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What a lock costs (not a test). Run: {@code java -cp <test classpath>
 * org.openjdk.jmh.Main FileLocksBenchmark}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class FileLocksBenchmark {
    Path dir;
    Path file;
    FileLocks locks;
    PosixFile open;
    PosixFile other;
    LockedFile held;
    byte[] buf = new byte[4096];

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        dir = Files.createTempDirectory("prsidecar-bench");
        file = Files.write(dir.resolve("table.json"), new byte[4096]);
        locks = FileLocks.system();
        open = PosixFile.open(file, OpenMode.READ_WRITE, 0);
        other = PosixFile.open(Files.write(dir.resolve("held.json"), new byte[16]), OpenMode.READ_WRITE, 0);
        held = locks.open(dir.resolve("held.json"), OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, Duration.ZERO);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        held.close();
        other.close();
        open.close();
        Files.walk(dir).sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }

    /** F_OFD_SETLK F_WRLCK then F_UNLCK on an open fd: the pure lock cost. */
    @Benchmark
    public boolean lockUnlockPair() throws Exception {
        boolean got = locks.tryLockForBenchmark(open, LockKind.EXCLUSIVE);
        locks.unlockQuietly(open);
        return got;
    }

    /** A conflicting attempt (EAGAIN), as each poll of a waiter makes. */
    @Benchmark
    public boolean failedAttempt() throws Exception {
        return locks.tryLockForBenchmark(other, LockKind.EXCLUSIVE);
    }

    /** open + lock + unlock + close, what one store update pays around its I/O. */
    @Benchmark
    public int openLockClose() throws Exception {
        try (LockedFile f = locks.open(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, Duration.ZERO)) {
            return f.file().fd();
        }
    }

    /** open + shared lock + pread 4 KiB + fstat + close: a cached-read check. */
    @Benchmark
    public int sharedReadOf4KiB() throws Exception {
        try (LockedFile f = locks.open(file, OpenMode.READ_ONLY, 0, LockKind.SHARED, Duration.ZERO)) {
            f.file().stat();
            return f.file().read(buf, 0, buf.length, 0);
        }
    }

    /** fstat alone. */
    @Benchmark
    public long fstat() throws Exception {
        return open.stat().mtimeNanos();
    }
}
