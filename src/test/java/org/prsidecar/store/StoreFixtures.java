package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.prsidecar.posix.Credentials;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Request;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;

/**
 * Shared pieces of the store tests: PR OUT requests as sg_persist spells them, the
 * deterministic table of a revision, snapshots of a file, and child JVMs.
 */
final class StoreFixtures {
    private StoreFixtures() {
    }

    static final String DISK_ID = "naa.6001405000000000000000000000c0de";

    static Disk disk(Path dir) {
        return new Disk(DISK_ID, dir.toAbsolutePath().resolve("disk.pr.json"));
    }

    static SidecarStore store() {
        return store(Duration.ofSeconds(5));
    }

    static SidecarStore store(Duration lockTimeout) {
        return new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(lockTimeout));
    }

    static Nexus initiator(String name) {
        return Nexus.iscsi("iqn.2026-11.org.prsidecar.test:" + name);
    }

    // ---------------------------------------------------------------- PR OUT requests

    static Request out(Nexus n, PrOutServiceAction sa, ReservationType type, long rk, long sark) {
        byte[] params = BasicParameterList.of(rk, sark).encode();
        return Request.of(n, PersistentReserveOutCdb.of(sa, type, params.length).encode(), params);
    }

    static Request register(Nexus n, long rk, long sark) {
        return out(n, PrOutServiceAction.REGISTER, null, rk, sark);
    }

    static Request registerAndIgnore(Nexus n, long sark) {
        return out(n, PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, 0, sark);
    }

    static Request reserve(Nexus n, long rk, ReservationType type) {
        return out(n, PrOutServiceAction.RESERVE, type, rk, 0);
    }

    static Request release(Nexus n, long rk, ReservationType type) {
        return out(n, PrOutServiceAction.RELEASE, type, rk, 0);
    }

    static Request preempt(Nexus n, long rk, long sark, ReservationType type) {
        return out(n, PrOutServiceAction.PREEMPT, type, rk, sark);
    }

    static Request clear(Nexus n, long rk) {
        return out(n, PrOutServiceAction.CLEAR, null, rk, 0);
    }

    // ---------------------------------------------------------------- a table per revision

    private static final ReservationType[] TYPES = ReservationType.values();

    /**
     * The table that revision {@code n} of a deterministic writer holds: generation {@code n}
     * and contents (and so the encoded length, which goes up and down) that are a function
     * of {@code n} alone, so a crashed writer's "last acknowledged" and "in flight" states
     * can be computed.
     */
    static ReservationTable tableOf(long n) {
        if (n == 0) {
            return ReservationTable.empty();
        }
        int count = 1 + (int) ((n * 7) % 13);
        List<Registration> regs = new ArrayList<>();
        for (int j = 0; j < count; j++) {
            regs.add(new Registration(Nexus.iscsi("iqn.2026-11.org.prsidecar.crash:vm" + j), n * 1000 + j + 1,
                    j % 3 == 1, j % 4 == 2 ? Optional.of("host" + j + ":" + n) : Optional.empty()));
        }
        Optional<Reservation> res = Optional.empty();
        if (n % 3 != 0) {
            res = Optional.of(Reservation.of(TYPES[(int) (n % TYPES.length)], regs.get(0).nexus()));
        }
        Map<Nexus, List<SenseData>> uas = new LinkedHashMap<>();
        if (n % 4 == 0 && count > 1) {
            uas.put(regs.get(1).nexus(), List.of(SenseData.REGISTRATIONS_PREEMPTED));
        }
        return ReservationTable.of((int) n, n % 5 == 0, regs, res, uas);
    }

    /** The deterministic writer's update: from revision/generation g to g + 1. */
    static TableStore.Change<Long> nextOf(ReservationTable t) {
        long next = Integer.toUnsignedLong(t.generation()) + 1;
        return new TableStore.Change<>(tableOf(next), next);
    }

    // ---------------------------------------------------------------- files

    /** A file's bytes and the attributes an untouched file keeps. */
    record Snapshot(byte[] bytes, long inode, long size, Instant mtime, Instant ctime) {
        static Snapshot of(Path p) throws IOException {
            BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            long ino = (Long) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS);
            Instant ctime = ((java.nio.file.attribute.FileTime) Files.getAttribute(p, "unix:ctime",
                    LinkOption.NOFOLLOW_LINKS)).toInstant();
            byte[] b = a.isRegularFile() ? Files.readAllBytes(p) : new byte[0];
            return new Snapshot(b, ino, a.size(), a.lastModifiedTime().toInstant(), ctime);
        }

        /** Asserts that {@code p} is byte-identical with the same inode, size, mtime and ctime. */
        void assertUnchanged(Path p) throws IOException {
            Snapshot now = of(p);
            assertTrue(Arrays.equals(bytes, now.bytes), () -> p + " changed: was\n" + text(bytes) + "\nnow\n"
                    + text(now.bytes));
            assertEquals(inode, now.inode, p + ": inode");
            assertEquals(size, now.size, p + ": size");
            assertEquals(mtime, now.mtime, p + ": mtime");
            assertEquals(ctime, now.ctime, p + ": ctime");
        }

        private static String text(byte[] b) {
            return new String(b, 0, Math.min(b.length, 2000), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    static boolean isRoot() {
        return Credentials.euid() == 0;
    }

    /** Fails (never skips) a test that needs root, saying what to do. */
    static void requireRoot(String what) {
        if (!isRoot()) {
            fail(what + " needs root (euid 0); run the store tests as root, e.g. in the project's test container");
        }
    }

    /** Fails a test that needs {@code tool} on the PATH, saying what to install. */
    static Path requireTool(String tool, String debianPackage) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
            Path p = Path.of(dir, tool);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return fail("this test needs '" + tool + "' on the PATH: apt-get install " + debianPackage);
    }

    // ---------------------------------------------------------------- child JVMs

    /** The java binary running this test, as the brief asks: the same JDK for the children. */
    static String javaBinary() {
        return ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** A child JVM command line for {@code main} with this test class path. */
    static List<String> jvm(String classPath, Class<?> main, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaBinary());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xshare:auto");
        cmd.add("-Xss512k");
        cmd.add("-Xmx96m");
        cmd.add("-XX:-UsePerfData");
        cmd.add("-cp");
        cmd.add(classPath);
        cmd.add(main.getName());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static List<String> jvm(Class<?> main, String... args) {
        return jvm(System.getProperty("java.class.path"), main, args);
    }

    /**
     * The entries of this JVM's class path, with a manifest-only jar (surefire's booter)
     * expanded into the entries its Class-Path attribute names.
     */
    static List<Path> classPathEntries() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
            if (e.isEmpty()) {
                continue;
            }
            Path p = Path.of(e).toAbsolutePath();
            String manifestPath = null;
            if (p.toString().endsWith(".jar") && Files.isRegularFile(p)) {
                try (java.util.jar.JarFile jar = new java.util.jar.JarFile(p.toFile())) {
                    java.util.jar.Manifest m = jar.getManifest();
                    manifestPath = m == null ? null : m.getMainAttributes().getValue("Class-Path");
                    if (manifestPath != null && jar.stream().anyMatch(x -> x.getName().endsWith(".class"))) {
                        manifestPath = null; // a real jar that also names others: keep it as it is
                    }
                }
            }
            if (manifestPath == null) {
                out.add(p);
                continue;
            }
            for (String ref : manifestPath.trim().split("\\s+")) {
                java.net.URI uri = p.toUri().resolve(ref);
                out.add(Path.of(uri));
            }
        }
        return out;
    }

    /**
     * A class path for child JVMs made of jars only: the class directories packed into one
     * jar in {@code dir} (class-data sharing refuses non-empty directories), then the
     * dependency jars as they are.
     */
    static String jarClassPath(Path dir) throws IOException {
        List<String> parts = new ArrayList<>();
        Path app = dir.resolve("prsidecar-test-classes.jar");
        try (java.util.jar.JarOutputStream jar = new java.util.jar.JarOutputStream(Files.newOutputStream(app))) {
            java.util.Set<String> seen = new java.util.HashSet<>();
            for (Path e : classPathEntries()) {
                if (!Files.isDirectory(e)) {
                    continue;
                }
                List<Path> files;
                try (java.util.stream.Stream<Path> s = Files.walk(e)) {
                    files = s.filter(Files::isRegularFile).sorted().toList();
                }
                for (Path f : files) {
                    String name = e.relativize(f).toString().replace(java.io.File.separatorChar, '/');
                    if (seen.add(name)) {
                        jar.putNextEntry(new java.util.jar.JarEntry(name));
                        Files.copy(f, jar);
                        jar.closeEntry();
                    }
                }
            }
        }
        parts.add(app.toString());
        // the dependency jars are copied too, so that a child running as another user (who
        // may not read ~root/.m2) can load them
        Path lib = Files.createDirectories(dir.resolve("lib"));
        for (Path e : classPathEntries()) {
            if (Files.isRegularFile(e)) {
                Path copy = lib.resolve(e.getFileName());
                if (!Files.exists(copy)) {
                    Files.copy(e, copy);
                }
                parts.add(copy.toString());
            }
        }
        return String.join(java.io.File.pathSeparator, parts);
    }

    /**
     * Extracts JNA's native dispatch library into {@code dir} once, for child JVMs started
     * with {@code -Djna.boot.library.path=dir}: they then skip unpacking it on every start.
     * Empty if the JNA jar is not on the class path.
     */
    static Optional<Path> jnaBootPath(Path dir) throws IOException {
        String entry = "com/sun/jna/" + com.sun.jna.Platform.RESOURCE_PREFIX + "/"
                + System.mapLibraryName("jnidispatch");
        for (Path e : classPathEntries()) {
            if (!e.getFileName().toString().startsWith("jna-") || !Files.isRegularFile(e)) {
                continue;
            }
            try (java.util.jar.JarFile jar = new java.util.jar.JarFile(e.toFile())) {
                java.util.jar.JarEntry je = jar.getJarEntry(entry);
                if (je == null) {
                    return Optional.empty();
                }
                Path out = dir.resolve(System.mapLibraryName("jnidispatch"));
                try (java.io.InputStream in = jar.getInputStream(je)) {
                    Files.copy(in, out, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                }
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /**
     * How this test JVM starts child JVMs cheaply: a jar-only class path, a dynamic
     * class-data archive of a warmed-up writer (it halves a child's start-up CPU: measured
     * 0.85 s to 0.5 s of user time here) and JNA's native library unpacked once. Made once
     * per test JVM, in a temporary directory removed at exit; without an archive, children
     * still run, only slower.
     */
    static final class ChildJvm {
        private static ChildJvm instance;

        final Path dir;
        final String classPath;
        final Optional<Path> archive;
        final Optional<Path> jnaBoot;

        private ChildJvm(Path dir, String classPath, Optional<Path> archive, Optional<Path> jnaBoot) {
            this.dir = dir;
            this.classPath = classPath;
            this.archive = archive;
            this.jnaBoot = jnaBoot;
        }

        static synchronized ChildJvm get() throws IOException, InterruptedException {
            if (instance == null) {
                instance = make();
            }
            return instance;
        }

        private static ChildJvm make() throws IOException, InterruptedException {
            Path dir = Files.createTempDirectory("prsidecar-child-jvm");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
            Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
            String cp = jarClassPath(dir);
            Optional<Path> jna = jnaBootPath(dir);
            Path archive = dir.resolve("writer.jsa");
            Path scratch = Files.createDirectory(dir.resolve("dump"));
            List<String> cmd = jvm(cp, CrashWriterMain.class, scratch.resolve("dump.pr.json").toString(), DISK_ID,
                    scratch.toString(), scratch.resolve("dump.acks").toString(), "--warmup-only");
            cmd.add(1, "-XX:ArchiveClassesAtExit=" + archive);
            cmd.add(2, "-Xlog:cds=off,cds+dynamic=off");
            jna.ifPresent(d -> cmd.add(1, "-Djna.boot.library.path=" + d));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
                    .redirectOutput(dir.resolve("dump.log").toFile()).start();
            boolean done = p.waitFor(120, java.util.concurrent.TimeUnit.SECONDS);
            Optional<Path> a = Optional.empty();
            if (done && p.exitValue() == 0 && Files.isRegularFile(archive)) {
                a = Optional.of(archive);
            } else {
                p.destroyForcibly();
                System.out.println("child JVMs: no class-data archive (children start slower): "
                        + Files.readString(dir.resolve("dump.log")));
            }
            return new ChildJvm(dir, cp, a, jna);
        }

        /** The command line of a child JVM running {@code main}. */
        List<String> command(Class<?> main, String... args) {
            List<String> cmd = jvm(classPath, main, args);
            archive.ifPresent(a -> {
                cmd.add(1, "-XX:SharedArchiveFile=" + a);
                cmd.add(2, "-Xlog:cds=off,cds+dynamic=off");
            });
            jnaBoot.ifPresent(d -> cmd.add(1, "-Djna.boot.library.path=" + d));
            return cmd;
        }

        private static void deleteTree(Path dir) {
            try (java.util.stream.Stream<Path> s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // best effort at exit
            }
        }
    }
}
