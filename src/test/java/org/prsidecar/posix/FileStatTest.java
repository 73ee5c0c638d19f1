package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** stat/lstat/fstat through the raw syscalls, checked against the JDK's own view. */
@SuppressWarnings("try") // try-with-resources that only hold a lock or a socket open
class FileStatTest {
    @TempDir
    Path dir;

    @Test
    void regularFileMatchesTheJdksUnixAttributes() throws Exception {
        Path f = Files.writeString(dir.resolve("f"), "hello");
        Files.createLink(dir.resolve("hard"), f);
        FileStat st = FileStat.of(f, true);
        Map<String, Object> jdk = Files.readAttributes(f, "unix:*", LinkOption.NOFOLLOW_LINKS);
        assertEquals(((Number) jdk.get("ino")).longValue(), st.inode());
        assertEquals(((Number) jdk.get("dev")).longValue(), st.device());
        assertEquals(((Number) jdk.get("mode")).intValue(), st.mode());
        assertEquals(((Number) jdk.get("nlink")).longValue(), st.links());
        assertEquals(2, st.links());
        assertEquals(((Number) jdk.get("uid")).intValue(), st.uid());
        assertEquals(((Number) jdk.get("gid")).intValue(), st.gid());
        assertEquals(5, st.size());
        assertEquals(((FileTime) jdk.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS), st.mtimeNanos());
        assertEquals(((FileTime) jdk.get("ctime")).to(TimeUnit.NANOSECONDS), st.ctimeNanos());
        assertTrue(st.isRegularFile());
        assertFalse(st.isDirectory() || st.isSymlink() || st.isSocket() || st.isBlockDevice()
                || st.isCharacterDevice() || st.isFifo());
        try (PosixFile pf = PosixFile.open(f, OpenMode.READ_ONLY, 0)) {
            assertEquals(st, pf.stat());
            assertEquals(st, FileStat.of(pf.fd()));
        }
    }

    @Test
    void lstatSeesTheLinkAndStatFollowsIt() throws Exception {
        Path target = Files.createDirectory(dir.resolve("d"));
        Path link = Files.createSymbolicLink(dir.resolve("l"), target);
        assertTrue(FileStat.of(link, false).isSymlink());
        assertTrue(FileStat.of(link, true).isDirectory());
        assertTrue(FileStat.of(link, true).sameFileAs(FileStat.of(target, false)));
        assertEquals("symbolic link", FileStat.of(link, false).kindName());
    }

    @Test
    void devicesSocketsAndFifos() throws Exception {
        FileStat devNull = FileStat.of(Path.of("/dev/null"), true);
        assertTrue(devNull.isCharacterDevice());
        assertEquals(1, FileStat.major(devNull.rdevice()));
        assertEquals(3, FileStat.minor(devNull.rdevice()));
        Path loop = Path.of("/dev/loop0");
        if (Files.exists(loop)) {
            FileStat st = FileStat.of(loop, true);
            assertTrue(st.isBlockDevice());
            assertEquals(7, FileStat.major(st.rdevice()));
        }
        Path sock = dir.resolve("s");
        try (UnixServerSocket s = UnixServerSocket.bind(sock, 0600, 1)) {
            assertTrue(FileStat.of(sock, false).isSocket());
            assertEquals(0600, FileStat.of(sock, false).permissions());
        }
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
        assertEquals(0, mkfifo.waitFor());
        assertTrue(FileStat.of(fifo, false).isFifo());
    }

    @Test
    void deviceNumbersUseGlibcsEncoding() {
        assertEquals(0x801L, FileStat.makeDevice(8, 1));
        assertEquals(0x10010300L, FileStat.makeDevice(259, 65536)); // python3 os.makedev(259, 65536)
        assertEquals(0x100012300545L, FileStat.makeDevice(4101, 0x12345));
        int[] majors = {0, 1, 7, 8, 253, 259, 4095, 4096, 0xfffff};
        int[] minors = {0, 1, 255, 256, 65535, 1 << 19, 0xfffff};
        for (int ma : majors) {
            for (int mi : minors) {
                long dev = FileStat.makeDevice(ma, mi);
                assertEquals(ma, FileStat.major(dev), "major of " + ma + ":" + mi);
                assertEquals(mi, FileStat.minor(dev), "minor of " + ma + ":" + mi);
            }
        }
    }

    @Test
    void missingPathIsEnoentNamingTheCall() {
        Path missing = dir.resolve("missing");
        PosixException e = assertThrows(PosixException.class, () -> FileStat.of(missing, false));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("lstat " + missing + ": No such file or directory (ENOENT)", e.getMessage());
        PosixException bad = assertThrows(PosixException.class, () -> FileStat.of(-1));
        assertEquals(Errno.EBADF, bad.errno());
    }
}
