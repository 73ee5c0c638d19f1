package org.prsidecar.store;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Child process of {@link SidecarPermissionTest}, run as an unprivileged user:
 * {@code DISK_ID (SIDECAR OPS)...} where OPS is a comma list of {@code read} and
 * {@code update}. Prints one line per operation:
 * {@code <case> <op> OK <revision>} or {@code <case> <op> ERR <KIND> <message>}.
 */
public final class AccessProbeMain {
    private AccessProbeMain() {
    }

    public static void main(String[] args) throws Exception {
        String id = args[0];
        SidecarStore store = StoreFixtures.store(Duration.ofSeconds(2));
        for (int i = 1; i + 1 < args.length; i += 2) {
            Disk disk = new Disk(id, Path.of(args[i]));
            int n = (i - 1) / 2;
            for (String op : args[i + 1].split(",")) {
                String line;
                try {
                    if (op.equals("read")) {
                        Optional<SidecarDocument> d = store.readDocument(disk);
                        line = "OK " + d.map(SidecarDocument::revision).orElse(0L);
                    } else {
                        store.update(disk, StoreFixtures::nextOf);
                        line = "OK " + store.readDocument(disk).map(SidecarDocument::revision).orElse(0L);
                    }
                } catch (StoreException e) {
                    line = "ERR " + e.kind() + " " + e.getMessage().replace('\n', ' ');
                } catch (RuntimeException e) {
                    line = "THREW " + e;
                }
                System.out.println(n + " " + op + " " + line);
            }
        }
        System.out.flush();
    }
}
