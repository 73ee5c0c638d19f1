package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The type of file system a path lives on, from statfs(2)'s {@code f_type} magic number.
 * For FUSE (and for magics this class does not know) the name comes from
 * /proc/self/mountinfo, e.g. {@code "fuse.glusterfs"}, {@code "fuse.sshfs"},
 * {@code "virtiofs"}; a FUSE mount not found there is named {@code "fuse"}.
 *
 * <p>The sidecar's locks are only as good as the file system's: they are cluster-wide on
 * {@link #isNetworkOrCluster() network and cluster file systems}, host-local on local ones.
 */
public record FileSystemType(long magic, String name) {
    public static final long NFS = 0x6969L;
    public static final long GFS2 = 0x01161970L;
    public static final long OCFS2 = 0x7461636fL;
    public static final long CEPH = 0x00c36400L;
    public static final long CIFS = 0xFF534D42L;
    public static final long SMB2 = 0xFE534D42L;
    public static final long FUSE = 0x65735546L;
    public static final long TMPFS = 0x01021994L;
    /** ext2, ext3 and ext4 share it. */
    public static final long EXT4 = 0xEF53L;
    public static final long XFS = 0x58465342L;
    public static final long BTRFS = 0x9123683EL;
    public static final long OVERLAYFS = 0x794c7630L;
    public static final long ZFS = 0x2fc12fc1L;
    public static final long LUSTRE = 0x0BD00BD0L;
    public static final long GPFS = 0x47504653L;
    public static final long BEEGFS = 0x19830326L;

    private static final Map<Long, String> NAMES = Map.ofEntries(
            Map.entry(NFS, "nfs"),
            Map.entry(GFS2, "gfs2"),
            Map.entry(OCFS2, "ocfs2"),
            Map.entry(CEPH, "ceph"),
            Map.entry(CIFS, "cifs"),
            Map.entry(SMB2, "smb2"),
            Map.entry(FUSE, "fuse"),
            Map.entry(TMPFS, "tmpfs"),
            Map.entry(EXT4, "ext4"),
            Map.entry(XFS, "xfs"),
            Map.entry(BTRFS, "btrfs"),
            Map.entry(OVERLAYFS, "overlayfs"),
            Map.entry(ZFS, "zfs"),
            Map.entry(LUSTRE, "lustre"),
            Map.entry(GPFS, "gpfs"),
            Map.entry(BEEGFS, "beegfs"),
            Map.entry(0x5346414FL, "afs"),
            Map.entry(0x6B414653L, "afs"),
            Map.entry(0x517BL, "smbfs"),
            Map.entry(0x01021997L, "9p"),
            Map.entry(0x858458f6L, "ramfs"),
            Map.entry(0x958458f6L, "hugetlbfs"),
            Map.entry(0x73717368L, "squashfs"),
            Map.entry(0xE0F5E1E2L, "erofs"),
            Map.entry(0xF2F52010L, "f2fs"),
            Map.entry(0x4d44L, "vfat"),
            Map.entry(0x2011BAB0L, "exfat"),
            Map.entry(0xf15fL, "ecryptfs"),
            Map.entry(0x9fa0L, "proc"),
            Map.entry(0x62656572L, "sysfs"),
            Map.entry(0x1cd1L, "devpts"),
            Map.entry(0x63677270L, "cgroup2"),
            Map.entry(0x27e0ebL, "cgroup"));

    /**
     * File systems whose fcntl locks are seen by every client host: NFS (NLM or NFSv4
     * leases), GFS2 and OCFS2 (DLM), CephFS (the MDS; also ceph-fuse), SMB/CIFS (server
     * byte-range locks), GlusterFS through FUSE, Lustre, GPFS and BeeGFS.
     */
    private static final Set<String> NETWORK_OR_CLUSTER = Set.of(
            "nfs", "gfs2", "ocfs2", "ceph", "cifs", "smb2", "smb3", "fuse.glusterfs",
            "fuse.ceph-fuse", "fuse.ceph", "lustre", "gpfs", "beegfs");

    /** statfs(2) of {@code path} (follows symbolic links). */
    public static FileSystemType of(Path path) throws PosixException {
        PosixPlatform.arch();
        byte[] p = CString.of(path);
        Memory buf = Scratch.get().stat;
        int r;
        int errno;
        do {
            r = LibC.statfs(p, buf);
            errno = r < 0 ? LibC.errno() : 0;
        } while (r < 0 && errno == Errno.EINTR);
        if (r < 0) {
            throw new PosixException(errno, "statfs", path);
        }
        long magic = buf.getLong(0) & 0xffffffffL;
        if (NAMES.containsKey(magic) && magic != FUSE) {
            return ofMagic(magic);
        }
        return named(magic, FileStat.of(path, true).device());
    }

    /** fstatfs(2) of an open fd. */
    public static FileSystemType of(int fd) throws PosixException {
        PosixPlatform.arch();
        Memory buf = Scratch.get().stat;
        int r;
        int errno;
        do {
            r = LibC.fstatfs(fd, buf);
            errno = r < 0 ? LibC.errno() : 0;
        } while (r < 0 && errno == Errno.EINTR);
        if (r < 0) {
            throw new PosixException(errno, "fstatfs", null, "fd " + fd);
        }
        long magic = buf.getLong(0) & 0xffffffffL;
        if (NAMES.containsKey(magic) && magic != FUSE) {
            return ofMagic(magic);
        }
        return named(magic, FileStat.of(fd).device());
    }

    /** The type for a magic number, named from this class's table only. */
    public static FileSystemType ofMagic(long magic) {
        String name = NAMES.get(magic);
        return new FileSystemType(magic, name != null ? name : unknownName(magic));
    }

    private static FileSystemType named(long magic, long device) {
        String fromMounts = MountInfo.fsTypeOf(FileStat.major(device), FileStat.minor(device));
        if (fromMounts != null) {
            return new FileSystemType(magic, fromMounts.toLowerCase(Locale.ROOT));
        }
        return ofMagic(magic);
    }

    private static String unknownName(long magic) {
        return "unknown(0x" + Long.toHexString(magic) + ")";
    }

    /** Whether this is a FUSE file system (whatever its subtype). */
    public boolean isFuse() {
        return magic == FUSE;
    }

    /**
     * Whether fcntl locks on this file system are seen by other hosts: nfs, gfs2, ocfs2,
     * ceph, cifs/smb2, glusterfs (through FUSE: {@code fuse.glusterfs}), ceph-fuse,
     * lustre, gpfs, beegfs. False for local file systems, and false for any other FUSE
     * file system: {@code "fuse"} (or an unrecognised {@code fuse.*} subtype) has unknown
     * lock semantics, since a FUSE daemon may implement locks cluster-wide, host-locally,
     * or not at all; do not rely on it for a shared sidecar without checking that daemon.
     */
    public boolean isNetworkOrCluster() {
        return NETWORK_OR_CLUSTER.contains(name);
    }

    @Override
    public String toString() {
        return name + " (0x" + Long.toHexString(magic) + ")";
    }
}
