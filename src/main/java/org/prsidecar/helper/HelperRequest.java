package org.prsidecar.helper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.prsidecar.posix.Fd;
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
     * Reads one request. Returns null at a clean end of stream before the first byte.
     * Anything malformed is a {@link FrameException}; every fd received is closed then.
     *
     * @param onFirstByte called once the first byte of the frame is in: the command has begun
     */
    public static HelperRequest read(UnixConnection c, Runnable onFirstByte) throws IOException, FrameException {
        byte[] cdb = new byte[CDB_LENGTH];
        List<Integer> fds = new ArrayList<>(1);
        boolean handedOver = false;
        try {
            int got = 0;
            while (got < CDB_LENGTH) {
                int n = c.receive(cdb, got, CDB_LENGTH - got, fds);
                if (n == 0) {
                    if (got == 0 && fds.isEmpty()) {
                        return null;
                    }
                    throw new FrameException("end of stream after " + got + " of 16 CDB bytes");
                }
                if (got == 0) {
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
                int n = c.receive(params, at, params.length - at, fds);
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
