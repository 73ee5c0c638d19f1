package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A socket from socket activation is shared with the service manager: closing our copy must
 * leave it listening for the next instance (systemd keeps and re-passes it).
 */
class InheritedSocketCloseTest {

    @TempDir
    Path dir;

    @Test
    void closingAnInheritedSocketLeavesTheServiceManagersCopyListening() throws Exception {
        Path path = dir.resolve("activated.sock");
        try (UnixServerSocket manager = UnixServerSocket.bind(path, 0600, 8)) {
            UnixServerSocket ours = UnixServerSocket.inherit(Fd.dup(manager.fd()));
            CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
                try {
                    ours.accept().close();
                    return null;
                } catch (Throwable t) {
                    return t;
                }
            }, r -> new Thread(r, "accept").start());
            Thread.sleep(100);
            ours.close();
            Throwable t = blocked.get(2, TimeUnit.SECONDS);
            assertTrue(t instanceof ClosedChannelException, "a blocked accept ends with the close: " + t);
            assertThrows(ClosedChannelException.class, ours::accept);
            try (UnixConnection client = UnixConnection.connect(path); UnixConnection served = manager.accept()) {
                assertTrue(served.isOpen() && client.isOpen(), "the shared socket still accepts connections");
            }
            assertTrue(Files.exists(path), "an inherited socket's file is never removed");
        }
    }
}
