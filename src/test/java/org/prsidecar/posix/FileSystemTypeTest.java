package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** statfs magic numbers and names. */
class FileSystemTypeTest {
    @TempDir
    Path dir;

    @Test
    void kernelFileSystemsAreNamed() throws Exception {
        assertEquals("proc", FileSystemType.of(Path.of("/proc/self")).name());
        assertEquals("sysfs", FileSystemType.of(Path.of("/sys")).name());
        FileSystemType shm = FileSystemType.of(Path.of("/dev/shm"));
        if (Files.isDirectory(Path.of("/dev/shm"))) {
            assertEquals(FileSystemType.TMPFS, shm.magic());
            assertEquals("tmpfs", shm.name());
            assertFalse(shm.isNetworkOrCluster());
        }
    }

    @Test
    void theTempDirectoryMatchesMountinfo() throws Exception {
        FileSystemType t = FileSystemType.of(dir);
        String fromMounts = MountInfo.fsTypeOf(FileStat.major(FileStat.of(dir, true).device()),
                FileStat.minor(FileStat.of(dir, true).device()));
        String expected = fromMounts.startsWith("ext") ? "ext4" : fromMounts;
        assertEquals(expected, t.name(), t + " vs mountinfo " + fromMounts);
        try (PosixFile f = PosixFile.open(Files.writeString(dir.resolve("f"), "x"), OpenMode.READ_ONLY, 0)) {
            assertEquals(t, FileSystemType.of(f.fd()));
        }
    }

    @Test
    void networkAndClusterFileSystems() {
        for (long magic : new long[] {FileSystemType.NFS, FileSystemType.GFS2, FileSystemType.OCFS2,
                FileSystemType.CEPH, FileSystemType.CIFS, FileSystemType.SMB2}) {
            assertTrue(FileSystemType.ofMagic(magic).isNetworkOrCluster(), FileSystemType.ofMagic(magic).toString());
        }
        for (long magic : new long[] {FileSystemType.EXT4, FileSystemType.XFS, FileSystemType.BTRFS,
                FileSystemType.TMPFS, FileSystemType.OVERLAYFS, FileSystemType.ZFS, FileSystemType.FUSE}) {
            assertFalse(FileSystemType.ofMagic(magic).isNetworkOrCluster(), FileSystemType.ofMagic(magic).toString());
        }
        assertEquals("nfs", FileSystemType.ofMagic(0x6969).name());
        assertEquals("ext4", FileSystemType.ofMagic(0xEF53).name());
        assertEquals("fuse", FileSystemType.ofMagic(FileSystemType.FUSE).name());
        assertTrue(FileSystemType.ofMagic(FileSystemType.FUSE).isFuse());
        assertTrue(new FileSystemType(FileSystemType.FUSE, "fuse.glusterfs").isNetworkOrCluster());
        assertFalse(new FileSystemType(FileSystemType.FUSE, "fuse.sshfs").isNetworkOrCluster());
        assertEquals("unknown(0x12345)", FileSystemType.ofMagic(0x12345).name());
    }

    @Test
    void missingPathIsEnoent() {
        PosixException e = assertThrows(PosixException.class, () -> FileSystemType.of(dir.resolve("missing")));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("statfs", e.call());
    }
}
