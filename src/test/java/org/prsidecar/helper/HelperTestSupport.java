package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.store.SidecarStore;

/** Commands as QEMU sends them, in-process daemons, child processes and fd accounting for helper tests. */
final class HelperTestSupport {
    private HelperTestSupport() {
    }

    static final int GOOD = ScsiStatus.GOOD.code();
    static final int CHECK_CONDITION = ScsiStatus.CHECK_CONDITION.code();
    static final int RESERVATION_CONFLICT = ScsiStatus.RESERVATION_CONFLICT.code();

    // ------------------------------------------------------------------ commands

    /** A 10-byte PR OUT CDB with a 24-byte basic parameter list (as QEMU frames it: bytes 7-8). */
    static byte[] prOutCdb(PrOutServiceAction sa, ReservationType type) {
        return PersistentReserveOutCdb.of(sa, type, BasicParameterList.LENGTH).encode();
    }

    static byte[] params(long rk, long sark) {
        return BasicParameterList.of(rk, sark).encode();
    }

    static byte[] prInCdb(PrInServiceAction sa, int allocationLength) {
        return PersistentReserveInCdb.of(sa, allocationLength).encode();
    }

    /** One QEMU-like client bound to one disk fd. */
    record Guest(HelperClient client, int diskFd) {
        HelperResponse out(PrOutServiceAction sa, ReservationType type, long rk, long sark)
                throws IOException, FrameException {
            return client.execute(prOutCdb(sa, type), diskFd, params(rk, sark));
        }

        HelperResponse register(long rk, long sark) throws IOException, FrameException {
            return out(PrOutServiceAction.REGISTER, null, rk, sark);
        }

        HelperResponse reserve(long key, ReservationType type) throws IOException, FrameException {
            return out(PrOutServiceAction.RESERVE, type, key, 0);
        }

        HelperResponse preempt(long key, long victim, ReservationType type) throws IOException, FrameException {
            return out(PrOutServiceAction.PREEMPT, type, key, victim);
        }

        HelperResponse in(PrInServiceAction sa, int alloc) throws IOException, FrameException {
            return client.execute(prInCdb(sa, alloc), diskFd, new byte[0]);
        }

        ReadKeysData readKeys() throws IOException, FrameException, ScsiException {
            HelperResponse r = in(PrInServiceAction.READ_KEYS, 8192);
            assertEquals(GOOD, r.result(), "READ KEYS status");
            return ReadKeysData.decode(r.data());
        }

        ReadReservationData readReservation() throws IOException, FrameException, ScsiException {
            HelperResponse r = in(PrInServiceAction.READ_RESERVATION, 8192);
            assertEquals(GOOD, r.result(), "READ RESERVATION status");
            return ReadReservationData.decode(r.data());
        }

        ReadFullStatusData readFullStatus() throws IOException, FrameException, ScsiException {
            HelperResponse r = in(PrInServiceAction.READ_FULL_STATUS, 8192);
            assertEquals(GOOD, r.result(), "READ FULL STATUS status");
            return ReadFullStatusData.decode(r.data());
        }
    }

    static void assertGood(HelperResponse r, String what) {
        assertEquals(GOOD, r.result(), what + ": status " + r.result() + ", sense " + r.senseData());
    }

    // ------------------------------------------------------------------ in-process daemons

    /** A HelperServer with its own SidecarStore: one "host". */
    static final class Daemon implements AutoCloseable {
        final Path socket;
        final HelperServer server;
        final SidecarStore store;

        Daemon(Path socket, IdentityResolver identities, DiskResolver disks, HelperServer.Options options,
                Duration lockTimeout) throws IOException {
            this.socket = socket;
            this.store = new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(lockTimeout));
            this.server = new HelperServer(UnixServerSocket.bind(socket, 0600, 64), identities, disks,
                    new RequestHandler(store, new PersistentReservations()), options);
            server.start();
        }

        /** Fixed initiator, image files emulated beside the image, 10 s frame timeout. */
        static Daemon fixed(Path socket, String initiator, Path sidecarDir) throws IOException {
            return new Daemon(socket, IdentityResolver.fixed(initiator, ProcessTable.system()),
                    emulating(sidecarDir), HelperServer.Options.defaults(), Duration.ofSeconds(5));
        }

        static DiskResolver emulating(Path sidecarDir) {
            return new DiskResolver(sidecarDir, List.of(), DiskResolver.OtherDisks.EMULATE, Path.of("/sys"));
        }

        @Override
        public void close() {
            server.stop(Duration.ofSeconds(5));
        }
    }

    static HelperClient connect(Path socket) throws IOException, FrameException {
        return HelperClient.connect(socket, Duration.ofSeconds(20));
    }

    /**
     * Connects as QEMU does after losing its helper: up to 5 attempts, 1 s apart
     * (PR_MAX_RECONNECT_ATTEMPTS).
     */
    static HelperClient reconnectLikeQemu(Path socket) throws Exception {
        IOException last = null;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                return connect(socket);
            } catch (PosixException e) {
                last = e;
                Thread.sleep(1000);
            }
        }
        throw new AssertionError("QEMU would give up: no helper on " + socket + " after 5 attempts", last);
    }

    /**
     * Runs {@code task} on a thread of its own. (The common pool has one thread on a 2-CPU
     * machine: tasks that block would run one after the other, not at the same time.)
     */
    static <T> java.util.concurrent.CompletableFuture<T> async(java.util.concurrent.Callable<T> task) {
        java.util.concurrent.CompletableFuture<T> f = new java.util.concurrent.CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                f.complete(task.call());
            } catch (Throwable e) {
                f.completeExceptionally(e);
            }
        }, "test-async");
        t.setDaemon(true);
        t.start();
        return f;
    }

    // ------------------------------------------------------------------ fds

    static Set<Integer> openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            Set<Integer> fds = new TreeSet<>();
            s.forEach(p -> fds.add(Integer.parseInt(p.getFileName().toString())));
            return fds;
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    /** How many fds of this process refer to {@code file}. */
    static long fdsOn(Path file) {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return s.filter(p -> {
                try {
                    return Files.readSymbolicLink(p).equals(file);
                } catch (IOException e) {
                    return false;
                }
            }).count();
        } catch (IOException e) {
            throw new AssertionError("cannot list /proc/self/fd", e);
        }
    }

    /** The fds open now that were not in {@code before} and point at files or sockets of ours. */
    static List<String> newFds(Set<Integer> before) {
        List<String> out = new ArrayList<>();
        for (int fd : openFds()) {
            if (before.contains(fd)) {
                continue;
            }
            String target;
            try {
                target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            } catch (IOException e) {
                continue; // the listing's own fd
            }
            if (target.endsWith(".jar") || target.startsWith("/usr/lib/jvm") || target.startsWith("pipe:")
                    || target.startsWith("anon_inode:") || target.contains("/.m2/")) {
                continue;
            }
            out.add(fd + " -> " + target);
        }
        return out;
    }

    /** Waits (a server closes asynchronously) until no new fd is left; fails listing them. */
    static void assertNoFdLeak(Set<Integer> before) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        List<String> leaked = newFds(before);
        while (!leaked.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            leaked = newFds(before);
        }
        assertTrue(leaked.isEmpty(), "leaked fds: " + leaked);
    }

    /** Polls until {@code condition} holds or fails after {@code timeout}. */
    static void await(String what, Duration timeout, java.util.function.BooleanSupplier condition)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out after " + timeout.toMillis() + " ms waiting for: " + what);
            }
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ child processes

    /** A child JVM with this test class path; {@code jvmArgs} then main class then {@code args}. */
    static List<String> javaCommand(List<String> jvmArgs, String mainClass, List<String> args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xshare:auto");
        cmd.add("-Xmx64m");
        cmd.addAll(jvmArgs);
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(mainClass);
        cmd.addAll(args);
        return cmd;
    }

    /**
     * A child process whose stdout lines are collected on a thread (so it never blocks on a
     * full pipe) and whose stdin takes commands.
     */
    static final class Child implements AutoCloseable {
        final Process process;
        final BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        final List<String> all = java.util.Collections.synchronizedList(new ArrayList<>());
        private final PrintWriter in;

        Child(ProcessBuilder pb) throws IOException {
            process = pb.start();
            in = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
            Thread t = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        all.add(line);
                        lines.add(line);
                    }
                } catch (IOException e) {
                    // the child went away
                }
            }, "child-stdout-" + process.pid());
            t.setDaemon(true);
            t.start();
        }

        long pid() {
            return process.pid();
        }

        /** Sends one line and returns the child's next output line. */
        String ask(String line) throws InterruptedException {
            in.println(line);
            return next("answer to " + line);
        }

        String next(String what) throws InterruptedException {
            String l = lines.poll(60, TimeUnit.SECONDS);
            if (l == null) {
                fail("no line from the child (" + what + "); it printed " + all
                        + (process.isAlive() ? "" : ", exit " + process.exitValue()));
            }
            return l;
        }

        /** Reads lines until one starts with {@code prefix}. */
        String awaitLine(String prefix, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (true) {
                long left = deadline - System.nanoTime();
                String l = left > 0 ? lines.poll(left, TimeUnit.NANOSECONDS) : null;
                if (l == null) {
                    fail("the child printed no line starting with " + prefix + " within " + timeout.toMillis()
                            + " ms; it printed " + all + (process.isAlive() ? "" : ", exit " + process.exitValue()));
                }
                if (l.startsWith(prefix)) {
                    return l;
                }
            }
        }

        void closeStdin() throws IOException {
            OutputStream o = process.getOutputStream();
            o.close();
        }

        @Override
        public void close() throws InterruptedException {
            if (process.isAlive()) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
