package org.prsidecar.posix;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
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
}
