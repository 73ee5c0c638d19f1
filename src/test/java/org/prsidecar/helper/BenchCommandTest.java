package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.HelperTestSupport.Daemon;

/** {@code prsidecar bench}, run as a process (it configures logging for the whole JVM). */
class BenchCommandTest {
    /** "  helper  1234  1234  50.1  60.2  70.3  80.4  90.5". */
    static final Pattern ROW = Pattern.compile("^\\s+(helper|floor)\\s+(\\d+)\\s+(\\d+)\\s+([\\d.]+)\\s+([\\d.]+)\\s+"
            + "([\\d.]+)\\s+([\\d.]+)\\s+([\\d.]+)\\s*$", Pattern.MULTILINE);

    @TempDir
    Path dir;

    private ServeProcess bench(String... args) throws Exception {
        String[] all = new String[args.length + 1];
        all[0] = "bench";
        System.arraycopy(args, 0, all, 1, args.length);
        return ServeProcess.start(dir.resolve("bench.log"), Map.of(), all);
    }

    record Row(long commands, long opsPerSecond, double p50, double p90, double p99, double p999, double max) {
    }

    private static Row row(String out, String target) {
        Matcher m = ROW.matcher(out);
        while (m.find()) {
            if (m.group(1).equals(target)) {
                return new Row(Long.parseLong(m.group(2)), Long.parseLong(m.group(3)), Double.parseDouble(m.group(4)),
                        Double.parseDouble(m.group(5)), Double.parseDouble(m.group(6)), Double.parseDouble(m.group(7)),
                        Double.parseDouble(m.group(8)));
            }
        }
        fail("no " + target + " row in:\n" + out);
        return null;
    }

    private static void assertSane(Row r, double seconds, String out) {
        assertTrue(r.commands() > 0, out);
        assertTrue(r.p50() > 0 && r.p50() <= r.p90() && r.p90() <= r.p99() && r.p99() <= r.p999()
                && r.p999() <= r.max(), "percentiles in order: " + r);
        double expected = r.opsPerSecond() * seconds;
        assertTrue(Math.abs(r.commands() - expected) <= Math.max(5, 0.15 * expected),
                "throughput x duration = commands: " + r + " over " + seconds + " s");
        assertTrue(r.max() < 30_000_000, "no command took 30 s: " + r);
    }

    @Test
    void benchAgainstAnInProcessHelperWithTheFloorReportsSaneNumbers() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work"));
        ServeProcess p = bench("-c", "2", "-t", "1s", "--warmup", "300ms", "--floor", "--dir", work.toString(),
                "--mix", "read-keys=4,read-reservation=1,read-full-status=1,report-capabilities=1,register=1,reserve=1");
        assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.log() + p.stdout());
        String out = p.stdout();
        Row helper = row(out, "helper");
        Row floor = row(out, "floor");
        assertSane(helper, 1.0, out);
        assertSane(floor, 1.0, out);
        assertTrue(out.contains("ratio"), out);
        assertTrue(out.contains("GOOD="), "status counts: " + out);
        assertFalse(out.contains("ERRORS"), out);
        for (String k : new String[] {"read-keys", "read-reservation", "read-full-status", "report-capabilities",
            "register", "reserve"}) {
            assertTrue(out.contains("  " + k + " "), "per-command line for " + k + ": " + out);
        }
        assertTrue(Files.exists(work.resolve("bench-disk-0.img.prsidecar.json")), "PR OUT reached the sidecar");
        assertTrue(floor.opsPerSecond() > 0);
    }

    @Test
    void countMeasuresExactlyThatManyCommandsPerConnection() throws Exception {
        ServeProcess p = bench("-c", "3", "--count", "40", "--warmup", "0s", "--disks", "3", "--mix",
                "register=1,read-keys=1");
        assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.log() + p.stdout());
        assertEquals(120, row(p.stdout(), "helper").commands(), p.stdout());
        assertTrue(p.stdout().contains("3 disk(s)"), p.stdout());
    }

    @Test
    void runsReportMedianAndRange() throws Exception {
        ServeProcess p = bench("-t", "300ms", "--warmup", "100ms", "--runs", "3", "--floor");
        assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.log() + p.stdout());
        String out = p.stdout();
        assertTrue(out.contains("run 3/3"), out);
        assertTrue(out.contains("summary over 3 runs: median [min - max]"), out);
        assertTrue(Pattern.compile("helper\\s+ops/s \\d+ \\[\\d+ - \\d+\\]").matcher(out).find(), out);
        assertTrue(Pattern.compile("floor\\s+ops/s \\d+ \\[\\d+ - \\d+\\]").matcher(out).find(), out);
    }

    @Test
    void benchAgainstARunningHelper() throws Exception {
        Path image = dir.resolve("ext.img");
        Files.write(image, new byte[4096]);
        try (Daemon d = Daemon.fixed(dir.resolve("ext.sock"), "iqn.2026-11.com.example:bench", dir)) {
            ServeProcess p = bench("-k", d.socket.toString(), "-c", "2", "--count", "25", "--warmup", "0s",
                    "--image", image.toString(), "--mix", "read-keys=3,register=1");
            assertEquals(0, p.waitFor(Duration.ofSeconds(120)), p.log() + p.stdout());
            assertEquals(50, row(p.stdout(), "helper").commands());
            assertTrue(p.stdout().contains("helper at " + d.socket), p.stdout());
            assertTrue(Files.exists(dir.resolve("ext.img.prsidecar.json")));
        }
    }

    @Test
    void unknownMixEntryIsABadOption() throws Exception {
        ServeProcess p = bench("--mix", "read-keys=1,format-unit=2");
        assertEquals(2, p.waitFor(Duration.ofSeconds(60)), p.log());
        assertTrue(p.log().contains("unknown command \"format-unit\""), p.log());
    }

    @Test
    void helpDocumentsTheOptionsAndTheMix() throws Exception {
        ServeProcess p = bench("--help");
        assertEquals(0, p.waitFor(Duration.ofSeconds(60)), p.log());
        String help = p.stdout();
        for (String s : new String[] {"--connections", "--duration", "--count", "--mix", "--floor", "--runs",
            "--dir", "read-keys", "register", "reserve", "p99.9"}) {
            assertTrue(help.contains(s), "help mentions " + s + ":\n" + help);
        }
    }
}
