package org.prsidecar.posix;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Child process started by systemd-socket-activate: takes the passed socket, accepts one
 * connection and tells the client what it found.
 */
public final class SocketActivationMain {
    private SocketActivationMain() {
    }

    public static void main(String[] args) throws Exception {
        Optional<UnixServerSocket> passed = UnixServerSocket.systemdSocket();
        if (passed.isEmpty()) {
            System.err.println("no socket passed");
            System.exit(2);
        }
        try (UnixServerSocket server = passed.get(); UnixConnection c = server.accept()) {
            byte[] reply = ("inherited " + server.path() + " fd " + server.fd()).getBytes(StandardCharsets.UTF_8);
            c.send(reply, 0, reply.length);
        }
    }
}
