package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Plain files through open/pread/pwrite/fsync against the real kernel. */
class PosixFileTest {
    @TempDir
    Path dir;
    Path file;
    Set<String> fdsBefore;

    private static Path tinyTmpfs;

    @BeforeEach
    void setUp() throws Exception {
        file = dir.resolve("table.json");
        PosixPlatform.requireAvailable();
        fdsBefore = NativeTestSupport.openFds();
    }

    @AfterEach
    void noLeakedFds() {
        NativeTestSupport.assertNoLeak(fdsBefore, file);
    }

    @AfterAll
    static void unmountTinyTmpfs() throws Exception {
        if (tinyTmpfs != null) {
            Process p = new ProcessBuilder("umount", tinyTmpfs.toString()).inheritIO().start();
            assertEquals(0, p.waitFor(), "umount " + tinyTmpfs);
            Files.delete(tinyTmpfs);
            tinyTmpfs = null;
        }
    }

    @Test
    void writeThenReadBackAcrossChunks() throws Exception {
        byte[] data = new byte[200_000]; // over the 64 KiB bounce buffer
        new Random(1).nextBytes(data);
        try (PosixFile f = PosixFile.open(file, OpenMode.READ_WRITE_CREATE, 0644)) {
            f.writeFully(data, 0);
            f.fsync();
            f.fdatasync();
            assertEquals(data.length, f.stat().size());
            assertArrayEquals(data, f.readAll(data.length));
            byte[] middle = new byte[100];
            assertEquals(100, f.read(middle, 0, 100, 70_000));
            for (int i = 0; i < 100; i++) {
                assertEquals(data[70_000 + i], middle[i]);
            }
            assertEquals(0, f.read(middle, 0, 100, data.length), "0 at end of file");
            f.writeFully("xy".getBytes(StandardCharsets.US_ASCII), 1, 1, 5);
            assertEquals('y', f.readAll(data.length)[5]);
        }
        assertArrayEquals(Files.readAllBytes(file), Files.readAllBytes(file));
    }

    @Test
    void truncateShortensTheFile() throws Exception {
        try (PosixFile f = PosixFile.open(file, OpenMode.READ_WRITE_CREATE, 0600)) {
            f.writeFully(new byte[1000], 0);
            f.truncate(10);
            assertEquals(10, f.stat().size());
            assertEquals(10, f.readAll(100).length);
        }
        assertEquals(10, Files.size(file));
    }

    @Test
    void readAllRefusesAFileOverItsLimit() throws Exception {
        Files.write(file, new byte[1001]);
        try (PosixFile f = PosixFile.open(file, OpenMode.READ_ONLY, 0)) {
            PosixException e = assertThrows(PosixException.class, () -> f.readAll(1000));
            assertEquals(Errno.EFBIG, e.errno());
            assertEquals("EFBIG", e.errnoName());
            assertTrue(e.getMessage().contains("1000"), "names the limit: " + e.getMessage());
            assertEquals(1001, f.readAll(1001).length);
            try (PosixFile empty = PosixFile.open(Path.of("/dev/null"), OpenMode.READ_ONLY, 0)) {
                assertEquals(0, empty.readAll(0).length);
            }
        }
    }

    @Test
    void readAllSeesContentThatStatDoesNotCount() throws Exception {
        try (PosixFile f = PosixFile.open(Path.of("/proc/self/status"), OpenMode.READ_ONLY, 0)) {
            assertEquals(0, f.stat().size());
            String status = new String(f.readAll(1 << 20), StandardCharsets.US_ASCII);
            assertTrue(status.contains("Pid:"), status);
            assertThrows(PosixException.class, () -> f.readAll(10));
        }
    }

    @Test
    void noFollowRefusesASymbolicLink() throws Exception {
        Files.writeString(file, "{}");
        Path link = Files.createSymbolicLink(dir.resolve("link.json"), file);
        PosixException e = assertThrows(PosixException.class, () -> PosixFile.open(link, OpenMode.READ_ONLY, 0));
        assertEquals(Errno.ELOOP, e.errno());
        assertEquals(link, e.path().orElseThrow());
        assertTrue(e.getMessage().startsWith("open " + link + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("(ELOOP)"), e.getMessage());
        // and through the lock API
        assertThrows(PosixException.class, () -> FileLocks.system().open(link, OpenMode.READ_WRITE, 0,
                LockKind.EXCLUSIVE, java.time.Duration.ZERO));
    }

    @Test
    void openErrorsCarryErrnoCallAndPath() throws Exception {
        Path missing = dir.resolve("missing.json");
        PosixException e = assertThrows(PosixException.class, () -> PosixFile.open(missing, OpenMode.READ_ONLY, 0));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("open", e.call());
        assertEquals("open " + missing + ": No such file or directory (ENOENT)", e.getMessage());
        e = assertThrows(PosixException.class, () -> PosixFile.open(dir, OpenMode.READ_WRITE, 0));
        assertEquals(Errno.EISDIR, e.errno());
    }

    @Test
    void createUsesTheCreateMode() throws Exception {
        try (PosixFile f = PosixFile.open(file, OpenMode.READ_WRITE_CREATE, 0600)) {
            assertTrue(f.stat().isRegularFile());
            assertEquals(0, f.stat().permissions() & 0077, "no group/other bits from 0600");
            assertEquals(Fd.O_RDWR, f.accessMode());
        }
        try (PosixFile f = PosixFile.open(file, OpenMode.READ_ONLY, 0)) {
            assertEquals(Fd.O_RDONLY, f.accessMode());
            PosixException e = assertThrows(PosixException.class, () -> f.writeFully(new byte[1], 0));
            assertEquals(Errno.EBADF, e.errno());
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailCleanly() throws Exception {
        PosixFile f = PosixFile.open(file, OpenMode.READ_WRITE_CREATE, 0600);
        int fd = f.fd();
        f.close();
        f.close();
        assertFalse(f.isOpen());
        assertThrows(IllegalStateException.class, f::fd);
        PosixException e = assertThrows(PosixException.class, () -> f.read(new byte[1], 0, 1, 0));
        assertEquals(Errno.EBADF, e.errno());
        assertFalse(Fd.isOpen(fd) && Fd.readLink(fd).equals(file.toRealPath()));
    }

    @Test
    void adoptTakesOwnershipOfARawFd() throws Exception {
        Files.writeString(file, "adopted");
        PosixFile opened = PosixFile.open(file, OpenMode.READ_ONLY, 0);
        int raw = opened.detach();
        try (PosixFile adopted = PosixFile.adopt(raw)) {
            assertEquals(raw, adopted.fd());
            assertTrue(adopted.path().isEmpty());
            assertEquals("adopted", new String(adopted.readAll(100), StandardCharsets.US_ASCII));
        }
        assertFalse(Fd.isOpen(raw) && Fd.readLink(raw).equals(file.toRealPath()), "closed with the PosixFile");
        PosixException e = assertThrows(PosixException.class, () -> PosixFile.adopt(raw));
        assertEquals(Errno.EBADF, e.errno());
    }

    @Test
    void fullFileSystemIsEnospc() throws Exception {
        NativeTestSupport.requireRoot("the ENOSPC test");
        Path mountPoint = Files.createTempDirectory("prsidecar-enospc");
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mountPoint.toString())
                .inheritIO().start();
        if (mount.waitFor() != 0) {
            Files.delete(mountPoint);
            org.junit.jupiter.api.Assertions.fail("mount -t tmpfs -o size=64k failed (needs root and mount privileges)");
        }
        tinyTmpfs = mountPoint; // unmounted in @AfterAll
        assertEquals("tmpfs", FileSystemType.of(mountPoint).name());
        Path full = mountPoint.resolve("big");
        try (PosixFile f = PosixFile.open(full, OpenMode.READ_WRITE_CREATE, 0600)) {
            PosixException e = assertThrows(PosixException.class, () -> f.writeFully(new byte[1 << 20], 0));
            assertEquals(Errno.ENOSPC, e.errno());
            assertEquals("pwrite", e.call());
            assertTrue(e.getMessage().contains("No space left on device (ENOSPC)"), e.getMessage());
        }
    }
}
