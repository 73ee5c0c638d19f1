package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SG_IO where there is no SCSI device (none exists on this machine): it must fail cleanly
 * with ENOTTY or EINVAL, and {@link SgIo#supported} must say no.
 */
class SgIoTest {
    /** PERSISTENT RESERVE IN, READ KEYS, allocation length 8192. */
    private static final byte[] PR_IN_READ_KEYS = {0x5e, 0, 0, 0, 0, 0, 0, 0x20, 0, 0};

    @TempDir
    Path dir;

    private static void assertNotScsi(int fd) {
        assertFalse(SgIo.supported(fd));
        PosixException e = assertThrows(PosixException.class,
                () -> SgIo.execute(fd, PR_IN_READ_KEYS, null, 8192, Duration.ofSeconds(5)));
        assertTrue(e.errno() == Errno.ENOTTY || e.errno() == Errno.EINVAL, e.getMessage());
        assertEquals("ioctl(SG_IO)", e.call());
    }

    @Test
    void aRegularFileIsNotAScsiDevice() throws Exception {
        Set<String> before = NativeTestSupport.openFds();
        Path img = Files.write(dir.resolve("disk.img"), new byte[4096]);
        try (PosixFile f = PosixFile.open(img, OpenMode.READ_WRITE, 0)) {
            assertNotScsi(f.fd());
        }
        try (PosixFile devNull = PosixFile.open(Path.of("/dev/null"), OpenMode.READ_ONLY, 0)) {
            assertNotScsi(devNull.fd());
        }
        NativeTestSupport.assertNoLeak(before, img);
    }

    @Test
    void aLoopDeviceIsNotAScsiDevice() throws Exception {
        NativeTestSupport.requireRoot("the loop device test");
        Path img = Files.write(dir.resolve("disk.img"), new byte[1 << 20]);
        String loop = run("losetup", "--find", "--show", img.toString()).trim();
        try {
            assertTrue(loop.startsWith("/dev/loop"), loop);
            assertTrue(FileStat.of(Path.of(loop), true).isBlockDevice());
            try (PosixFile dev = PosixFile.open(Path.of(loop), OpenMode.READ_ONLY, 0)) {
                assertNotScsi(dev.fd());
            }
        } finally {
            run("losetup", "--detach", loop);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + text);
        return text;
    }

    @Test
    void argumentsAreChecked() {
        assertThrows(IllegalArgumentException.class,
                () -> SgIo.execute(0, PR_IN_READ_KEYS, new byte[24], 8, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> SgIo.execute(0, new byte[17], null, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> SgIo.execute(0, new byte[0], null, 0, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class,
                () -> SgIo.execute(0, PR_IN_READ_KEYS, null, -1, Duration.ofSeconds(1)));
    }

    @Test
    void sgIoResultGoodness() {
        assertTrue(new SgIoResult(0, 0, 0, new byte[0], new byte[0], 0).isGood());
        assertFalse(new SgIoResult(2, 0, 0x08, new byte[18], new byte[0], 0).isGood());
        assertFalse(new SgIoResult(0, 7, 0, new byte[0], new byte[0], 0).isGood());
    }
}
