package org.prsidecar.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarDocument;
import org.prsidecar.store.SidecarFormat;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.TableStore;

/**
 * Runs the command line as a user does, through {@link Main#run}, with stdout and stderr
 * captured; and makes disks, tables and journals for the tool tests.
 */
final class ToolsHarness {

    static final String A_NAME = "iqn.2026-11.org.prsidecar.test:a";
    static final String B_NAME = "iqn.2026-11.org.prsidecar.test:b";
    static final String C_NAME = "iqn.2026-11.org.prsidecar.test:c";
    static final Nexus A = Nexus.iscsi(A_NAME);
    static final Nexus B = Nexus.iscsi(B_NAME);
    static final Nexus C = Nexus.iscsi(C_NAME);

    /** Commands without the disk options (no --config to add). */
    private static final Set<String> NO_CONFIG = Set.of("demo", "serve", "help");

    private ToolsHarness() {
    }

    /** What a run printed and returned. */
    record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /**
     * Runs {@code prsidecar ARGS} in this JVM. Tool commands get {@code --config EMPTY} so that a
     * configuration file on the test host cannot change what they resolve.
     */
    static synchronized Run run(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        if (!all.isEmpty() && !NO_CONFIG.contains(all.get(0)) && !all.contains("--config") && !all.contains("-c")) {
            all.add(1, "--config");
            all.add(2, emptyConfig().toString());
        }
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            System.setOut(o);
            System.setErr(e);
            int status = Main.run(all.toArray(String[]::new));
            o.flush();
            e.flush();
            return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    private static Path emptyConfig;

    private static synchronized Path emptyConfig() {
        if (emptyConfig == null) {
            try {
                emptyConfig = Files.createTempFile("prsidecar-test-", ".conf");
                emptyConfig.toFile().deleteOnExit();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        return emptyConfig;
    }

    /** A 64 KiB image file in {@code dir}. */
    static Path image(Path dir, String name) throws IOException {
        Path image = dir.resolve(name);
        Files.write(image, new byte[64 << 10]);
        return image;
    }

    /** The disk the daemon makes of an image: "file:" + its real path, sidecar beside it. */
    static Disk diskOf(Path image) throws IOException {
        Path real = image.toRealPath();
        return new Disk("file:" + real, real.resolveSibling(real.getFileName() + ".prsidecar.json"));
    }

    static SidecarStore store() {
        return new SidecarStore(SidecarStore.Options.defaults().withLockTimeout(Duration.ofSeconds(2))
                .withProgram("test-writer"));
    }

    static void write(Disk disk, ReservationTable t) throws Exception {
        store().update(disk, old -> new TableStore.Change<>(t, null));
    }

    static ReservationTable read(Disk disk) throws Exception {
        return store().read(disk);
    }

    /** Length of a journal's header line (docs/sidecar-format.md): the new sidecar follows it. */
    static final int JOURNAL_HEADER = 112;

    /**
     * A journal as a writer leaves it: the documented header (state, revision, and the length
     * and CRC-32C of each copy), the new sidecar (a sidecar of {@code table}) and the sidecar
     * as it was before (read from disk; empty if there was none).
     */
    static byte[] journal(String state, Disk disk, long revision, ReservationTable table) throws IOException {
        byte[] payload = SidecarFormat.encode(new SidecarDocument(disk.id(), revision,
                new SidecarDocument.Writer("dead-host", 1, Instant.EPOCH, "test"), table));
        byte[] previous = Files.exists(disk.sidecar()) ? Files.readAllBytes(disk.sidecar()) : new byte[0];
        byte[] header = String.format("prsidecar-journal v1 %s rev=%019d len=%010d crc=%s old=%010d oldcrc=%s\n",
                state, revision, payload.length, crc(payload), previous.length, crc(previous))
                .getBytes(StandardCharsets.US_ASCII);
        if (header.length != JOURNAL_HEADER) {
            throw new IllegalStateException("journal header of " + header.length + " bytes");
        }
        byte[] all = new byte[header.length + payload.length + previous.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(payload, 0, all, header.length, payload.length);
        System.arraycopy(previous, 0, all, header.length + payload.length, previous.length);
        return all;
    }

    private static String crc(byte[] b) {
        CRC32C crc = new CRC32C();
        crc.update(b);
        return String.format("%08x", crc.getValue());
    }

    static Path journalOf(Disk disk) {
        return disk.sidecar().resolveSibling(disk.sidecar().getFileName() + ".journal");
    }

    /** Every file under {@code dir} with its content, to prove a command wrote nothing. */
    static String snapshot(Path dir) throws IOException {
        StringBuilder b = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted().toList()) {
                b.append(dir.relativize(p)).append(Files.isRegularFile(p)
                        ? " " + Files.size(p) + " " + java.util.Arrays.hashCode(Files.readAllBytes(p)) + " "
                                + Files.getLastModifiedTime(p).toMillis() : "").append('\n');
            }
        }
        return b.toString();
    }
}
