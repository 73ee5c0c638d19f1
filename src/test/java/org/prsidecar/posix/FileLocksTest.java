package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** OFD locks (the default here) against the real kernel. */
@SuppressWarnings("try") // try-with-resources that only hold a lock or a socket open
class FileLocksTest {
    private static final Duration SHORT = Duration.ofMillis(50);

    @TempDir
    Path dir;
    Path file;
    FileLocks locks;
    Set<String> fdsBefore;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("table.json");
        Files.write(file, new byte[] {'{', '}'});
        locks = FileLocks.system();
        fdsBefore = NativeTestSupport.openFds();
    }

    @AfterEach
    void noLeakedFds() {
        NativeTestSupport.assertNoLeak(fdsBefore, file);
    }

    private LockedFile exclusive(Duration timeout) throws Exception {
        return locks.open(file, OpenMode.READ_WRITE, 0600, LockKind.EXCLUSIVE, timeout);
    }

    private LockedFile shared(Duration timeout) throws Exception {
        return locks.open(file, OpenMode.READ_ONLY, 0, LockKind.SHARED, timeout);
    }

    @Test
    void thisKernelHasOfdLocks() {
        assertTrue(locks.ofd(), "OFD locks expected on Linux >= 3.15");
        assertFalse(FileLocks.classicFallback().ofd());
    }

    @Test
    void exclusiveExcludesExclusiveBetweenTwoOpenFileDescriptionsInOneJvm() throws Exception {
        try (LockedFile first = exclusive(SHORT)) {
            assertEquals(LockKind.EXCLUSIVE, first.kind());
            assertThrows(LockTimeoutException.class, () -> exclusive(SHORT));
            assertTrue(locks.tryOpen(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE).isEmpty());
        }
    }

    @Test
    void exclusiveExcludesSharedAndSharedExcludesExclusive() throws Exception {
        try (LockedFile writer = exclusive(SHORT)) {
            assertThrows(LockTimeoutException.class, () -> shared(SHORT));
        }
        try (LockedFile reader = shared(SHORT)) {
            LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> exclusive(SHORT));
            assertEquals(LockKind.EXCLUSIVE, e.kind());
            assertEquals(file, e.path());
        }
    }

    @Test
    void sharedLocksCoexist() throws Exception {
        try (LockedFile a = shared(SHORT); LockedFile b = shared(SHORT)) {
            assertEquals(LockKind.SHARED, b.kind());
            assertEquals('{', a.file().readAll(100)[0]);
            assertEquals('}', b.file().readAll(100)[1]);
        }
    }

    @Test
    void closeReleasesTheLockAndIsIdempotent() throws Exception {
        LockedFile first = exclusive(SHORT);
        int fd = first.file().fd();
        first.close();
        first.close();
        assertFalse(first.isOpen());
        assertFalse(first.file().isOpen());
        assertFalse(Fd.isOpen(fd) && Fd.readLink(fd).equals(file.toRealPath()), "fd still open on the file");
        try (LockedFile second = exclusive(SHORT)) {
            assertTrue(second.isOpen());
        }
    }

    @Test
    void timeoutIsHonouredNotBeforeAndNotMuchAfter() throws Exception {
        Duration timeout = Duration.ofMillis(400);
        try (LockedFile holder = exclusive(SHORT)) {
            long start = System.nanoTime();
            LockTimeoutException e = assertThrows(LockTimeoutException.class, () -> exclusive(timeout));
            long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(elapsedMillis >= 400, "gave up early: " + elapsedMillis + " ms");
            assertTrue(elapsedMillis < 400 + 250, "gave up late: " + elapsedMillis + " ms");
            assertTrue(e.waited().toMillis() >= 400, "waited " + e.waited());
            assertTrue(e.getMessage().contains("exclusive lock on " + file), e.getMessage());
        }
    }

    @Test
    void zeroTimeoutTriesOnce() throws Exception {
        try (LockedFile holder = exclusive(SHORT)) {
            long start = System.nanoTime();
            assertThrows(LockTimeoutException.class, () -> exclusive(Duration.ZERO));
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(100));
        }
        try (LockedFile free = exclusive(Duration.ZERO)) {
            assertTrue(free.isOpen());
        }
    }

    @Test
    void aWaiterGetsTheLockSoonAfterItIsReleased() throws Exception {
        LockedFile holder = exclusive(SHORT);
        CountDownLatch waiting = new CountDownLatch(1);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            waiting.countDown();
            long start = System.nanoTime();
            try (LockedFile mine = exclusive(Duration.ofSeconds(10))) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        waiting.await();
        Thread.sleep(300);
        holder.close();
        long waitedMillis = waiter.get(10, TimeUnit.SECONDS);
        assertTrue(waitedMillis >= 250 && waitedMillis < 300 + 200, "waited " + waitedMillis + " ms");
    }

    @Test
    void exclusiveNeedsAWritableMode() {
        assertThrows(IllegalArgumentException.class,
                () -> locks.open(file, OpenMode.READ_ONLY, 0, LockKind.EXCLUSIVE, SHORT));
    }

    @Test
    void openErrorsAreReportedAndLeaveNothingOpen() {
        PosixException e = assertThrows(PosixException.class, () -> locks.open(dir.resolve("missing"),
                OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, SHORT));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void createModeCreatesTheFile() throws Exception {
        Path created = dir.resolve("new.json");
        try (LockedFile f = locks.open(created, OpenMode.READ_WRITE_CREATE, 0600, LockKind.EXCLUSIVE, SHORT)) {
            assertTrue(f.file().stat().isRegularFile());
            assertEquals(0600, f.file().stat().permissions() & 0600);
        }
        assertTrue(Files.exists(created));
    }

    @Test
    void tryOpenDoesNotWait() throws Exception {
        try (LockedFile holder = exclusive(SHORT)) {
            long start = System.nanoTime();
            Optional<LockedFile> none = locks.tryOpen(file, OpenMode.READ_ONLY, 0, LockKind.SHARED);
            assertTrue(none.isEmpty());
            assertTrue(System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(100));
        }
        Optional<LockedFile> got = locks.tryOpen(file, OpenMode.READ_ONLY, 0, LockKind.SHARED);
        assertTrue(got.isPresent());
        got.get().close();
    }

    @Test
    void aLockHeldByAnotherProcessExcludesUsUntilThatProcessIsKilled() throws Exception {
        Process holder = NativeTestSupport.startJvm(LockHolderMain.class, "hold", file.toString(), "EXCLUSIVE", "ofd");
        try {
            NativeTestSupport.awaitLine(holder, 30_000, "LOCKED");
            assertThrows(LockTimeoutException.class, () -> shared(Duration.ofMillis(100)));
            assertTrue(locks.tryOpen(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE).isEmpty());
        } finally {
            NativeTestSupport.kill(holder);
        }
        try (LockedFile mine = exclusive(Duration.ofSeconds(2))) {
            assertNotNull(mine.file());
        }
    }

    @Test
    void ourLockExcludesAnotherProcess() throws Exception {
        try (LockedFile mine = shared(SHORT)) {
            Process other = NativeTestSupport.startJvm(LockHolderMain.class, "try", file.toString(), "EXCLUSIVE", "ofd");
            assertEquals("BUSY", NativeTestSupport.awaitLine(other, 30_000, "LOCKED", "BUSY"));
            assertTrue(other.waitFor(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aPythonOfdLockExcludesUsToo() throws Exception {
        // another implementation of the same kernel interface: F_OFD_SETLK = 37, struct flock
        String script = "import fcntl, os, struct, sys\n"
                + "fd = os.open(sys.argv[1], os.O_RDWR)\n"
                + "fcntl.fcntl(fd, 37, struct.pack('hhqqi4x', fcntl.F_WRLCK, 0, 0, 0, 0))\n"
                + "print('LOCKED', flush=True)\n"
                + "sys.stdin.read()\n";
        Process py;
        try {
            py = new ProcessBuilder("python3", "-c", script, file.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        } catch (java.io.IOException e) {
            throw new AssertionError("python3 is needed for this cross-check: apt-get install python3 (.ci/run does)",
                    e);
        }
        try {
            NativeTestSupport.awaitLine(py, 20_000, "LOCKED");
            assertThrows(LockTimeoutException.class, () -> shared(Duration.ofMillis(100)));
        } finally {
            NativeTestSupport.kill(py);
        }
        try (LockedFile mine = shared(Duration.ofSeconds(2))) {
            assertTrue(mine.isOpen());
        }
    }
}
