package org.prsidecar.store;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockTimeoutException;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;

/**
 * Looks at a sidecar and its journal the way {@link SidecarStore} would, without ever
 * writing: under a shared lock on the sidecar (the journal is only written under the
 * sidecar's exclusive lock), it classifies both files and says, for each problem, what the
 * daemon will do with it and what an operator can do. {@code prsidecar check} prints the
 * findings, {@code prsidecar show} reads tables through it, and {@link SidecarRepair} plans
 * from the same {@link Report}.
 */
public final class SidecarCheck {

    /** How bad a finding is. NOTE is information only; WARNING and ERROR are problems. */
    public enum Severity {
        NOTE, WARNING, ERROR;

        public boolean isProblem() {
            return this != NOTE;
        }
    }

    /** One line of a check: which file, how bad, what is wrong and what to do. */
    public record Finding(Severity severity, Path file, String message) {
        public Finding {
            Objects.requireNonNull(severity, "severity");
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(message, "message");
        }
    }

    /** What the sidecar file holds. */
    public enum SidecarState {
        /** No file: the disk has a fresh table. */
        MISSING,
        /** Zero bytes: created but never written, a fresh table. */
        EMPTY,
        /** A valid sidecar of the expected disk. */
        VALID,
        /** Everything valid but the checksum: edited by hand (or damaged in a way that still parses). */
        EDITED,
        /** A valid sidecar, but of another disk. */
        OTHER_DISK,
        /** A prsidecar sidecar of a format version this prsidecar does not read. */
        UNSUPPORTED_VERSION,
        /** Truncated, garbage, or not a valid table. */
        INVALID,
        /** Not something the store opens: a symbolic link, a directory, a device, or too large. */
        REFUSED,
        /** Could not be read: lock timeout, permissions, I/O error. */
        UNREADABLE
    }

    /** What the journal beside the sidecar holds. */
    public enum JournalState {
        NONE,
        /** Zero bytes: harmless, the store ignores it. */
        EMPTY,
        /** Not even a journal header: a write of the journal itself was torn; the store ignores it. */
        TORN_HEADER,
        /** A complete entry that may not have reached the sidecar. */
        PENDING,
        /** An entry whose writer stopped before it was complete and durable: never replayed. */
        PENDING_INCOMPLETE,
        /** The entry reached the sidecar. */
        APPLIED,
        /** The update failed: never finished; the old table it keeps is put back if the sidecar needs it. */
        ABORTED,
        /** A symbolic link or not a regular file. */
        REFUSED,
        UNREADABLE
    }

    /**
     * Everything a check found.
     *
     * @param document VALID: the table; EDITED: the table as it would be once sealed again;
     *     OTHER_DISK: the other disk's table
     * @param journalDocument a complete journal entry that is a valid sidecar of this disk
     * @param journalPayload its bytes, exactly as they would be written back
     * @param journalPrevious the sidecar's bytes from before that entry's update (empty bytes:
     *     a fresh disk), kept to put back if the update failed
     * @param highestRevision the highest revision seen in either file (0 if none)
     */
    public record Report(Path sidecar, Path journal, Optional<String> expectedDisk, SidecarState sidecarState,
            long sidecarSize, Optional<SidecarDocument> document, JournalState journalState,
            OptionalLong journalRevision, Optional<SidecarDocument> journalDocument, Optional<byte[]> journalPayload,
            Optional<byte[]> journalPrevious, long highestRevision, List<Finding> findings) {

        public Report {
            findings = List.copyOf(findings);
        }

        /** Whether anything but notes was found. */
        public boolean hasProblems() {
            return findings.stream().anyMatch(f -> f.severity().isProblem());
        }

        /** The disk this sidecar is about: the expected one, else the one it names. */
        public Optional<String> disk() {
            return expectedDisk.or(() -> document.map(SidecarDocument::disk))
                    .or(() -> journalDocument.map(SidecarDocument::disk));
        }

        /**
         * What a reader (PR IN, {@code show}) gets now, as {@link SidecarStore#readDocument}
         * would answer: the sidecar's table, a fresh table, the table of an interrupted update
         * that the read first finishes from the journal, or nothing (the disk is refused).
         */
        public Served served() {
            boolean replayable = journalState == JournalState.PENDING && journalDocument.isPresent();
            if (undoesFailedUpdate()) {
                return journalPrevious.orElseThrow().length == 0 ? Served.FRESH : Served.PREVIOUS;
            }
            return switch (sidecarState) {
                case VALID -> Served.SIDECAR;
                case MISSING -> Served.FRESH;
                case EMPTY -> replayable ? Served.JOURNAL
                        : journalState == JournalState.PENDING
                                || journalState == JournalState.APPLIED && journalRevision.orElse(0) > 0
                                ? Served.NONE : Served.FRESH;
                case INVALID, EDITED, OTHER_DISK -> replayable ? Served.JOURNAL : Served.NONE;
                default -> Served.NONE;
            };
        }

        /**
         * An update that failed (ABORTED) and whose rollback did not make it: the sidecar holds
         * its table or is torn, so the store puts back the old bytes the entry keeps.
         */
        public boolean undoesFailedUpdate() {
            if (journalState != JournalState.ABORTED || journalPrevious.isEmpty() || journalDocument.isEmpty()) {
                return false;
            }
            return switch (sidecarState) {
                case VALID -> document.equals(journalDocument);
                case EMPTY -> journalPrevious.get().length > 0;
                case INVALID, EDITED, OTHER_DISK -> true;
                default -> false;
            };
        }

        /** The table the journal kept from before its (failed) update, if it is one. */
        public Optional<SidecarDocument> previousDocument() {
            return journalPrevious.filter(b -> b.length > 0).flatMap(b -> {
                try {
                    return Optional.of(SidecarFormat.decode(b, disk().orElse(null)));
                } catch (SidecarFormatException e) {
                    return Optional.empty();
                }
            });
        }

        /** The table {@link #served()} names; empty for a fresh table and for a refused disk. */
        public Optional<SidecarDocument> current() {
            return switch (served()) {
                case SIDECAR -> document;
                case JOURNAL -> journalDocument;
                case PREVIOUS -> previousDocument();
                default -> Optional.empty();
            };
        }
    }

    /** Where a reader's table comes from. */
    public enum Served {
        /** No sidecar, or an empty one: generation 0, nothing registered. */
        FRESH,
        SIDECAR,
        /** The sidecar is torn or empty and the journal holds a complete pending update. */
        JOURNAL,
        /** An update failed and its rollback did not make it: the table from before it, kept in the journal. */
        PREVIOUS,
        /** The daemon refuses the disk until an operator acts. */
        NONE
    }

    private static final ObjectMapper LENIENT = new ObjectMapper();

    /** What a journal's name adds to its sidecar's. */
    public static final String JOURNAL_SUFFIX = SidecarJournal.SUFFIX;

    private SidecarCheck() {
    }

    /** The journal beside {@code sidecar}. */
    public static Path journalOf(Path sidecar) {
        return SidecarStore.journalPath(sidecar);
    }

    /**
     * The disk a sidecar names in its {@code "disk"} field, read without a lock and without
     * validating anything else; else the one a complete entry of its journal names. For
     * telling which disk a sidecar belongs to, never for serving it.
     */
    public static Optional<String> namedDisk(Path sidecar, int maxBytes) {
        Optional<String> own = diskField(sidecarBytes(sidecar, maxBytes));
        if (own.isPresent()) {
            return own;
        }
        JournalFile j = readJournal(journalOf(sidecar), maxBytes);
        return diskField(j.entry().flatMap(SidecarJournal.Entry::payload));
    }

    private static Optional<byte[]> sidecarBytes(Path sidecar, int maxBytes) {
        try {
            if (!FileStat.of(sidecar, false).isRegularFile()) {
                return Optional.empty(); // opening a FIFO would block
            }
        } catch (PosixException e) {
            return Optional.empty();
        }
        try (PosixFile f = PosixFile.open(sidecar, OpenMode.READ_ONLY, 0)) {
            return f.stat().isRegularFile() ? Optional.of(f.readAll(maxBytes)) : Optional.empty();
        } catch (PosixException e) {
            return Optional.empty();
        }
    }

    private static Optional<String> diskField(Optional<byte[]> bytes) {
        if (bytes.isEmpty() || bytes.get().length == 0) {
            return Optional.empty();
        }
        try {
            JsonNode root = LENIENT.readTree(bytes.get());
            JsonNode disk = root == null ? null : root.get("disk");
            return disk != null && disk.isTextual() && !disk.asText().isEmpty() ? Optional.of(disk.asText())
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Inspects {@code sidecar} (and {@code sidecar.journal}) under a shared lock; never
     * writes, never creates either file.
     *
     * @param expectedDisk the disk the sidecar must belong to, when the caller knows it
     */
    public static Report inspect(Path sidecar, Optional<String> expectedDisk, Duration lockTimeout, int maxBytes) {
        Path path = sidecar.toAbsolutePath().normalize();
        Path journal = SidecarStore.journalPath(path);
        FileStat st;
        try {
            st = FileStat.of(path, false);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return analyze(path, expectedDisk, Files.missing(), readJournal(journal, maxBytes));
            }
            return analyze(path, expectedDisk, Files.unreadable("cannot look at it: " + e.getMessage()),
                    readJournal(journal, maxBytes));
        }
        Optional<String> refused = refusal(st, maxBytes);
        if (refused.isPresent()) {
            return analyze(path, expectedDisk, Files.refused(refused.get()), readJournal(journal, maxBytes));
        }
        try (LockedFile lf = FileLocks.system().open(path, OpenMode.READ_ONLY, 0, LockKind.SHARED, lockTimeout)) {
            byte[] bytes = lf.file().readAll(maxBytes);
            return analyze(path, expectedDisk, Files.read(bytes), readJournal(journal, maxBytes));
        } catch (LockTimeoutException e) {
            return analyze(path, expectedDisk, Files.unreadable("no shared lock within " + lockTimeout.toMillis()
                    + " ms: a writer holds it, or the storage does not answer; try again (--lock-timeout)"),
                    JournalFile.missing());
        } catch (IOException e) {
            return analyze(path, expectedDisk, Files.unreadable("cannot read it: " + e.getMessage()
                    + "; check its owner and mode and that the storage is mounted"), readJournal(journal, maxBytes));
        }
    }

    /** Why the store would refuse to open this file at all, if it would. */
    static Optional<String> refusal(FileStat st, int maxBytes) {
        if (st.isSymlink()) {
            return Optional.of("it is a symbolic link; prsidecar does not follow links to sidecars: configure the"
                    + " real path (or replace the link by the file it points to)");
        }
        if (!st.isRegularFile()) {
            return Optional.of("it is a " + st.kindName() + ", not a regular file: move it away; the daemon refuses"
                    + " this disk until then");
        }
        if (st.size() > maxBytes) {
            return Optional.of("it holds " + st.size() + " bytes, over the limit of " + maxBytes
                    + ": it is not a sidecar prsidecar wrote; restore it from a backup, or reset the table with"
                    + " 'prsidecar repair --reset --yes'");
        }
        return Optional.empty();
    }

    /** What was read of the sidecar: absent, its bytes, or why it could not be read. */
    record Files(boolean exists, Optional<byte[]> bytes, Optional<String> refused, Optional<String> unreadable) {
        static Files missing() {
            return new Files(false, Optional.empty(), Optional.empty(), Optional.empty());
        }

        static Files read(byte[] b) {
            return new Files(true, Optional.of(b), Optional.empty(), Optional.empty());
        }

        static Files refused(String why) {
            return new Files(true, Optional.empty(), Optional.of(why), Optional.empty());
        }

        static Files unreadable(String why) {
            return new Files(true, Optional.empty(), Optional.empty(), Optional.of(why));
        }
    }

    /** What was read of the journal: absent, its size and entry, or why it could not be read. */
    record JournalFile(boolean exists, long size, Optional<SidecarJournal.Entry> entry, Optional<String> refused,
            Optional<String> unreadable) {
        static JournalFile missing() {
            return new JournalFile(false, -1, Optional.empty(), Optional.empty(), Optional.empty());
        }

        static JournalFile refused(String why) {
            return new JournalFile(true, -1, Optional.empty(), Optional.of(why), Optional.empty());
        }

        static JournalFile unreadable(String why) {
            return new JournalFile(true, -1, Optional.empty(), Optional.empty(), Optional.of(why));
        }
    }

    /** Reads a journal without locking it (callers hold the sidecar's lock, or there is no sidecar). */
    static JournalFile readJournal(Path journal, int maxBytes) {
        FileStat st;
        try {
            st = FileStat.of(journal, false);
        } catch (PosixException e) {
            return e.errno() == Errno.ENOENT ? JournalFile.missing()
                    : JournalFile.unreadable("cannot look at it: " + e.getMessage());
        }
        if (st.isSymlink() || !st.isRegularFile()) {
            return JournalFile.refused("it is a " + (st.isSymlink() ? "symbolic link" : st.kindName())
                    + ", not a regular file: move it away");
        }
        try (PosixFile f = PosixFile.open(journal, OpenMode.READ_ONLY, 0)) {
            return new JournalFile(true, f.stat().size(), SidecarJournal.read(f, maxBytes), Optional.empty(),
                    Optional.empty());
        } catch (PosixException e) {
            return e.errno() == Errno.ENOENT ? JournalFile.missing()
                    : JournalFile.unreadable("cannot read it: " + e.getMessage());
        }
    }

    // ---------------------------------------------------------------- analysis (pure)

    /** The sidecar's bytes, classified. */
    private record Classified(SidecarState state, Optional<SidecarDocument> doc, String why) {
    }

    static Report analyze(Path sidecar, Optional<String> expectedDisk, Files side, JournalFile jour) {
        Path journalPath = SidecarStore.journalPath(sidecar);
        List<Finding> findings = new ArrayList<>();
        long size = side.bytes().map(b -> (long) b.length).orElse(side.exists() ? 0L : -1L);

        Classified c;
        if (!side.exists()) {
            c = new Classified(SidecarState.MISSING, Optional.empty(), "");
        } else if (side.refused().isPresent()) {
            c = new Classified(SidecarState.REFUSED, Optional.empty(), side.refused().get());
        } else if (side.unreadable().isPresent()) {
            c = new Classified(SidecarState.UNREADABLE, Optional.empty(), side.unreadable().get());
        } else {
            c = classify(side.bytes().orElseThrow(), expectedDisk);
        }

        // the journal, judged against the disk the sidecar belongs to
        Optional<String> disk = expectedDisk.or(() -> c.doc().map(SidecarDocument::disk));
        JournalState js = JournalState.NONE;
        OptionalLong jrev = OptionalLong.empty();
        Optional<SidecarDocument> jdoc = Optional.empty();
        Optional<byte[]> jpayload = Optional.empty();
        Optional<byte[]> jprevious = Optional.empty();
        String jproblem = null;
        if (jour.refused().isPresent()) {
            js = JournalState.REFUSED;
            jproblem = jour.refused().get();
        } else if (jour.unreadable().isPresent()) {
            js = JournalState.UNREADABLE;
            jproblem = jour.unreadable().get();
        } else if (jour.exists()) {
            Optional<SidecarJournal.Entry> entry = jour.entry();
            if (jour.size() == 0) {
                js = JournalState.EMPTY;
            } else if (entry.isEmpty()) {
                js = JournalState.TORN_HEADER;
            } else {
                SidecarJournal.Entry e = entry.get();
                jrev = OptionalLong.of(e.revision());
                js = switch (e.state()) {
                    case PENDING -> e.payload().isPresent() ? JournalState.PENDING : JournalState.PENDING_INCOMPLETE;
                    case APPLIED -> JournalState.APPLIED;
                    case ABORTED -> JournalState.ABORTED;
                };
                if (e.payload().isPresent()) {
                    try {
                        jdoc = Optional.of(SidecarFormat.decode(e.payload().get(), disk.orElse(null)));
                        jpayload = e.payload();
                        jprevious = e.previous();
                    } catch (SidecarFormatException ex) {
                        jproblem = ex.getMessage();
                    }
                } else if (js != JournalState.PENDING_INCOMPLETE) {
                    jproblem = "its entry is incomplete";
                }
            }
        }
        long highest = Math.max(c.doc().map(SidecarDocument::revision).orElse(0L), jrev.orElse(0));
        if (side.bytes().isPresent()) {
            OptionalLong peek = SidecarFormat.peekRevision(side.bytes().get(), side.bytes().get().length);
            highest = Math.max(highest, peek.orElse(0));
        }

        sidecarFindings(findings, sidecar, c, js, jrev, jdoc);
        journalFindings(findings, journalPath, c, js, jrev, jdoc, jproblem);
        Report report = new Report(sidecar, journalPath, expectedDisk, c.state(), size, c.doc(), js, jrev, jdoc,
                jpayload, jprevious, highest, findings);
        if (report.undoesFailedUpdate()) {
            List<Finding> more = new ArrayList<>(findings);
            more.add(new Finding(Severity.WARNING, journalPath, "failed update: revision " + jrev.getAsLong()
                    + " was answered with an error, but putting the old table back did not make it, so the sidecar"
                    + " holds that update or is torn. The daemon puts the old table (kept in the journal) back on"
                    + " its next access; 'prsidecar repair' does it now"));
            report = new Report(sidecar, journalPath, expectedDisk, c.state(), size, c.doc(), js, jrev, jdoc,
                    jpayload, jprevious, highest, more);
        }
        return report;
    }

    /** Classifies the bytes of an existing, readable sidecar. */
    private static Classified classify(byte[] bytes, Optional<String> expectedDisk) {
        if (bytes.length == 0) {
            return new Classified(SidecarState.EMPTY, Optional.empty(), "");
        }
        JsonNode root;
        try {
            root = LENIENT.readTree(bytes);
        } catch (IOException e) {
            String head = new String(bytes, 0, Math.min(bytes.length, SidecarFormat.HEAD_LENGTH), StandardCharsets.UTF_8);
            boolean looksLikeSidecar = head.stripLeading().startsWith("{") && head.contains(SidecarFormat.FORMAT);
            return new Classified(SidecarState.INVALID, Optional.empty(), looksLikeSidecar
                    ? "it is cut short: a sidecar that ends after " + bytes.length + " bytes in the middle of its"
                            + " JSON (" + firstLine(e.getMessage()) + "), a truncated or torn write"
                    : "it is not JSON at all (" + firstLine(e.getMessage()) + "): garbage, or another file"
                            + " written over it");
        }
        if (root == null || !root.isObject()) {
            return new Classified(SidecarState.INVALID, Optional.empty(), "it is JSON but not a JSON object:"
                    + " not a prsidecar sidecar");
        }
        JsonNode format = root.get("format");
        if (format == null || !SidecarFormat.FORMAT.equals(format.asText(null))) {
            return new Classified(SidecarState.INVALID, Optional.empty(), "it is JSON but not a prsidecar sidecar"
                    + " (its \"format\" is " + (format == null ? "missing" : format) + ", not \""
                    + SidecarFormat.FORMAT + "\")");
        }
        JsonNode version = root.get("version");
        if (version == null || !version.isIntegralNumber() || version.asLong() != SidecarFormat.VERSION) {
            return new Classified(SidecarState.UNSUPPORTED_VERSION, Optional.empty(), "its format version is "
                    + version + ", and this prsidecar reads version " + SidecarFormat.VERSION);
        }
        SidecarDocument doc;
        try {
            doc = SidecarFormat.decode(bytes, null);
        } catch (SidecarFormatException e) {
            Optional<SidecarDocument> sealed = contentIgnoringChecksum(bytes);
            if (sealed.isEmpty()) {
                return new Classified(SidecarState.INVALID, Optional.empty(), "it is not a valid table: "
                        + e.getMessage());
            }
            JsonNode stored = root.get("checksum");
            String why = "its content is a valid table, but " + (stored == null || !stored.isTextual()
                    ? "it has no checksum" : "its checksum " + stored.asText() + " does not match the content"
                            + " (which sums to " + checksumOf(sealed.get()) + ")")
                    + ": it was edited by hand, or damaged";
            if (expectedDisk.isPresent() && !expectedDisk.get().equals(sealed.get().disk())) {
                return new Classified(SidecarState.OTHER_DISK, sealed, why + "; and it belongs to disk \""
                        + sealed.get().disk() + "\", not \"" + expectedDisk.get() + "\"");
            }
            return new Classified(SidecarState.EDITED, sealed, why);
        }
        if (expectedDisk.isPresent() && !expectedDisk.get().equals(doc.disk())) {
            return new Classified(SidecarState.OTHER_DISK, Optional.of(doc), "it belongs to disk \"" + doc.disk()
                    + "\", not \"" + expectedDisk.get() + "\"");
        }
        return new Classified(SidecarState.VALID, Optional.of(doc), "");
    }

    /** The document a sidecar holds when everything but its checksum is valid; empty otherwise. */
    static Optional<SidecarDocument> contentIgnoringChecksum(byte[] bytes) {
        try {
            return Optional.of(SidecarFormat.decodeIgnoringChecksum(bytes, null));
        } catch (SidecarFormatException e) {
            return Optional.empty();
        }
    }

    /** The checksum field a document is sealed with. */
    static String checksumOf(SidecarDocument doc) {
        return SidecarFormat.checksumOf(doc);
    }

    private static byte[] bytesOf(ObjectNode n) {
        try {
            return LENIENT.writeValueAsBytes(n);
        } catch (IOException e) {
            throw new IllegalStateException("cannot serialize a JSON tree", e);
        }
    }

    private static void sidecarFindings(List<Finding> out, Path sidecar, Classified c, JournalState js,
            OptionalLong jrev, Optional<SidecarDocument> jdoc) {
        boolean journalRestores = jdoc.isPresent() && (js == JournalState.PENDING || js == JournalState.APPLIED);
        String restore = journalRestores
                ? "its journal holds a complete copy of revision " + jrev.getAsLong() + ": 'prsidecar repair "
                        + sidecar + "' puts it back" + (js == JournalState.PENDING
                                ? " (the daemon also does, on its next access to the disk)" : "")
                : "restore it from a backup, or start the disk from an empty table with 'prsidecar repair --reset"
                        + " --yes " + sidecar + "' (the file is backed up first)";
        switch (c.state()) {
            case MISSING -> {
                if (js == JournalState.NONE) {
                    out.add(new Finding(Severity.NOTE, sidecar, "no sidecar yet: the disk has a fresh, empty table"
                            + " (the first PR OUT creates the file)"));
                }
            }
            case EMPTY -> {
                if (js != JournalState.APPLIED || jrev.orElse(0) == 0) {
                    out.add(new Finding(Severity.NOTE, sidecar, "empty: a fresh table (created, never written)"));
                }
            }
            case VALID -> { }
            case EDITED -> out.add(new Finding(Severity.ERROR, sidecar, c.why() + ". The daemon refuses this disk"
                    + " until it is sealed again or replaced. 'prsidecar repair " + sidecar + "' prints the table it"
                    + " holds; if the edit is deliberate, 'prsidecar repair --accept-edits " + sidecar
                    + "' seals it" + (journalRestores ? "; 'prsidecar repair --from-journal " + sidecar
                            + "' undoes it (back to revision " + jrev.getAsLong() + ")" : "")));
            case OTHER_DISK -> out.add(new Finding(Severity.ERROR, sidecar, c.why() + ": it was copied or renamed"
                    + " from another disk's sidecar, or the disk's identity changed. The daemon refuses this disk."
                    + " Move it back where it belongs, or start this disk from an empty table with 'prsidecar repair"
                    + " --reset --yes " + sidecar + "' (the file is backed up first)"));
            case UNSUPPORTED_VERSION -> out.add(new Finding(Severity.ERROR, sidecar, c.why() + ": it was written by"
                    + " a newer prsidecar. Upgrade prsidecar on this host; do not repair or reset it"));
            case INVALID -> out.add(new Finding(Severity.ERROR, sidecar, c.why() + ". The daemon "
                    + (js == JournalState.PENDING && jdoc.isPresent() ? "restores it from the journal on its next"
                            + " access; " : "refuses this disk until it is fixed; ") + restore));
            case REFUSED, UNREADABLE -> out.add(new Finding(Severity.ERROR, sidecar, c.why()));
        }
    }

    private static void journalFindings(List<Finding> out, Path journal, Classified c, JournalState js,
            OptionalLong jrev, Optional<SidecarDocument> jdoc, String jproblem) {
        SidecarState s = c.state();
        String rev = jrev.isPresent() ? "revision " + jrev.getAsLong() : "";
        boolean sidecarBroken = s == SidecarState.INVALID || s == SidecarState.EDITED;
        switch (js) {
            case NONE -> { }
            case EMPTY -> {
                if (s == SidecarState.MISSING) {
                    out.add(new Finding(Severity.ERROR, journal, "journal without sidecar: the sidecar is missing"
                            + " (deleted?) and its empty journal makes the daemon refuse the disk. Restore the"
                            + " sidecar from a backup, or start from an empty table with 'prsidecar repair --reset"
                            + " --yes'"));
                }
            }
            case REFUSED, UNREADABLE -> out.add(new Finding(Severity.ERROR, journal, jproblem
                    + "; the daemon cannot update this disk until then"));
            case TORN_HEADER -> out.add(s == SidecarState.MISSING
                    ? new Finding(Severity.ERROR, journal, "journal without sidecar: the sidecar is missing and its"
                            + " journal is torn (no header), so the daemon refuses the disk and the table is lost."
                            + " Restore the sidecar from a backup, or 'prsidecar repair --reset --yes'")
                    : new Finding(Severity.WARNING, journal, "torn journal: it does not even start with a journal"
                            + " header, so an update died while writing it, before touching the sidecar. The daemon"
                            + " ignores it; 'prsidecar repair' empties it (keeping a backup)"));
            case PENDING_INCOMPLETE -> out.add(new Finding(s == SidecarState.MISSING ? Severity.ERROR
                    : Severity.WARNING, journal, "torn journal: an update to " + rev + " died before its journal"
                            + " entry was complete, so it never reached the sidecar. "
                            + (s == SidecarState.MISSING
                                    ? "The sidecar is missing too: the table is lost; restore the sidecar from a"
                                            + " backup, or 'prsidecar repair --reset --yes'"
                                    : "The daemon's next update discards it; 'prsidecar repair' does it now")));
            case PENDING -> {
                if (jdoc.isEmpty()) {
                    out.add(new Finding(Severity.ERROR, journal, "a complete pending entry for " + rev + " that is"
                            + " not a valid sidecar of this disk (" + jproblem + "): the daemon refuses to update the"
                            + " disk; 'prsidecar repair' sets it aside (keeping a backup)"));
                } else if (s == SidecarState.MISSING) {
                    out.add(new Finding(Severity.ERROR, journal, "journal without sidecar: it holds a complete"
                            + " pending " + rev + " but the sidecar is missing, so the daemon refuses the disk."
                            + " 'prsidecar repair' recreates the sidecar from it, or restore the sidecar from a"
                            + " backup"));
                } else if (s == SidecarState.VALID && c.doc().orElseThrow().revision() >= jrev.getAsLong()) {
                    out.add(new Finding(Severity.NOTE, journal, "a finished update (" + rev + ") not yet marked"
                            + " done; harmless, the next update marks it"));
                } else if (s == SidecarState.VALID || s == SidecarState.EMPTY || sidecarBroken) {
                    out.add(new Finding(Severity.WARNING, journal, "interrupted update: the journal holds the"
                            + " complete " + rev + ", which " + (s == SidecarState.VALID ? "the sidecar (still at"
                                    + " revision " + c.doc().orElseThrow().revision() + ") has not received yet"
                                    : "never fully reached the sidecar") + ". The daemon finishes it on its next"
                            + (s == SidecarState.VALID ? " update (until then readers see the older revision)"
                                    : " access") + "; 'prsidecar repair' finishes it now"
                            + (s == SidecarState.EDITED ? " (only with --from-journal, which drops the hand edit)"
                                    : "")));
                }
            }
            case APPLIED -> {
                if (s == SidecarState.MISSING || (s == SidecarState.EMPTY && jrev.orElse(0) > 0)) {
                    out.add(new Finding(Severity.ERROR, journal, (s == SidecarState.MISSING
                            ? "journal without sidecar: the sidecar is missing"
                            : "the sidecar is empty") + " but its journal records that " + rev + " was written, so"
                            + " the daemon refuses the disk. " + (jdoc.isPresent()
                                    ? "'prsidecar repair' rebuilds the sidecar from the journal's copy"
                                    : "The journal's copy is not usable (" + jproblem + "): restore the sidecar from"
                                            + " a backup, or 'prsidecar repair --reset --yes'")));
                } else if (s == SidecarState.VALID && c.doc().orElseThrow().revision() < jrev.getAsLong()) {
                    out.add(new Finding(Severity.NOTE, journal, "records " + rev + ", newer than the sidecar's"
                            + " revision " + c.doc().orElseThrow().revision() + ": was the sidecar restored from an"
                            + " older copy?"));
                }
            }
            case ABORTED -> {
                if (s == SidecarState.MISSING) {
                    out.add(new Finding(Severity.ERROR, journal, "journal without sidecar: the sidecar is missing"
                            + " and the journal holds only a rolled-back update, so the daemon refuses the disk."
                            + " Restore the sidecar from a backup, or 'prsidecar repair --reset --yes'"));
                }
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
