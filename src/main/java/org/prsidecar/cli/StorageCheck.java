package org.prsidecar.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.prsidecar.posix.FileSystemType;
import org.prsidecar.posix.PosixException;
import org.prsidecar.store.SidecarCheck.Finding;
import org.prsidecar.store.SidecarCheck.Severity;

/**
 * What the storage under a sidecar does to its locks. The locks are what makes the table
 * one table across hosts, and several mount options make them silently host-local: NFS
 * {@code nolock} and {@code local_lock=posix|all}, GFS2 {@code localflocks}. A local file
 * system is fine for one host (a note); a FUSE file system has unknown lock semantics.
 */
final class StorageCheck {

    /** One line of /proc/self/mountinfo. */
    record Mount(String mountPoint, String fsType, String source, List<String> mountOptions,
            List<String> superOptions) {

        boolean has(String option) {
            return mountOptions.contains(option) || superOptions.contains(option);
        }

        Optional<String> value(String key) {
            String prefix = key + "=";
            return superOptions.stream().filter(o -> o.startsWith(prefix)).findFirst()
                    .or(() -> mountOptions.stream().filter(o -> o.startsWith(prefix)).findFirst())
                    .map(o -> o.substring(prefix.length()));
        }
    }

    /** What a check of one directory found: problems and notes, and a one-line summary if all is well. */
    record Result(List<Finding> findings, Optional<String> ok) {
    }

    private StorageCheck() {
    }

    static List<Mount> parse(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (f.length < 7 || dash < 6) {
                continue;
            }
            String fsType = dash + 1 < f.length ? f[dash + 1] : "";
            String source = dash + 2 < f.length ? unescape(f[dash + 2]) : "";
            String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
            out.add(new Mount(unescape(f[4]), fsType, source, List.of(f[5].split(",")),
                    List.of(superOptions.split(","))));
        }
        return out;
    }

    /** The mount a (real, absolute) path is on: the longest mount point above it, the last of equals. */
    static Optional<Mount> mountOf(Path realPath, List<Mount> mounts) {
        Mount best = null;
        int bestLength = -1;
        for (Mount m : mounts) {
            Path mp = Path.of(m.mountPoint());
            if (realPath.startsWith(mp) && mp.getNameCount() >= bestLength) {
                best = m;
                bestLength = mp.getNameCount();
            }
        }
        return Optional.ofNullable(best);
    }

    /** Checks the directory a sidecar lives in, on this host. */
    static Result check(Path dir) {
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
        List<Mount> mounts;
        try {
            mounts = parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException e) {
            mounts = List.of();
        }
        return check(dir, fs, mountOf(real, mounts));
    }

    /** The rules, given what the host says: pure, for tests. */
    static Result check(Path dir, FileSystemType fs, Optional<Mount> mount) {
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

    /** Undoes mountinfo's octal escapes ({@code \040} for a space). */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) {
            return s;
        }
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && isOctal(s, i + 1)) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean isOctal(String s, int from) {
        if (from + 3 > s.length()) {
            return false;
        }
        for (int i = from; i < from + 3; i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '7') {
                return false;
            }
        }
        return true;
    }
}
