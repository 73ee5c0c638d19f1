package org.prsidecar.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;

/**
 * The write-ahead copy beside a sidecar ({@code <sidecar>.journal}), never replaced: it
 * holds the next sidecar bytes, made durable before the sidecar itself is overwritten in
 * place, so that a writer killed mid-write leaves either the old sidecar or a complete new
 * copy to finish with. A fixed 81-byte header line gives the state, the revision, the length
 * and a CRC-32C of the payload:
 *
 * <pre>prsidecar-journal v1 PENDING rev=0000000000000000042 len=0000001234 crc=1e33a019</pre>
 *
 * PENDING: the payload may not have reached the sidecar yet. APPLIED: it did. ABORTED: the
 * update failed and was rolled back; never replay it.
 */
final class SidecarJournal {

    static final String SUFFIX = ".journal";
    static final int HEADER_LENGTH = 81;
    private static final int STATE_OFFSET = 21;
    private static final Pattern HEADER = Pattern.compile(
            "prsidecar-journal v1 (PENDING|APPLIED|ABORTED) rev=(\\d{19}) len=(\\d{10}) crc=([0-9a-f]{8})\n");

    enum State {
        PENDING, APPLIED, ABORTED
    }

    /** What a journal file holds; {@code payload} is present when it is complete and sums right. */
    record Entry(State state, long revision, Optional<byte[]> payload) {
        boolean replayable() {
            return state == State.PENDING && payload.isPresent();
        }
    }

    private SidecarJournal() {
    }

    /** Reads a journal; empty when the file is empty or not even a journal header. */
    static Optional<Entry> read(PosixFile journal, int maxBytes) throws PosixException {
        byte[] all = journal.readAll(maxBytes + HEADER_LENGTH);
        if (all.length < HEADER_LENGTH) {
            return Optional.empty();
        }
        Matcher m = HEADER.matcher(new String(all, 0, HEADER_LENGTH, StandardCharsets.US_ASCII));
        if (!m.matches()) {
            return Optional.empty();
        }
        State state = State.valueOf(m.group(1));
        long revision = Long.parseLong(m.group(2));
        long length = Long.parseLong(m.group(3));
        Optional<byte[]> payload = Optional.empty();
        if (all.length == HEADER_LENGTH + length) {
            byte[] p = Arrays.copyOfRange(all, HEADER_LENGTH, all.length);
            if (String.format("%08x", crc(p)).equals(m.group(4))) {
                payload = Optional.of(p);
            }
        }
        return Optional.of(new Entry(state, revision, payload));
    }

    /** Writes a PENDING entry and makes it durable. */
    static void writePending(PosixFile journal, long revision, byte[] payload) throws PosixException {
        byte[] header = String.format("prsidecar-journal v1 PENDING rev=%019d len=%010d crc=%08x\n", revision,
                payload.length, crc(payload)).getBytes(StandardCharsets.US_ASCII);
        if (header.length != HEADER_LENGTH) {
            throw new IllegalStateException("journal header of " + header.length + " bytes");
        }
        byte[] all = new byte[HEADER_LENGTH + payload.length];
        System.arraycopy(header, 0, all, 0, HEADER_LENGTH);
        System.arraycopy(payload, 0, all, HEADER_LENGTH, payload.length);
        journal.writeFully(all, 0);
        journal.truncate(all.length);
        journal.fsync();
    }

    /** Flips the state word in place; durable only if {@code sync}. */
    static void mark(PosixFile journal, State state, boolean sync) throws PosixException {
        journal.writeFully(state.name().getBytes(StandardCharsets.US_ASCII), STATE_OFFSET);
        if (sync) {
            journal.fsync();
        }
    }

    private static long crc(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return c.getValue();
    }
}
