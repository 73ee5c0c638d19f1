package org.prsidecar.store;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.prsidecar.posix.FileSystemType;
import org.prsidecar.posix.MountInfo;
import org.prsidecar.posix.MountInfo.Mount;
import org.prsidecar.posix.PosixException;
import org.prsidecar.store.SidecarCheck.Finding;
import org.prsidecar.store.SidecarCheck.Severity;

/**
 * What the storage under a sidecar does to its locks. The locks are what makes the table
 * one table across hosts, and several mount options make them silently host-local: NFS
 * {@code nolock} and {@code local_lock=posix|all}, GFS2 {@code localflocks}. A local file
 * system is fine for one host (a note); a FUSE file system has unknown lock semantics.
 */
public final class StorageCheck {

    /** What a check of one directory found: problems and notes, and a one-line summary if all is well. */
    public record Result(List<Finding> findings, Optional<String> ok) {
    }

    private StorageCheck() {
    }

    /** Checks the directory a sidecar lives in, on this host. */
    public static Result check(Path dir) {
        Path real;
        try {
            real = dir.toRealPath();
        } catch (IOException e) {
            return new Result(List.of(new Finding(Severity.ERROR, dir, "the sidecar's directory does not exist or"
                    + " cannot be reached (" + e.getMessage() + "): create it on the shared storage, or mount the"
                    + " storage; the daemon cannot create sidecars there")), Optional.empty());
        }
        FileSystemType fs;
        try {
            fs = FileSystemType.of(real);
        } catch (PosixException e) {
            return new Result(List.of(new Finding(Severity.WARNING, dir, "cannot tell its file system: "
                    + e.getMessage())), Optional.empty());
        }
        return check(dir, fs, MountInfo.of(real, MountInfo.read()));
    }

    /** The rules, given what the host says: pure, for tests. */
    public static Result check(Path dir, FileSystemType fs, Optional<Mount> mount) {
        List<Finding> out = new ArrayList<>();
        String type = mount.map(Mount::fsType).orElse(fs.name()).toLowerCase(Locale.ROOT);
        String on = "on " + fs.name() + mount.map(m -> " (" + m.source() + " at " + m.mountPoint() + ")").orElse("");
        if (type.startsWith("nfs") && mount.isPresent()) {
            Mount m = mount.get();
            if (m.has("nolock")) {
                out.add(new Finding(Severity.WARNING, dir, on + " is mounted with nolock: fcntl locks stay on this"
                        + " host, so hosts do not exclude each other and concurrent updates from two hosts can lose"
                        + " one of them. Remount without nolock (NFSv3 also needs rpc.statd and lockd)"));
            }
            Optional<String> local = m.value("local_lock");
            if (local.isPresent() && (local.get().equals("posix") || local.get().equals("all"))) {
                out.add(new Finding(Severity.WARNING, dir, on + " is mounted with local_lock=" + local.get()
                        + ": fcntl locks stay on this host, so hosts do not exclude each other. Remount with"
                        + " local_lock=none (the default)"));
            }
        }
        if (type.equals("gfs2") && mount.map(m -> m.has("localflocks")).orElse(false)) {
            out.add(new Finding(Severity.WARNING, dir, on + " is mounted with localflocks: GFS2 then keeps fcntl"
                    + " locks on this host instead of the cluster's DLM, so hosts do not exclude each other."
                    + " Remount without localflocks"));
        }
        if (fs.isFuse() && !fs.isNetworkOrCluster()) {
            out.add(new Finding(Severity.WARNING, dir, on + ", a FUSE file system: whether its fcntl locks reach"
                    + " other hosts depends on its daemon, and prsidecar cannot tell. Verify it before relying on it"
                    + " for a cluster (or use NFS, GFS2, CephFS)"));
        } else if (!fs.isNetworkOrCluster()) {
            out.add(new Finding(Severity.NOTE, dir, on + ", a host-local file system: its locks, and so the"
                    + " reservations kept here, are seen only by helpers on this host. Fine for one host; a cluster"
                    + " needs the sidecar on its shared storage (NFS, GFS2, CephFS...)"));
        }
        Optional<String> ok = out.isEmpty() ? Optional.of(on + ": its locks are shared by every host that mounts"
                + " it") : Optional.empty();
        return new Result(out, ok);
    }
}
