package org.prsidecar.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.helper.FrameException;
import org.prsidecar.helper.HelperClient;
import org.prsidecar.helper.HelperResponse;
import org.prsidecar.helper.HelperServer;
import org.prsidecar.helper.IdentityResolver;
import org.prsidecar.helper.ProcessTable;
import org.prsidecar.helper.RequestHandler;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.posix.PosixPlatform;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.SidecarStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prsidecar demo}: a one-minute tour that needs nothing but a JDK. Two daemons, as two
 * cluster nodes on two hosts would run them ({@code serve -k SOCKET --initiator NAME}, each
 * with its own store), share one image and its sidecar in a temporary directory; a client
 * speaking QEMU's protocol drives a failover through their sockets.
 */
@Command(name = "demo", header = "A one-minute tour: two cluster nodes fail over on one shared disk.", sortOptions = false, usageHelpAutoWidth = true,
        description = {"A one-minute tour: in a temporary directory, start two daemons in this process (two cluster"
                + " nodes, as on two hosts: each 'serve' with its own socket, --initiator and store), sharing one disk"
                + " image and its sidecar. Drive them through the real socket protocol, as QEMU does: both nodes"
                + " register, node1 reserves (Write Exclusive, registrants only), node2 fails over with PREEMPT,"
                + " node1 learns it was preempted. Prints each answer and the table after each step, then stops the"
                + " daemons and removes the directory."},
        exitCodeOnInvalidInput = 2,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every step gave the expected answer",
            "1:a step gave another answer, or the daemons could not run (the message says which)",
            "2:bad option, or this platform cannot run prsidecar (Linux with JNA)"})
final class DemoCommand implements Callable<Integer> {

    static final String NODE1 = "iqn.2026-11.org.prsidecar.demo:node1";
    static final String NODE2 = "iqn.2026-11.org.prsidecar.demo:node2";
    static final long KEY1 = 0x1111;
    static final long KEY2 = 0x2222;
    private static final int WE_RO = ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY.code();
    private static final int ALLOCATION = 8192;

    @Spec
    CommandSpec spec;

    @Option(names = "--tmp", paramLabel = "DIR", order = 1,
            description = "Make the temporary directory in DIR (default: java.io.tmpdir). A directory on shared"
                    + " storage works too.")
    Path tmp;

    @Option(names = "--keep", order = 2, description = "Keep the temporary directory (to look at the sidecar).")
    boolean keep;

    @Option(names = {"-v", "--verbose"}, order = 3, description = "Show the daemons' log on stderr.")
    boolean[] verbose = new boolean[0];

    @Mixin
    HelpOption help;

    /** One step of the tour: who sends what, and what answer is right. */
    private record Step(String title, Node node, byte[] cdb, byte[] parameters, String expected,
            Predicate<HelperResponse> check) {
    }

    @Override
    public Integer call() throws Exception {
        try (ToolLogging logging = ToolLogging.configure(verbose.length)) {
            return runCommand();
        }
    }

    private Integer runCommand() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!PosixPlatform.isAvailable()) {
            err.println("prsidecar demo: this platform cannot run prsidecar: " + PosixPlatform.describe());
            return 2;
        }
        Path base = tmp != null ? tmp : Path.of(System.getProperty("java.io.tmpdir"));
        Path dir;
        try {
            dir = Files.createTempDirectory(base.toAbsolutePath(), "prsidecar-demo-");
        } catch (IOException e) {
            err.println("prsidecar demo: cannot make a temporary directory in " + base + ": " + e.getMessage());
            return 2;
        }
        try {
            return tour(out, err, dir);
        } finally {
            if (keep) {
                out.println("kept " + dir);
            } else {
                deleteTree(dir, err);
            }
            out.flush();
            err.flush();
        }
    }

    private int tour(PrintWriter out, PrintWriter err, Path dir) throws Exception {
        Path image = dir.resolve("shared-disk.img");
        try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
            f.setLength(1 << 20);
        }
        out.println("prsidecar demo: two cluster nodes share one disk through prsidecar");
        out.println("  disk   " + image + " (its table: " + image + DiskResolver.SIDECAR_SUFFIX + ")");
        List<Node> nodes = new ArrayList<>();
        try {
            Node node1 = Node.start("node1", NODE1, dir, image);
            nodes.add(node1);
            Node node2 = Node.start("node2", NODE2, dir, image);
            nodes.add(node2);
            for (Node n : nodes) {
                out.println("  " + n.name + "  prsidecar serve -k " + n.socket + " --initiator " + n.initiator);
            }
            out.println("  Each node is a daemon with its own socket and store, as on two hosts; they share only the"
                    + " image's sidecar and its lock.");
            List<Step> steps = List.of(
                    new Step("node1 registers key 0x1111 (PR OUT REGISTER)", node1, prOut(PrOutServiceAction.REGISTER, 0,
                            BasicParameterList.of(0, KEY1)), BasicParameterList.of(0, KEY1).encode(), "GOOD", good()),
                    new Step("node2 registers key 0x2222 (PR OUT REGISTER)", node2, prOut(PrOutServiceAction.REGISTER, 0,
                            BasicParameterList.of(0, KEY2)), BasicParameterList.of(0, KEY2).encode(), "GOOD", good()),
                    new Step("node1 reserves: Write Exclusive, registrants only (PR OUT RESERVE, type 5)", node1,
                            prOut(PrOutServiceAction.RESERVE, WE_RO, BasicParameterList.of(KEY1, 0)),
                            BasicParameterList.of(KEY1, 0).encode(), "GOOD", good()),
                    new Step("node2 reads the reservation (PR IN READ RESERVATION)", node2,
                            prIn(PrInServiceAction.READ_RESERVATION), new byte[0],
                            "GOOD, held with key 0x1111, type 5", r -> reservationHeldBy(r, KEY1)),
                    new Step("node2 tries to reserve too (PR OUT RESERVE)", node2,
                            prOut(PrOutServiceAction.RESERVE, WE_RO, BasicParameterList.of(KEY2, 0)),
                            BasicParameterList.of(KEY2, 0).encode(), "RESERVATION CONFLICT",
                            r -> r.result() == ScsiStatus.RESERVATION_CONFLICT.code()),
                    new Step("node1 stops answering; node2 fails over: PREEMPT node1's key 0x1111 (PR OUT PREEMPT)",
                            node2, prOut(PrOutServiceAction.PREEMPT, WE_RO, BasicParameterList.of(KEY2, KEY1)),
                            BasicParameterList.of(KEY2, KEY1).encode(), "GOOD", good()),
                    new Step("node1 comes back and reads the keys (PR IN READ KEYS)", node1,
                            prIn(PrInServiceAction.READ_KEYS), new byte[0],
                            "CHECK CONDITION, Unit Attention, 2A/05 REGISTRATIONS PREEMPTED",
                            r -> r.senseData().map(SenseData.REGISTRATIONS_PREEMPTED::equals).orElse(false)),
                    new Step("node1 reads the keys again (PR IN READ KEYS)", node1, prIn(PrInServiceAction.READ_KEYS),
                            new byte[0], "GOOD, only node2's key 0x2222: node1 is fenced off",
                            r -> keysAre(r, List.of(KEY2))));
            int failed = 0;
            int n = 0;
            for (Step s : steps) {
                n++;
                out.println();
                out.println("[" + n + "/" + steps.size() + "] " + s.title());
                HelperResponse r = s.node.client.execute(s.cdb, s.node.disk.fd(), s.parameters);
                boolean ok = s.check.test(r);
                out.println("      answer: " + describe(s.cdb, r) + (ok ? "  (as expected)" : "  (EXPECTED " + s.expected
                        + ")"));
                if (!ok) {
                    failed++;
                }
                TableReader.Read table = TableReader.read(new DiskTargets.Target(image.toString(),
                        image.resolveSibling(image.getFileName() + DiskResolver.SIDECAR_SUFFIX),
                        Optional.of("file:" + image.toRealPath()), Optional.of("file:" + image.toRealPath()), "demo"),
                        node1.settings);
                if (table.shown().isPresent()) {
                    TableView.brief(out, table.shown().get(), "      ");
                } else {
                    out.println("      the table cannot be read: " + String.join("; ", table.problems()));
                    failed++;
                }
            }
            out.println();
            if (failed > 0) {
                err.println("prsidecar demo: " + failed + " of " + steps.size() + " steps did not give the expected"
                        + " answer");
                return 1;
            }
            out.println("demo: all " + steps.size() + " steps gave the expected answers. The sidecar is plain JSON:"
                    + " run 'prsidecar demo --keep', then 'prsidecar show' and 'prsidecar check' on the disk.");
            return 0;
        } catch (IOException | FrameException | ConfigException e) {
            err.println("prsidecar demo: the daemons could not run: " + e.getMessage());
            return 1;
        } finally {
            for (Node n : nodes) {
                n.close();
            }
        }
    }

    private static byte[] prOut(PrOutServiceAction sa, int type, BasicParameterList p) {
        return new PersistentReserveOutCdb(sa, 0, type, p.encode().length, 0).encode();
    }

    private static byte[] prIn(PrInServiceAction sa) {
        return PersistentReserveInCdb.of(sa, ALLOCATION).encode();
    }

    private static Predicate<HelperResponse> good() {
        return r -> r.result() == ScsiStatus.GOOD.code();
    }

    private static boolean reservationHeldBy(HelperResponse r, long key) {
        try {
            Optional<ReadReservationData.Reserved> res = ReadReservationData.decode(r.data()).reservation();
            return r.result() == ScsiStatus.GOOD.code() && res.isPresent() && res.get().key() == key
                    && res.get().type() == ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
        } catch (ScsiException e) {
            return false;
        }
    }

    private static boolean keysAre(HelperResponse r, List<Long> keys) {
        try {
            return r.result() == ScsiStatus.GOOD.code() && ReadKeysData.decode(r.data()).keys().equals(keys);
        } catch (ScsiException e) {
            return false;
        }
    }

    /** The answer as sg_persist would print it, with the data of a PR IN. */
    private static String describe(byte[] cdb, HelperResponse r) {
        Optional<ScsiStatus> status = r.status();
        if (status.isEmpty()) {
            return "status 0x" + Integer.toHexString(r.result());
        }
        String s = ScsiExit.describe(status.get(), r.senseData());
        if (status.get() != ScsiStatus.GOOD || cdb[0] != PersistentReserveInCdb.OPCODE) {
            return s;
        }
        try {
            if ((cdb[1] & 0x1F) == PrInServiceAction.READ_KEYS.code()) {
                return s + ", keys " + ReadKeysData.decode(r.data()).keys().stream().map(TableView::key).toList();
            }
            return s + ReadReservationData.decode(r.data()).reservation()
                    .map(x -> ", reservation type " + x.type().code() + " with key " + TableView.key(x.key()))
                    .orElse(", no reservation");
        } catch (ScsiException e) {
            return s + ", " + r.data().length + " bytes that do not decode: " + e.getMessage();
        }
    }

    private static void deleteTree(Path dir, PrintWriter err) {
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            err.println("prsidecar demo: could not remove " + dir + ": " + e.getMessage());
        }
    }

    /** One simulated cluster node: a daemon as {@code serve -k SOCKET --initiator NAME} builds it, and a client. */
    private static final class Node implements AutoCloseable {
        final String name;
        final String initiator;
        final Path socket;
        final ServeSettings settings;
        final HelperServer server;
        final HelperClient client;
        final PosixFile disk;

        private Node(String name, String initiator, Path socket, ServeSettings settings, HelperServer server,
                HelperClient client, PosixFile disk) {
            this.name = name;
            this.initiator = initiator;
            this.socket = socket;
            this.settings = settings;
            this.server = server;
            this.client = client;
            this.disk = disk;
        }

        static Node start(String name, String initiator, Path dir, Path image)
                throws IOException, FrameException, ConfigException {
            Path socket = dir.resolve(name + ".sock");
            ServeSettings s = ServeSettings.resolve(ServeSettings.Flags.none().withSocket(socket)
                    .withInitiator(initiator).withStorage(dir, List.of(), null), ConfigFile.empty());
            UnixServerSocket listening = UnixServerSocket.bind(socket, s.socketMode(), 64);
            // the host name in each node's writes is the node's: the sidecar shows which node wrote last
            SidecarStore store = new SidecarStore(new SidecarStore.Options(s.lockTimeout(), 8L << 20,
                    SidecarStore.Options.defaults().maxSidecarBytes(), s.sidecarMode(), name,
                    "prsidecar " + Version.get() + " serve (demo " + name + ")"));
            HelperServer server = new HelperServer(listening, IdentityResolver.fixed(initiator, ProcessTable.system()),
                    new DiskResolver(s.sidecarDir(), s.disks(), s.otherDisks(), Path.of("/sys")),
                    new RequestHandler(store, new PersistentReservations(s.maxRegistrations())),
                    new HelperServer.Options(s.maxConnections(), s.frameTimeout(), s.allowUids(), s.allowGids()));
            server.start();
            HelperClient client = null;
            try {
                client = HelperClient.connect(socket, Duration.ofSeconds(10));
                // QEMU opens the disk read-write and passes that fd with every command
                PosixFile disk = PosixFile.open(image, OpenMode.READ_WRITE, 0);
                return new Node(name, initiator, socket, s, server, client, disk);
            } catch (IOException | FrameException | RuntimeException e) {
                if (client != null) {
                    client.close();
                }
                server.stop(Duration.ofSeconds(1));
                throw e;
            }
        }

        @Override
        public void close() {
            client.close();
            try {
                disk.close();
            } catch (IOException e) {
                // nothing was written through it
            }
            server.stop(Duration.ofSeconds(2));
        }
    }
}
