package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** systemd socket activation: LISTEN_PID / LISTEN_FDS and fd 3. */
class SocketActivationTest {
    @TempDir
    Path dir;

    @Test
    void environmentMeantForAnotherProcessIsIgnored() throws Exception {
        int me = Credentials.pid();
        assertTrue(UnixServerSocket.systemdSocket(Map.of(), me).isEmpty());
        assertTrue(UnixServerSocket.systemdSocket(Map.of("LISTEN_PID", "1", "LISTEN_FDS", "1"), me).isEmpty());
    }

    @Test
    void exactlyOneSocketIsTaken() throws Exception {
        int me = Credentials.pid();
        IOException e = assertThrows(IOException.class,
                () -> UnixServerSocket.systemdSocket(Map.of("LISTEN_PID", "" + me, "LISTEN_FDS", "2"), me));
        assertTrue(e.getMessage().contains("LISTEN_FDS=2"), e.getMessage());
        // fd 3 of this JVM is no socket (normally the JDK's modules file): refused, and left open
        assertFalse(Fd.readLink(3).toString().startsWith("socket:"), "fd 3 of the test JVM must not be a socket");
        PosixException notSocket = assertThrows(PosixException.class,
                () -> UnixServerSocket.systemdSocket(Map.of("LISTEN_PID", "" + me, "LISTEN_FDS", "1"), me));
        assertEquals(Errno.ENOTSOCK, notSocket.errno());
        assertTrue(Fd.isOpen(3));
    }

    @Test
    void underSystemdSocketActivate() throws Exception {
        Path activate = Path.of("/usr/bin/systemd-socket-activate");
        assertTrue(Files.isExecutable(activate), "systemd-socket-activate is not installed: apt-get install systemd"
                + " (.ci/run does)");
        Path sock = dir.resolve("activated.sock");
        List<String> cmd = new ArrayList<>(List.of(activate.toString(), "-l", sock.toString(),
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-XX:TieredStopAtLevel=1",
                "-cp", System.getProperty("java.class.path"), SocketActivationMain.class.getName()));
        Process launcher = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile())
                .start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(sock) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            try (UnixConnection c = UnixConnection.connect(sock)) {
                c.setReceiveTimeout(java.time.Duration.ofSeconds(30));
                byte[] buf = new byte[256];
                int total = 0;
                for (int n; (n = c.receive(buf, total, buf.length - total)) > 0; ) {
                    total += n;
                }
                assertEquals("inherited " + sock + " fd 3", new String(buf, 0, total, StandardCharsets.UTF_8),
                        Files.readString(dir.resolve("log")));
            }
            assertTrue(launcher.waitFor(20, TimeUnit.SECONDS), "child did not exit");
        } finally {
            launcher.destroyForcibly();
        }
    }
}
