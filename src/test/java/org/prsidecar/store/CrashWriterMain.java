package org.prsidecar.store;

import java.io.BufferedReader;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Child process of {@link SidecarCrashTest}: {@code SIDECAR DISK_ID SCRATCH_DIR ACK_FILE}.
 * Warms up on a scratch sidecar of its own (so that class loading is over before the kill),
 * prints {@code READY}, waits for a line on stdin, then moves the deterministic writer's
 * sidecar on one revision at a time, forever, appending {@code ACK n} to ACK_FILE once
 * revision {@code n} is acknowledged (durable). The parent kills it with SIGKILL.
 *
 * <p>Acknowledgements go to a file, not to stdout: what a child wrote to a pipe just before
 * SIGKILL is sometimes lost by the JDK's Process streams (the reaper drains and replaces
 * the pipe while a reader thread is in it; seen on JDK 17 and 25), while a write(2) to a
 * file is in the page cache before the kill can land.
 *
 * <p>With {@code --warmup-only} it exits after READY (used to dump a class-data archive).
 */
public final class CrashWriterMain {
    private CrashWriterMain() {
    }

    public static void main(String[] args) throws Exception {
        Disk disk = new Disk(args[1], Path.of(args[0]));
        SidecarStore store = StoreFixtures.store(Duration.ofSeconds(30));

        Path scratch = Files.createTempDirectory(Path.of(args[2]), "warmup");
        Disk warm = new Disk(args[1], scratch.resolve("warm.pr.json"));
        store.update(warm, StoreFixtures::nextOf);
        store.readDocument(warm);
        Files.delete(warm.sidecar());
        Files.delete(SidecarStore.journalPath(warm.sidecar()));
        Files.delete(scratch);

        System.out.println("READY");
        System.out.flush();
        if (args.length > 4 && args[4].equals("--warmup-only")) {
            System.exit(0);
        }
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        if (in.readLine() == null) {
            System.exit(0);
        }
        try (FileOutputStream acks = new FileOutputStream(args[3])) {
            while (true) {
                long n;
                try {
                    n = store.update(disk, StoreFixtures::nextOf).result();
                } catch (StoreException e) {
                    acks.write(("ERR " + e.kind() + " " + e.getMessage().replace('\n', ' ') + "\n")
                            .getBytes(StandardCharsets.UTF_8));
                    System.exit(3);
                    return;
                }
                acks.write(("ACK " + n + "\n").getBytes(StandardCharsets.US_ASCII));
            }
        }
    }
}
