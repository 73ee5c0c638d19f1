package org.prsidecar.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Loads the native layer once, on first use: checks that this is Linux on x86_64 or
 * aarch64, loads JNA's native library and binds the C library functions of this package.
 * Every public entry point of the package goes through {@link #arch()}, so a failure is
 * reported by whichever call comes first, with a message that says what to do.
 *
 * <p>JNA unpacks {@code libjnidispatch.so} at every start into {@code jna.tmpdir} (by
 * default {@code ~/.cache/JNA/temp}, else {@code java.io.tmpdir}); on a {@code noexec}
 * file system that fails with "failed to map segment from shared object". Start the JVM
 * with {@code -Djna.boot.library.path=DIR} (a directory holding an extracted
 * {@code libjnidispatch.so}; also skips the unpacking and so starts faster) or
 * {@code -Djna.tmpdir=DIR} (an executable directory). If loading fails, the exception
 * names the {@code noexec} directory it found.
 */
public final class PosixPlatform {
    private static final Object LOCK = new Object();
    private static volatile Arch arch;
    private static volatile PosixUnavailableException failure;

    private PosixPlatform() {
    }

    /**
     * Loads the native layer now (it is loaded on first use anyway), so a daemon can fail
     * at startup with a clear message.
     *
     * @throws PosixUnavailableException if it cannot work in this JVM
     */
    public static void requireAvailable() {
        arch();
    }

    /** Whether the native layer works in this JVM (loads it if that was not done yet). */
    public static boolean isAvailable() {
        try {
            arch();
            return true;
        } catch (PosixUnavailableException e) {
            return false;
        }
    }

    /** One line for logs and self-tests, e.g. {@code Linux x86_64, JNA 5.19.1 (jnidispatch 7.0.4)}. */
    public static String describe() {
        Arch a = arch();
        return "Linux " + a.name().toLowerCase(java.util.Locale.ROOT) + ", JNA "
                + Native.VERSION + " (jnidispatch " + Native.VERSION_NATIVE + ")";
    }

    /** The architecture; loads the native layer on first call. */
    static Arch arch() {
        Arch a = arch;
        return a != null ? a : load();
    }

    private static Arch load() {
        synchronized (LOCK) {
            if (arch != null) {
                return arch;
            }
            if (failure == null) {
                try {
                    arch = doLoad();
                    return arch;
                } catch (PosixUnavailableException e) {
                    failure = e;
                }
            }
            // a fresh exception per call, with the first one's message and cause
            throw new PosixUnavailableException(failure.getMessage(), failure.getCause());
        }
    }

    private static Arch doLoad() {
        String osName = System.getProperty("os.name");
        String osArch = System.getProperty("os.arch");
        Arch a = Arch.detect(osName, osArch);
        if (a == null) {
            throw new PosixUnavailableException("prsidecar's native layer supports Linux on"
                    + " x86_64 and aarch64 only; this JVM reports os.name=" + osName
                    + ", os.arch=" + osArch, null);
        }
        try {
            Class.forName("com.sun.jna.Native", true, PosixPlatform.class.getClassLoader());
        } catch (ClassNotFoundException e) {
            throw new PosixUnavailableException("JNA (com.sun.jna) is not on the class path", e);
        } catch (LinkageError e) {
            throw new PosixUnavailableException(jnaLoadFailure(e), e);
        }
        try {
            NativeLibrary libc = NativeLibrary.getInstance("c");
            Native.register(LibC.class, libc);
        } catch (LinkageError e) {
            throw new PosixUnavailableException("could not bind the C library functions prsidecar"
                    + " needs (glibc on Linux " + a + "): " + e.getMessage(), e);
        }
        return a;
    }

    private static String jnaLoadFailure(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        StringBuilder msg = new StringBuilder("JNA could not load its native library (libjnidispatch): ")
                .append(root.getMessage() != null ? root.getMessage() : root.toString()).append('.');
        List<Path> noexec = new ArrayList<>();
        for (Path dir : jnaExtractionDirectories()) {
            if (MountInfo.isNoexec(dir)) {
                noexec.add(dir);
            }
        }
        if (!noexec.isEmpty()) {
            msg.append(" JNA unpacks it into ").append(noexec)
                    .append(", which is on a file system mounted noexec.");
        }
        msg.append(" Fix: start the JVM with -Djna.tmpdir=<a writable directory on an exec-mounted"
                + " file system>, or with -Djna.boot.library.path=<a directory holding"
                + " libjnidispatch.so for this architecture> (also skips the unpacking).");
        return msg.toString();
    }

    /** Where JNA 5 unpacks libjnidispatch, in the order it tries them. */
    static Set<Path> jnaExtractionDirectories() {
        Set<Path> dirs = new LinkedHashSet<>();
        String jnaTmp = System.getProperty("jna.tmpdir");
        if (jnaTmp != null) {
            dirs.add(Path.of(jnaTmp));
            return dirs;
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path cache = xdg == null || xdg.isBlank()
                ? Path.of(System.getProperty("user.home", "/"), ".cache")
                : Path.of(xdg);
        dirs.add(cache.resolve("JNA").resolve("temp"));
        dirs.add(Path.of(System.getProperty("java.io.tmpdir", "/tmp")));
        return dirs;
    }

    /** Reads /proc/self/mountinfo without native code (usable when JNA does not load). */
    static final class MountInfo {
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
}
