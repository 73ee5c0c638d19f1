package org.prsidecar.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads /proc/self/mountinfo without native code (usable when JNA does not load). */
final class MountInfo {
    private MountInfo() {
    }

    /** Whether the mount holding {@code dir} (or its nearest existing parent) is noexec. */
    static boolean isNoexec(Path dir) {
        String options = optionsOf(dir);
        if (options == null) {
            return false;
        }
        for (String o : options.split(",")) {
            if (o.equals("noexec")) {
                return true;
            }
        }
        return false;
    }

    /** The per-mount options of the mount holding {@code dir}, or null if unknown. */
    static String optionsOf(Path dir) {
        Path p = dir.toAbsolutePath().normalize();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return null;
        }
        try {
            p = p.toRealPath();
            String best = null;
            int bestLength = -1;
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length < 6) {
                    continue;
                }
                Path mountPoint = Path.of(unescape(f[4]));
                int length = mountPoint.getNameCount();
                // the last (most recent) of equally long mount points is the visible one
                if (p.startsWith(mountPoint) && length >= bestLength) {
                    best = f[5];
                    bestLength = length;
                }
            }
            return best;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /**
     * The file system type mountinfo gives for a device ({@code "fuse.glusterfs"},
     * {@code "virtiofs"}, {@code "nfs4"}), or null if no mount has that device.
     */
    static String fsTypeOf(int major, int minor) {
        String device = major + ":" + minor;
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc/self/mountinfo"));
            for (String line : lines) {
                String[] f = line.split(" ");
                if (f.length < 7 || !f[2].equals(device)) {
                    continue;
                }
                // optional fields end with a lone "-", then fstype, source, super options
                for (int i = 6; i + 1 < f.length; i++) {
                    if (f[i].equals("-")) {
                        return unescape(f[i + 1]);
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
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
