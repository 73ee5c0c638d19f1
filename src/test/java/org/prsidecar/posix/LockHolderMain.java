package org.prsidecar.posix;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Child process for lock tests. {@code hold PATH KIND ofd|classic}: locks, prints LOCKED,
 * then waits for stdin to close (or to be killed). {@code try PATH KIND ofd|classic}:
 * prints LOCKED or BUSY and exits.
 */
@SuppressWarnings("try")
public final class LockHolderMain {
    private LockHolderMain() {
    }

    public static void main(String[] args) throws Exception {
        String action = args[0];
        Path path = Path.of(args[1]);
        LockKind kind = LockKind.valueOf(args[2]);
        FileLocks locks = args[3].equals("classic") ? FileLocks.classicFallback() : FileLocks.system();
        OpenMode mode = kind == LockKind.EXCLUSIVE ? OpenMode.READ_WRITE_CREATE : OpenMode.READ_ONLY;
        if (action.equals("hold")) {
            try (LockedFile f = locks.open(path, mode, 0600, kind, Duration.ofSeconds(20))) {
                System.out.println("LOCKED");
                System.out.flush();
                while (System.in.read() >= 0) {
                    // wait
                }
            }
        } else {
            Optional<LockedFile> f = locks.tryOpen(path, mode, 0600, kind);
            System.out.println(f.isPresent() ? "LOCKED" : "BUSY");
            System.out.flush();
            if (f.isPresent()) {
                f.get().close();
            }
        }
    }
}
