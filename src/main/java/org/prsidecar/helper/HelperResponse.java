package org.prsidecar.helper;

import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * One response of the pr-helper protocol: {@code int32 result} (SCSI status), {@code int32 sz},
 * 96 bytes of sense (meaningful with CHECK CONDITION), then {@code sz} data bytes; big-endian.
 * QEMU asserts that PR IN data fits the allocation length and that PR OUT has none: the
 * server checks both before sending ({@link #checkFits}).
 */
public record HelperResponse(int result, byte[] sense, byte[] data) {

    public static final int SENSE_LENGTH = 96;
    public static final int HEADER_LENGTH = 8 + SENSE_LENGTH;

    public HelperResponse {
        if (sense.length != SENSE_LENGTH) {
            throw new IllegalArgumentException("sense is 96 bytes, not " + sense.length);
        }
        Objects.requireNonNull(data, "data");
        if (data.length > HelperRequest.MAX_TRANSFER) {
            throw new IllegalArgumentException("data over the protocol's " + HelperRequest.MAX_TRANSFER + " bytes");
        }
        sense = sense.clone();
        data = data.clone();
    }

    public static HelperResponse of(ScsiStatus status, Optional<SenseData> sense, byte[] data) {
        byte[] s = new byte[SENSE_LENGTH];
        sense.ifPresent(d -> d.encodeInto(s));
        return new HelperResponse(status.code(), s, data);
    }

    public static HelperResponse of(ScsiException e) {
        return of(e.status(), e.sense(), new byte[0]);
    }

    @Override
    public byte[] sense() {
        return sense.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public Optional<ScsiStatus> status() {
        return ScsiStatus.fromCode(result);
    }

    /** The decoded sense, for CHECK CONDITION. */
    public Optional<SenseData> senseData() {
        if (result != ScsiStatus.CHECK_CONDITION.code()) {
            return Optional.empty();
        }
        try {
            return Optional.of(SenseData.decode(sense));
        } catch (ScsiException e) {
            return Optional.empty();
        }
    }

    /**
     * QEMU's hard rules (it aborts otherwise): no data for PR OUT, at most the allocation
     * length for PR IN.
     *
     * @throws IllegalStateException if this response would crash QEMU
     */
    public void checkFits(HelperRequest request) {
        boolean prOut = request.opcode() == 0x5F;
        int limit = prOut ? 0 : request.transferLength();
        if (data.length > limit) {
            throw new IllegalStateException("a " + data.length + "-byte answer to "
                    + (prOut ? "PR OUT" : "PR IN with allocation length " + limit) + " would crash QEMU");
        }
    }

    public byte[] encode() {
        byte[] b = new byte[HEADER_LENGTH + data.length];
        putInt(b, 0, result);
        putInt(b, 4, data.length);
        System.arraycopy(sense, 0, b, 8, SENSE_LENGTH);
        System.arraycopy(data, 0, b, HEADER_LENGTH, data.length);
        return b;
    }

    public void write(UnixConnection c) throws IOException {
        byte[] b = encode();
        c.send(b, 0, b.length);
    }

    /**
     * Reads a response as QEMU's client does. A size over the protocol's maximum or over
     * {@code maxData} is a {@link FrameException}; so is an early end of stream.
     */
    public static HelperResponse read(UnixConnection c, int maxData) throws IOException, FrameException {
        byte[] header = readFully(c, HEADER_LENGTH, "response header");
        int size = getInt(header, 4);
        if (size < 0 || size > Math.min(maxData, HelperRequest.MAX_TRANSFER)) {
            throw new FrameException("response announces " + size + " data bytes; at most "
                    + Math.min(maxData, HelperRequest.MAX_TRANSFER) + " allowed");
        }
        return new HelperResponse(getInt(header, 0), Arrays.copyOfRange(header, 8, HEADER_LENGTH),
                readFully(c, size, "response data"));
    }

    static byte[] readFully(UnixConnection c, int n, String what) throws IOException, FrameException {
        byte[] b = new byte[n];
        int at = 0;
        while (at < n) {
            int r = c.receive(b, at, n - at);
            if (r == 0) {
                throw new FrameException("end of stream after " + at + " of " + n + " bytes of the " + what);
            }
            at += r;
        }
        return b;
    }

    static void putInt(byte[] b, int off, int v) {
        b[off] = (byte) (v >>> 24);
        b[off + 1] = (byte) (v >>> 16);
        b[off + 2] = (byte) (v >>> 8);
        b[off + 3] = (byte) v;
    }

    static int getInt(byte[] b, int off) {
        return (b[off] & 0xFF) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
