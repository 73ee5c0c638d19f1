package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Architecture selection, the per-arch constants, and JNA loading. */
class PosixPlatformTest {
    @TempDir
    Path dir;

    @Test
    void architectureIsChosenByOsArch() {
        assertEquals(Arch.X86_64, Arch.detect("Linux", "amd64"));
        assertEquals(Arch.X86_64, Arch.detect("Linux", "x86_64"));
        assertEquals(Arch.AARCH64, Arch.detect("Linux", "aarch64"));
        assertNull(Arch.detect("Linux", "riscv64"));
        assertNull(Arch.detect("Linux", "ppc64le"));
        assertNull(Arch.detect("Mac OS X", "aarch64"));
        assertTrue(PosixPlatform.isAvailable());
        assertTrue(PosixPlatform.describe().startsWith("Linux x86_64, JNA " + Native.VERSION), PosixPlatform.describe());
    }

    @Test
    void openFlagsPerArchitectureAsTheUapiHeadersDefineThem() {
        // include/uapi/asm-generic/fcntl.h (x86_64 uses the defaults)
        assertEquals(0200000, Arch.X86_64.oDirectory);
        assertEquals(0400000, Arch.X86_64.oNofollow);
        // arch/arm64/include/uapi/asm/fcntl.h
        assertEquals(040000, Arch.AARCH64.oDirectory);
        assertEquals(0100000, Arch.AARCH64.oNofollow);
        assertEquals(02000000, Arch.O_CLOEXEC);
    }

    @Test
    void statLayoutsPerArchitecture() {
        // arch/x86/include/uapi/asm/stat.h, non-i386 struct stat
        Arch x = Arch.X86_64;
        assertEquals(144, x.statSize);
        assertEquals(List.of(0, 8, 16, 24, 28, 32, 40, 48, 88, 96, 104, 112),
                List.of(x.stDev, x.stIno, x.stNlink, x.stMode, x.stUid, x.stGid, x.stRdev, x.stSize,
                        x.stMtime, x.stMtimeNsec, x.stCtime, x.stCtimeNsec));
        assertTrue(x.stNlinkIsLong);
        assertEquals(5, x.sysFstat);
        assertEquals(262, x.sysNewfstatat);
        // include/uapi/asm-generic/stat.h: dev, ino, mode, nlink(u32), uid, gid, rdev, pad, size
        Arch a = Arch.AARCH64;
        assertEquals(128, a.statSize);
        assertEquals(List.of(0, 8, 20, 16, 24, 28, 32, 48, 88, 96, 104, 112),
                List.of(a.stDev, a.stIno, a.stNlink, a.stMode, a.stUid, a.stGid, a.stRdev, a.stSize,
                        a.stMtime, a.stMtimeNsec, a.stCtime, a.stCtimeNsec));
        assertFalse(a.stNlinkIsLong);
        // include/uapi/asm-generic/unistd.h with __ARCH_WANT_NEW_STAT
        assertEquals(80, a.sysFstat);
        assertEquals(79, a.sysNewfstatat);
    }

    @Test
    void mountinfoEscapesAreUndone() {
        assertEquals("/mnt/a b", MountInfo.unescape("/mnt/a\\040b"));
        assertEquals("/mnt/tab\there", MountInfo.unescape("/mnt/tab\\011here"));
        assertEquals("/plain", MountInfo.unescape("/plain"));
        assertEquals("/odd\\", MountInfo.unescape("/odd\\"));
    }

    @Test
    void aNoexecJnaDirectoryIsReportedWithTheFixAndBootLibraryPathAvoidsIt() throws Exception {
        NativeTestSupport.requireRoot("the noexec JNA test (it mounts a tmpfs)");
        Path noexec = Files.createDirectory(dir.resolve("noexec"));
        assertEquals(0, new ProcessBuilder("mount", "-t", "tmpfs", "-o", "noexec,size=8m", "tmpfs", noexec.toString())
                .inheritIO().start().waitFor());
        try {
            assertTrue(MountInfo.isNoexec(noexec));
            assertFalse(MountInfo.isNoexec(dir));
            String failed = probe("-Djna.tmpdir=" + noexec);
            assertTrue(failed.startsWith("FAIL JNA could not load its native library"), failed);
            assertTrue(failed.contains(noexec + "], which is on a file system mounted noexec"), failed);
            assertTrue(failed.contains("-Djna.tmpdir=") && failed.contains("-Djna.boot.library.path="), failed);

            // the fix: a directory holding libjnidispatch.so, no unpacking at all
            Path boot = Files.createDirectory(dir.resolve("jna-boot"));
            try (InputStream lib = Native.class.getResourceAsStream("/com/sun/jna/linux-x86-64/libjnidispatch.so")) {
                Files.copy(lib, boot.resolve("libjnidispatch.so"));
            }
            String ok = probe("-Djna.tmpdir=" + noexec, "-Djna.boot.library.path=" + boot);
            assertTrue(ok.startsWith("OK Linux x86_64"), ok);
        } finally {
            assertEquals(0, new ProcessBuilder("umount", noexec.toString()).inheritIO().start().waitFor());
        }
    }

    private static String probe(String... jvmOptions) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.addAll(List.of(jvmOptions));
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(PlatformProbeMain.class.getName());
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        return out;
    }
}
