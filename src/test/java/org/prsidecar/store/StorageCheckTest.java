package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.prsidecar.posix.FileSystemType;
import org.prsidecar.posix.MountInfo;
import org.prsidecar.store.SidecarCheck.Finding;
import org.prsidecar.store.SidecarCheck.Severity;

/** The storage rules of check: mount options that make locks host-local, FUSE, local file systems. */
class StorageCheckTest {

    private static final String MOUNTINFO = String.join("\n",
            "27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard",
            "40 27 0:50 / /mnt/nfs3 rw,relatime shared:7 - nfs filer:/vol rw,vers=3,nolock,proto=tcp,local_lock=all",
            "41 27 0:51 / /mnt/nfs4 rw,relatime - nfs4 filer:/vol rw,vers=4.2,local_lock=none,addr=10.0.0.1",
            "42 27 0:52 / /mnt/nfsposix rw - nfs4 filer:/vol rw,vers=4.1,local_lock=posix",
            "43 27 253:3 / /mnt/gfs rw - gfs2 /dev/mapper/vg-gfs rw,localflocks",
            "44 27 0:53 / /mnt/my\\040share rw - fuse.sshfs host:/x rw,user_id=0",
            "45 27 0:54 / /mnt/nfs4/nested rw - nfs4 other:/y rw,vers=4.2,local_lock=none",
            "");

    private static final Path DIR = Path.of("/some/dir");

    static StorageCheck.Result check(String path, FileSystemType fs) {
        List<MountInfo.Mount> mounts = MountInfo.parse(MOUNTINFO);
        return StorageCheck.check(DIR, fs, MountInfo.of(Path.of(path), mounts));
    }

    static boolean warns(StorageCheck.Result r, String text) {
        return r.findings().stream().anyMatch(f -> f.severity() == Severity.WARNING && f.message().contains(text));
    }

    @Test
    void mountinfoIsParsedWithOptionalFieldsAndEscapes() {
        List<MountInfo.Mount> m = MountInfo.parse(MOUNTINFO);
        assertEquals(7, m.size());
        assertEquals("/mnt/nfs3", m.get(1).mountPoint());
        assertEquals("nfs", m.get(1).fsType());
        assertEquals("filer:/vol", m.get(1).source());
        assertEquals(Optional.of("all"), m.get(1).value("local_lock"));
        assertEquals("/mnt/my share", m.get(5).mountPoint());
        assertEquals("/mnt/nfs4/nested", MountInfo.of(Path.of("/mnt/nfs4/nested/a"), m).orElseThrow()
                .mountPoint());
        assertEquals("/mnt/nfs4", MountInfo.of(Path.of("/mnt/nfs4/nest"), m).orElseThrow().mountPoint());
        assertEquals("/", MountInfo.of(Path.of("/mnt/nfs"), m).orElseThrow().mountPoint());
    }

    @Test
    void nfsWithNolockOrLocalLocksWarns() {
        StorageCheck.Result v3 = check("/mnt/nfs3/sidecars", FileSystemType.ofMagic(FileSystemType.NFS));
        assertTrue(warns(v3, "mounted with nolock"), v3.toString());
        assertTrue(warns(v3, "local_lock=all"), v3.toString());
        assertTrue(v3.ok().isEmpty());
        StorageCheck.Result posix = check("/mnt/nfsposix", FileSystemType.ofMagic(FileSystemType.NFS));
        assertTrue(warns(posix, "local_lock=posix"), posix.toString());
    }

    @Test
    void nfsWithLocalLockNoneIsFine() {
        StorageCheck.Result r = check("/mnt/nfs4/sidecars", FileSystemType.ofMagic(FileSystemType.NFS));
        assertEquals(List.of(), r.findings());
        assertTrue(r.ok().orElseThrow().contains("shared by every host"), r.toString());
    }

    @Test
    void gfs2WithLocalflocksWarns() {
        StorageCheck.Result r = check("/mnt/gfs/x", FileSystemType.ofMagic(FileSystemType.GFS2));
        assertTrue(warns(r, "localflocks"), r.toString());
    }

    @Test
    void fuseHasUnknownLockSemantics() {
        StorageCheck.Result r = check("/mnt/my share/x", new FileSystemType(FileSystemType.FUSE, "fuse.sshfs"));
        assertTrue(warns(r, "a FUSE file system"), r.toString());
        StorageCheck.Result gluster = StorageCheck.check(DIR, new FileSystemType(FileSystemType.FUSE, "fuse.glusterfs"),
                Optional.empty());
        assertEquals(List.of(), gluster.findings(), "GlusterFS's FUSE client locks cluster-wide");
    }

    @Test
    void aLocalFileSystemIsANoteNotAProblem() {
        StorageCheck.Result r = check("/var/lib/prsidecar", FileSystemType.ofMagic(FileSystemType.EXT4));
        assertEquals(1, r.findings().size());
        Finding f = r.findings().get(0);
        assertEquals(Severity.NOTE, f.severity());
        assertTrue(f.message().contains("host-local file system"), f.message());
    }

    @Test
    void aMissingDirectoryIsAnError() {
        StorageCheck.Result r = StorageCheck.check(Path.of("/nonexistent/prsidecar/sidecars"));
        assertEquals(Severity.ERROR, r.findings().get(0).severity());
        assertTrue(r.findings().get(0).message().contains("does not exist"));
    }
}
