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
 * The write-ahead copy beside a sidecar ({@code <sidecar>.journal}), never replaced: it holds
 * the next sidecar bytes and the sidecar's previous bytes, made durable before the sidecar is
 * overwritten in place. A writer killed mid-write leaves the old sidecar or a complete new
 * copy to finish with; an update that failed leaves the old bytes to put back. A fixed
 * 112-byte header line gives the state, the revision, and the length and CRC-32C of each copy:
 *
 * <pre>prsidecar-journal v1 PENDING rev=0000000000000000042 len=0000001234 crc=1e33a019 old=0000001200 oldcrc=0a1b2c3d</pre>
 *
 * PENDING: the new bytes may not have reached the sidecar yet (a writer stopped: finish the
 * update). APPLIED: they did. ABORTED: the update failed and the command was answered so:
 * the sidecar must hold the old bytes (put them back if it holds the new ones or is torn).
 */
final class SidecarJournal {

    static final String SUFFIX = ".journal";
    static final int HEADER_LENGTH = 112;
    private static final int STATE_OFFSET = 21;
    private static final Pattern HEADER = Pattern.compile("prsidecar-journal v1 (PENDING|APPLIED|ABORTED)"
            + " rev=(\\d{19}) len=(\\d{10}) crc=([0-9a-f]{8}) old=(\\d{10}) oldcrc=([0-9a-f]{8})\n");

    enum State {
        PENDING, APPLIED, ABORTED
    }

    /**
     * What a journal file holds. {@code payload} (the new sidecar) and {@code previous} (the
     * sidecar before the update) are present when the entry is complete and both sum right.
     */
    record Entry(State state, long revision, Optional<byte[]> payload, Optional<byte[]> previous) {
        /** A writer stopped before the new bytes were surely in the sidecar: finish the update. */
        boolean replayable() {
            return state == State.PENDING && payload.isPresent();
        }

        /** The update failed; the old bytes may have to be put back. */
        boolean undoable() {
            return state == State.ABORTED && previous.isPresent();
        }
    }

    private SidecarJournal() {
    }

    /** Reads a journal; empty when the file is empty or not even a journal header. */
    static Optional<Entry> read(PosixFile journal, int maxBytes) throws PosixException {
        byte[] all = journal.readAll(2 * maxBytes + HEADER_LENGTH);
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
        long oldLength = Long.parseLong(m.group(5));
        if (all.length == HEADER_LENGTH + length + oldLength) {
            byte[] p = Arrays.copyOfRange(all, HEADER_LENGTH, HEADER_LENGTH + (int) length);
            byte[] o = Arrays.copyOfRange(all, HEADER_LENGTH + (int) length, all.length);
            if (sum(p).equals(m.group(4)) && sum(o).equals(m.group(6))) {
                return Optional.of(new Entry(state, revision, Optional.of(p), Optional.of(o)));
            }
        }
        return Optional.of(new Entry(state, revision, Optional.empty(), Optional.empty()));
    }

    /** The state and revision of the header alone (the whole entry is read only when needed). */
    static Optional<Entry> readHeader(PosixFile journal) throws PosixException {
        byte[] h = new byte[HEADER_LENGTH];
        int n = 0;
        while (n < HEADER_LENGTH) {
            int r = journal.read(h, n, HEADER_LENGTH - n, n);
            if (r == 0) {
                return Optional.empty();
            }
            n += r;
        }
        Matcher m = HEADER.matcher(new String(h, StandardCharsets.US_ASCII));
        return m.matches() ? Optional.of(new Entry(State.valueOf(m.group(1)), Long.parseLong(m.group(2)),
                Optional.empty(), Optional.empty())) : Optional.empty();
    }

    /** Writes a PENDING entry for {@code next}, keeping {@code previous}, and makes it durable. */
    static void writePending(PosixFile journal, long revision, byte[] next, byte[] previous) throws PosixException {
        byte[] header = String.format("prsidecar-journal v1 PENDING rev=%019d len=%010d crc=%s old=%010d oldcrc=%s\n",
                revision, next.length, sum(next), previous.length, sum(previous)).getBytes(StandardCharsets.US_ASCII);
        if (header.length != HEADER_LENGTH) {
            throw new IllegalStateException("journal header of " + header.length + " bytes");
        }
        byte[] all = new byte[HEADER_LENGTH + next.length + previous.length];
        System.arraycopy(header, 0, all, 0, HEADER_LENGTH);
        System.arraycopy(next, 0, all, HEADER_LENGTH, next.length);
        System.arraycopy(previous, 0, all, HEADER_LENGTH + next.length, previous.length);
        journal.writeFully(all, 0);
        journal.truncate(all.length);
        journal.fsync();
    }

    /** Flips the state word in place (no allocation: it works on a full disk); durable only if {@code sync}. */
    static void mark(PosixFile journal, State state, boolean sync) throws PosixException {
        journal.writeFully(state.name().getBytes(StandardCharsets.US_ASCII), STATE_OFFSET);
        if (sync) {
            journal.fsync();
        }
    }

    private static String sum(byte[] b) {
        CRC32C c = new CRC32C();
        c.update(b);
        return String.format("%08x", c.getValue());
    }
}
