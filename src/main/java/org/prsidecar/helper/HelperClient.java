package org.prsidecar.helper;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import org.prsidecar.posix.UnixConnection;

/**
 * A client that speaks to a pr-manager helper exactly as QEMU does (handshake, one fd with
 * every CDB, parameter list framed by CDB bytes 7-8, one command at a time). Used by the
 * load generator, the demo and tests; not thread-safe, like QEMU's mutex-guarded client.
 */
public final class HelperClient implements AutoCloseable {

    private final UnixConnection connection;

    private HelperClient(UnixConnection connection) {
        this.connection = connection;
    }

    /** Connects and does the handshake: reads the server's features, answers 0. */
    public static HelperClient connect(Path socket, Duration timeout) throws IOException, FrameException {
        UnixConnection c = UnixConnection.connect(socket);
        try {
            c.setReceiveTimeout(timeout);
            HelperResponse.readFully(c, 4, "handshake");
            c.send(new byte[4], 0, 4);
            return new HelperClient(c);
        } catch (IOException | FrameException | RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Sends {@code cdb10} with {@code fd} (and the parameter list for PR OUT); returns the answer. */
    public HelperResponse execute(byte[] cdb10, int fd, byte[] parameterList) throws IOException, FrameException {
        HelperRequest request = HelperRequest.of(cdb10, fd, parameterList);
        request.write(connection);
        int max = request.opcode() == 0x5F ? 0 : request.transferLength();
        return HelperResponse.read(connection, max);
    }

    public UnixConnection connection() {
        return connection;
    }

    @Override
    public void close() {
        connection.close();
    }
}
