package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fallback for kernels without OFD locks, forced here: classic F_SETLK locks plus
 * in-process serialization.
 */
@SuppressWarnings("try") // try-with-resources that only hold a lock or a socket open
class ClassicLockFallbackTest {
    private static final Duration SHORT = Duration.ofMillis(100);

    @TempDir
    Path dir;
    Path file;
    FileLocks classic;
    Set<String> fdsBefore;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("table.json");
        Files.writeString(file, "{}");
        classic = FileLocks.classicFallback();
        fdsBefore = NativeTestSupport.openFds();
    }

    @AfterEach
    void nothingLeft() {
        assertEquals(0, ClassicGates.activeGates(), "in-process lock state left behind");
        NativeTestSupport.assertNoLeak(fdsBefore, file);
    }

    private LockedFile exclusive(Duration timeout) throws Exception {
        return classic.open(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, timeout);
    }

    private LockedFile shared(Duration timeout) throws Exception {
        return classic.open(file, OpenMode.READ_ONLY, 0, LockKind.SHARED, timeout);
    }

    private String otherProcessTries(LockKind kind) throws Exception {
        Process p = NativeTestSupport.startJvm(LockHolderMain.class, "try", file.toString(), kind.name(), "classic");
        String answer = NativeTestSupport.awaitLine(p, 30_000, "LOCKED", "BUSY");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        return answer;
    }

    @Test
    void theFallbackIsInUse() {
        assertFalse(classic.ofd());
    }

    @Test
    void excludesAnotherThreadOfThisJvm() throws Exception {
        try (LockedFile mine = exclusive(SHORT)) {
            CompletableFuture<Throwable> other = CompletableFuture.supplyAsync(() -> {
                try (LockedFile theirs = shared(SHORT)) {
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            });
            assertTrue(other.get(5, TimeUnit.SECONDS) instanceof LockTimeoutException);
            // and the same thread twice, as two OFD locks would
            assertThrows(LockTimeoutException.class, () -> exclusive(SHORT));
        }
    }

    @Test
    void sharedHoldersCoexistAndTheLastOneKeepsTheProcessLock() throws Exception {
        LockedFile a = shared(SHORT);
        LockedFile b = shared(SHORT);
        assertThrows(LockTimeoutException.class, () -> exclusive(SHORT));
        a.close(); // a classic lock would be dropped by this close if the fd were really closed
        assertEquals("BUSY", otherProcessTries(LockKind.EXCLUSIVE), "b still holds the read lock");
        b.close();
        assertEquals("LOCKED", otherProcessTries(LockKind.EXCLUSIVE));
    }

    @Test
    void ourLockExcludesAnotherProcess() throws Exception {
        try (LockedFile mine = exclusive(SHORT)) {
            assertEquals("BUSY", otherProcessTries(LockKind.SHARED));
        }
        assertEquals("LOCKED", otherProcessTries(LockKind.SHARED));
    }

    @Test
    void anotherProcessesLockExcludesUsUntilItIsKilled() throws Exception {
        Process holder = NativeTestSupport.startJvm(LockHolderMain.class, "hold", file.toString(), "EXCLUSIVE", "classic");
        try {
            NativeTestSupport.awaitLine(holder, 30_000, "LOCKED");
            long start = System.nanoTime();
            assertThrows(LockTimeoutException.class, () -> shared(Duration.ofMillis(300)));
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertTrue(millis >= 300 && millis < 300 + 250, millis + " ms");
        } finally {
            NativeTestSupport.kill(holder);
        }
        try (LockedFile mine = exclusive(Duration.ofSeconds(2))) {
            assertTrue(mine.isOpen());
        }
    }

    @Test
    void aWaitingThreadGetsTheLockWhenItIsReleased() throws Exception {
        LockedFile holder = exclusive(SHORT);
        CompletableFuture<Long> waiter = CompletableFuture.supplyAsync(() -> {
            long start = System.nanoTime();
            try (LockedFile mine = exclusive(Duration.ofSeconds(10))) {
                return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(300);
        holder.close();
        long waited = waiter.get(10, TimeUnit.SECONDS);
        assertTrue(waited >= 250 && waited < 800, waited + " ms");
    }

    @Test
    void aLockMayBeClosedByAnotherThread() throws Exception {
        LockedFile f = exclusive(SHORT);
        CompletableFuture.runAsync(() -> {
            try {
                f.close();
            } catch (PosixException e) {
                throw new RuntimeException(e);
            }
        }).get(5, TimeUnit.SECONDS);
        try (LockedFile again = exclusive(Duration.ZERO)) {
            assertTrue(again.isOpen());
        }
    }

    @Test
    void tryOpenAndOpenErrorsGiveTheGateBack() throws Exception {
        try (LockedFile mine = exclusive(SHORT)) {
            assertTrue(classic.tryOpen(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE).isEmpty());
        }
        PosixException e = assertThrows(PosixException.class,
                () -> classic.open(dir.resolve("missing"), OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, SHORT));
        assertEquals(Errno.ENOENT, e.errno());
    }

    @Test
    void classicAndOfdLocksConflictEvenInOneProcess() throws Exception {
        try (LockedFile ofd = FileLocks.system().open(file, OpenMode.READ_WRITE, 0, LockKind.EXCLUSIVE, SHORT)) {
            assertTrue(classic.tryOpen(file, OpenMode.READ_ONLY, 0, LockKind.SHARED).isEmpty());
        }
    }
}
