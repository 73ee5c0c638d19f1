package org.prsidecar.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** /proc/self/mountinfo, read without native code (usable when JNA does not load). */
public final class MountInfo {

    /**
     * One mount: where, what file system type ({@code nfs4}, {@code fuse.glusterfs}...),
     * from which source, its per-mount and its super-block options ({@code local_lock=none}).
     */
    public record Mount(String device, String mountPoint, String fsType, String source, List<String> mountOptions,
            List<String> superOptions) {

        public boolean has(String option) {
            return mountOptions.contains(option) || superOptions.contains(option);
        }

        /** The value of {@code key=value} in the super or per-mount options. */
        public Optional<String> value(String key) {
            String prefix = key + "=";
            return superOptions.stream().filter(o -> o.startsWith(prefix)).findFirst()
                    .or(() -> mountOptions.stream().filter(o -> o.startsWith(prefix)).findFirst())
                    .map(o -> o.substring(prefix.length()));
        }
    }

    private MountInfo() {
    }

    /** This process's mounts; empty if /proc cannot be read. */
    public static List<Mount> read() {
        try {
            return parse(Files.readString(Path.of("/proc/self/mountinfo")));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** Parses mountinfo text: optional fields end with a lone "-", then type, source, super options. */
    public static List<Mount> parse(String mountinfo) {
        List<Mount> out = new ArrayList<>();
        for (String line : mountinfo.split("\n")) {
            String[] f = line.split(" ");
            int dash = Arrays.asList(f).indexOf("-");
            if (f.length < 7 || dash < 6) {
                continue;
            }
            String fsType = dash + 1 < f.length ? unescape(f[dash + 1]) : "";
            String source = dash + 2 < f.length ? unescape(f[dash + 2]) : "";
            String superOptions = dash + 3 < f.length ? f[dash + 3] : "";
            out.add(new Mount(f[2], unescape(f[4]), fsType, source, List.of(f[5].split(",")),
                    List.of(superOptions.split(","))));
        }
        return out;
    }

    /** The mount a real, absolute path is on: the longest mount point above it, the last of equals. */
    public static Optional<Mount> of(Path realPath, List<Mount> mounts) {
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

    /** Whether the mount holding {@code dir} (or its nearest existing parent) is noexec. */
    static boolean isNoexec(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return false;
        }
        try {
            return of(p.toRealPath(), read()).map(m -> m.mountOptions().contains("noexec")).orElse(false);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The file system type mountinfo gives for a device ({@code "fuse.glusterfs"},
     * {@code "virtiofs"}, {@code "nfs4"}), or null if no mount has that device.
     */
    static String fsTypeOf(int major, int minor) {
        String device = major + ":" + minor;
        return read().stream().filter(m -> m.device().equals(device)).map(Mount::fsType).findFirst().orElse(null);
    }

    /** Undoes the octal escapes of mountinfo ({@code \040} for a space, ...). */
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
