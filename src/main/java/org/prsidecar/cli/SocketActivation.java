package org.prsidecar.cli;

import java.util.OptionalInt;

/** systemd socket activation: LISTEN_PID names this process and LISTEN_FDS is 1 (fd 3). */
final class SocketActivation {
    static final int FIRST_FD = 3;

    private SocketActivation() {
    }

    static OptionalInt listenFd() throws ConfigException {
        String pid = System.getenv("LISTEN_PID");
        String fds = System.getenv("LISTEN_FDS");
        if (pid == null || fds == null) {
            return OptionalInt.empty();
        }
        if (!pid.strip().equals(Long.toString(ProcessHandle.current().pid()))) {
            return OptionalInt.empty(); // meant for another process (inherited environment)
        }
        if (!fds.strip().equals("1")) {
            throw new ConfigException("socket activation passed LISTEN_FDS=" + fds + "; prsidecar takes exactly one"
                    + " socket (one ListenStream= in the .socket unit)");
        }
        return OptionalInt.of(FIRST_FD);
    }
}
