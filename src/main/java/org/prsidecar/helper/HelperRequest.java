package org.prsidecar.helper;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.prsidecar.posix.Fd;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;

/**
 * One request of QEMU's pr-manager-helper protocol: a 16-byte CDB sent with exactly one
 * file descriptor (SCM_RIGHTS), then, for PR OUT, the parameter list, whose length is CDB
 * bytes 7-8 (what QEMU's client sends), at most {@link #MAX_TRANSFER} bytes.
 *
 * @param fd the descriptor that came with the CDB; the receiver owns it and must close it
 */
public record HelperRequest(byte[] cdb, int fd, byte[] parameterList) {

    public static final int CDB_LENGTH = 16;
    /** PR_HELPER_DATA_SIZE: QEMU never sends or asks for more. */
    public static final int MAX_TRANSFER = 8192;

    public HelperRequest {
        if (cdb.length != CDB_LENGTH) {
            throw new IllegalArgumentException("a request CDB is 16 bytes, not " + cdb.length);
        }
        Objects.requireNonNull(parameterList, "parameterList");
        cdb = cdb.clone();
        parameterList = parameterList.clone();
    }

    @Override
    public byte[] cdb() {
        return cdb.clone();
    }

    @Override
    public byte[] parameterList() {
        return parameterList.clone();
    }

    public int opcode() {
        return cdb[0] & 0xFF;
    }

    /** CDB bytes 7-8: the allocation length of PR IN, the parameter list length QEMU sends for PR OUT. */
    public static int transferLength(byte[] cdb) {
        return (cdb[7] & 0xFF) << 8 | (cdb[8] & 0xFF);
    }

    public int transferLength() {
        return transferLength(cdb);
    }

    /**
     * Reads one request, with no deadline for the rest of a frame once it has begun. Returns
     * null at a clean end of stream before the first byte. Anything malformed is a {@link
     * FrameException}; every fd received is closed then.
     *
     * @param onFirstByte called once the first byte of the frame is in: the command has begun
     */
    public static HelperRequest read(UnixConnection c, Runnable onFirstByte) throws IOException, FrameException {
        return read(c, onFirstByte, Duration.ZERO);
    }

    /**
     * Like {@link #read(UnixConnection, Runnable)}, but the whole frame must be in within
     * {@code frameTimeout} of its first byte (a client that trickles a byte at a time is
     * dropped too), else a {@link FrameException}. Waiting for the first byte is not limited.
     * Leaves the connection's receive timeout changed when the frame took several receives.
     *
     * @param frameTimeout {@link Duration#ZERO}: no deadline
     */
    public static HelperRequest read(UnixConnection c, Runnable onFirstByte, Duration frameTimeout)
            throws IOException, FrameException {
        Deadline deadline = new Deadline(c, frameTimeout);
        byte[] cdb = new byte[CDB_LENGTH];
        List<Integer> fds = new ArrayList<>(1);
        boolean handedOver = false;
        try {
            int got = 0;
            while (got < CDB_LENGTH) {
                if (got > 0) {
                    deadline.arm();
                }
                int n = deadline.receive(cdb, got, CDB_LENGTH - got, fds);
                if (n == 0) {
                    if (got == 0 && fds.isEmpty()) {
                        return null;
                    }
                    throw new FrameException("end of stream after " + got + " of 16 CDB bytes");
                }
                if (got == 0) {
                    deadline.start();
                    onFirstByte.run();
                }
                got += n;
            }
            if (fds.size() != 1) {
                throw new FrameException(fds.isEmpty() ? "CDB without a file descriptor"
                        : "CDB with " + fds.size() + " file descriptors (exactly one expected)");
            }
            int opcode = cdb[0] & 0xFF;
            if (opcode != PersistentReserveInCdb.OPCODE && opcode != PersistentReserveOutCdb.OPCODE) {
                throw new FrameException(String.format("opcode %02Xh is not PERSISTENT RESERVE IN or OUT", opcode));
            }
            int length = transferLength(cdb);
            if (length > MAX_TRANSFER) {
                throw new FrameException("transfer length " + length + " over the protocol's " + MAX_TRANSFER);
            }
            byte[] params = new byte[opcode == PersistentReserveOutCdb.OPCODE ? length : 0];
            int at = 0;
            while (at < params.length) {
                deadline.arm();
                int n = deadline.receive(params, at, params.length - at, fds);
                if (n == 0) {
                    throw new FrameException("end of stream after " + at + " of " + params.length
                            + " parameter list bytes");
                }
                if (fds.size() != 1) {
                    throw new FrameException("a file descriptor arrived with the parameter list");
                }
                at += n;
            }
            HelperRequest r = new HelperRequest(cdb, fds.get(0), params);
            handedOver = true;
            return r;
        } finally {
            if (!handedOver) {
                fds.forEach(Fd::closeQuietly);
            }
        }
    }

    /** The frame timeout, counted from the frame's first byte across all its receives. */
    private static final class Deadline {
        private final UnixConnection c;
        private final Duration timeout;
        private long end;

        Deadline(UnixConnection c, Duration timeout) {
            this.c = c;
            this.timeout = timeout;
        }

        void start() {
            end = System.nanoTime() + timeout.toNanos();
        }

        /** Before a receive that continues a frame: only the time left may be waited. */
        void arm() throws IOException, FrameException {
            if (timeout.isZero()) {
                return;
            }
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw expired();
            }
            c.setReceiveTimeout(Duration.ofNanos(left));
        }

        int receive(byte[] b, int off, int len, List<Integer> fds) throws IOException, FrameException {
            try {
                return c.receive(b, off, len, fds);
            } catch (PosixException e) {
                if (e.isTimeout() && !timeout.isZero()) {
                    throw expired();
                }
                throw e;
            }
        }

        private FrameException expired() {
            return new FrameException("frame not complete within " + timeout.toMillis() + " ms of its first byte");
        }
    }

    /** Sends this request as QEMU does: the CDB with the fd, then the parameter list. */
    public void write(UnixConnection c) throws IOException {
        c.send(cdb, 0, CDB_LENGTH, fd);
        if (parameterList.length > 0) {
            c.send(parameterList, 0, parameterList.length);
        }
    }

    /** A request for a 10-byte PR CDB, zero-padded to 16 as QEMU does. */
    public static HelperRequest of(byte[] cdb10, int fd, byte[] parameterList) {
        return new HelperRequest(Arrays.copyOf(cdb10, CDB_LENGTH), fd, parameterList);
    }

    /** Closes the fd; safe to call twice only if nothing reused the number in between. */
    public void closeFd() {
        Fd.closeQuietly(fd);
    }
}
