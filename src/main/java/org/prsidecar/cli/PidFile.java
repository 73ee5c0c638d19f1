package org.prsidecar.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;

/** A pidfile held under a lock for the daemon's life, so a second instance refuses to start. */
final class PidFile {
    private final Path path;
    private final LockedFile lock;

    private PidFile(Path path, LockedFile lock) {
        this.path = path;
        this.lock = lock;
    }

    static PidFile acquire(Path path) throws ConfigException, IOException {
        Optional<LockedFile> lf = FileLocks.system().tryOpen(path, OpenMode.READ_WRITE_CREATE, 0644, LockKind.EXCLUSIVE);
        if (lf.isEmpty()) {
            String other = HelperDaemon.read(path).map(String::strip).orElse("?");
            throw new ConfigException("pidfile " + path + " is locked by a running prsidecar (pid " + other
                    + "); stop it first, or use another --pidfile");
        }
        byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
        try {
            lf.get().file().writeFully(pid, 0);
            lf.get().file().truncate(pid.length);
        } catch (IOException e) {
            lf.get().close();
            throw e;
        }
        return new PidFile(path, lf.get());
    }

    void release() {
        try {
            Files.deleteIfExists(path);
        } catch (IOException e) {
            // best effort: the lock below is what tells a running instance apart
        }
        try {
            lock.close();
        } catch (IOException e) {
            // closing is all that is left to do
        }
    }
}
