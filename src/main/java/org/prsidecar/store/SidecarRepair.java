package org.prsidecar.store;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.SidecarCheck.JournalState;
import org.prsidecar.store.SidecarCheck.Report;
import org.prsidecar.store.SidecarCheck.SidecarState;

/**
 * Explicit repair of one sidecar, never run by the daemon. Plans from a {@link SidecarCheck}
 * of the files, then, under the sidecar's exclusive lock, looks again, keeps a backup copy of
 * the sidecar and of the journal ({@code FILE.bak-<UTC time>}) and writes the way
 * {@link SidecarStore} does: in place (the sidecar's inode is never replaced: other hosts
 * lock it), durable, the journal first whenever new bytes are made.
 *
 * <p>What it does, by state: finishes an interrupted update, or rebuilds a torn, empty or
 * missing sidecar, from a complete journal entry; sets aside journal entries the daemon
 * would drop anyway; and only when asked, seals a hand-edited sidecar again
 * ({@link Flags#acceptEdits}), restores the journal's copy over a sidecar that still parses
 * ({@link Flags#fromJournal}), or resets the table ({@link Flags#reset}).
 */
public final class SidecarRepair {

    /** What a repair does. */
    public enum Action {
        /** The files are fine (or the flags asked for nothing that applies). */
        NOTHING,
        /** A complete pending journal entry did not reach the sidecar: write it there. */
        FINISH_FROM_JOURNAL,
        /** An update failed and its rollback did not make it: write back the old table the journal kept. */
        UNDO_FAILED_UPDATE,
        /** The sidecar is torn, empty, missing or (asked for) replaced: write the journal's copy. */
        RESTORE_FROM_JOURNAL,
        /** A pending entry that the sidecar already holds (or is newer than): mark it done. */
        MARK_JOURNAL_APPLIED,
        /** An incomplete pending entry, or one that is no sidecar of this disk: mark it aborted. */
        DISCARD_JOURNAL_ENTRY,
        /** A journal that does not even have a header: empty it. */
        CLEAR_JOURNAL,
        /** A hand-edited sidecar: write its table again with a right checksum and a new revision. */
        RESEAL,
        /** Write an empty table. */
        RESET,
        /** Nothing is done: the description says why and what the operator can do. */
        REFUSE
    }

    /** What the operator asked for, beyond the default repairs. */
    public record Flags(boolean acceptEdits, boolean fromJournal, boolean reset) {
        public static final Flags NONE = new Flags(false, false, false);
    }

    /**
     * A planned repair.
     *
     * @param table the table the sidecar holds afterwards; for a refused edited sidecar, the
     *     table the edit describes (so that it can be reviewed)
     */
    public record Plan(Action action, String description, Optional<SidecarDocument> table, Report report) {
        public Plan {
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(table, "table");
            Objects.requireNonNull(report, "report");
        }

        /** Whether carrying out this plan writes anything. */
        public boolean writes() {
            return action != Action.NOTHING && action != Action.REFUSE;
        }
    }

    /** What a repair did: the plan it carried out (as planned under the lock) and the backups it kept. */
    public record Result(Plan plan, List<Path> backups, boolean written) {
        public Result {
            backups = List.copyOf(backups);
        }
    }

    /** How repairs run: lock deadline, size limit and mode of created files, and who writes. */
    public record Options(Duration lockTimeout, int maxSidecarBytes, int createMode, String host, String program,
            Clock clock) {
        public Options {
            Objects.requireNonNull(lockTimeout, "lockTimeout");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(program, "program");
            Objects.requireNonNull(clock, "clock");
        }

        /** As {@link SidecarStore.Options}: the same limits and mode, and the same host name. */
        public static Options of(SidecarStore.Options store, String program) {
            return new Options(store.lockTimeout(), store.maxSidecarBytes(), store.createMode(), store.host(), program,
                    Clock.systemUTC());
        }
    }

    private static final DateTimeFormatter STAMP = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final int COPY_CHUNK = 64 * 1024;

    private final Options options;
    private final FileLocks locks;

    public SidecarRepair(Options options) {
        this(options, FileLocks.system());
    }

    SidecarRepair(Options options, FileLocks locks) {
        this.options = Objects.requireNonNull(options, "options");
        this.locks = Objects.requireNonNull(locks, "locks");
    }

    /** The plan for this disk as its files are now; writes nothing. */
    public Plan plan(Disk disk, Flags flags) {
        return plan(SidecarCheck.inspect(disk.sidecar(), Optional.of(disk.id()), options.lockTimeout(),
                options.maxSidecarBytes()), disk, flags);
    }

    /**
     * Plans, then, under the exclusive lock, plans again from what the files hold then and
     * carries that plan out: backups first, then the writes.
     *
     * @throws IOException if the lock, a backup or a write fails; a write interrupted after
     *     the journal entry was made durable is finished by the daemon's next access
     */
    public Result run(Disk disk, Flags flags) throws IOException {
        Plan first = plan(disk, flags);
        if (!first.writes()) {
            return new Result(first, List.of(), false);
        }
        Path path = disk.sidecar();
        boolean mayCreate = first.report().sidecarState() == SidecarState.MISSING;
        try (LockedFile lf = locks.open(path, mayCreate ? OpenMode.READ_WRITE_CREATE : OpenMode.READ_WRITE,
                options.createMode(), LockKind.EXCLUSIVE, options.lockTimeout())) {
            PosixFile main = lf.file();
            FileStat st = main.stat();
            boolean created = mayCreate && st.size() == 0;
            SidecarCheck.Files side;
            Optional<String> refused = SidecarCheck.refusal(st, options.maxSidecarBytes());
            if (refused.isPresent()) {
                side = SidecarCheck.Files.refused(refused.get());
            } else {
                byte[] bytes = main.readAll(options.maxSidecarBytes());
                side = created ? SidecarCheck.Files.missing() : SidecarCheck.Files.read(bytes);
            }
            Report report = SidecarCheck.analyze(path, Optional.of(disk.id()), side,
                    SidecarCheck.readJournal(SidecarStore.journalPath(path), options.maxSidecarBytes()));
            Plan plan = plan(report, disk, flags);
            if (!plan.writes()) {
                return new Result(plan, List.of(), false);
            }
            List<Path> backups = backUp(main, created, report);
            carryOut(plan, main, created);
            return new Result(plan, backups, true);
        }
    }

    // ---------------------------------------------------------------- planning (pure)

    Plan plan(Report r, Disk disk, Flags flags) {
        SidecarState s = r.sidecarState();
        JournalState j = r.journalState();
        boolean usableJournal = r.journalDocument().isPresent()
                && (j == JournalState.PENDING || j == JournalState.APPLIED);
        if (s == SidecarState.REFUSED || s == SidecarState.UNREADABLE) {
            return refuse(r, "the sidecar cannot be repaired in place: " + firstFinding(r, r.sidecar()));
        }
        if (j == JournalState.REFUSED || j == JournalState.UNREADABLE) {
            return refuse(r, "the journal cannot be used: " + firstFinding(r, r.journal()));
        }
        if (flags.reset()) {
            SidecarDocument empty = document(disk, r.highestRevision() + 1, ReservationTable.empty());
            return new Plan(Action.RESET, "reset the table to an empty one (revision " + empty.revision()
                    + "); " + describeLoss(r), Optional.of(empty), r);
        }
        if (flags.acceptEdits()) {
            if (s == SidecarState.EDITED) {
                SidecarDocument edited = r.document().orElseThrow();
                SidecarDocument sealed = document(disk, r.highestRevision() + 1, edited.table());
                return new Plan(Action.RESEAL, "seal the hand-edited table again as revision " + sealed.revision()
                        + " (its content is kept, its checksum recomputed)", Optional.of(sealed), r);
            }
            if (s == SidecarState.VALID) {
                return new Plan(Action.NOTHING, "the sidecar's checksum is right: there is no edit to accept",
                        r.document(), r);
            }
            return refuse(r, "--accept-edits seals a sidecar whose content is a valid table of this disk and only"
                    + " its checksum is wrong; this one is not: " + firstFinding(r, r.sidecar()));
        }
        if (flags.fromJournal()) {
            if (!usableJournal) {
                return refuse(r, "the journal holds no complete copy of a table of this disk to restore ("
                        + describeJournal(r) + ")");
            }
            return fromJournal(r, Action.RESTORE_FROM_JOURNAL, "restore revision " + r.journalRevision().getAsLong()
                    + " from the journal over the sidecar (" + describeSidecar(r) + ")");
        }
        if (r.undoesFailedUpdate()) {
            return new Plan(Action.UNDO_FAILED_UPDATE, "put back the table from before the update to revision "
                    + r.journalRevision().getAsLong() + ", which failed and was answered so (the journal kept it)",
                    r.previousDocument(), r);
        }
        return switch (s) {
            case UNSUPPORTED_VERSION -> refuse(r, firstFinding(r, r.sidecar()));
            case OTHER_DISK -> refuse(r, firstFinding(r, r.sidecar()));
            case EDITED -> new Plan(Action.REFUSE, "the sidecar was edited by hand (its checksum does not match)."
                    + " To keep the table it holds: --accept-edits. "
                    + (usableJournal ? "To go back to the journal's revision " + r.journalRevision().getAsLong()
                            + ": --from-journal. " : "")
                    + "To start from an empty table: --reset --yes", r.document(), r);
            case VALID -> planForValidSidecar(r);
            case EMPTY -> planForEmptySidecar(r, usableJournal);
            case MISSING -> planForMissingSidecar(r, usableJournal);
            case INVALID -> usableJournal
                    ? fromJournal(r, j == JournalState.PENDING ? Action.FINISH_FROM_JOURNAL : Action.RESTORE_FROM_JOURNAL,
                            "rebuild the torn sidecar from the journal's complete revision "
                                    + r.journalRevision().getAsLong())
                    : refuse(r, "the sidecar is broken and its journal holds no usable copy ("
                            + describeJournal(r) + "): restore the sidecar from a backup, or start from an empty"
                            + " table with --reset --yes");
            default -> refuse(r, firstFinding(r, r.sidecar()));
        };
    }

    private Plan planForValidSidecar(Report r) {
        long have = r.document().orElseThrow().revision();
        return switch (r.journalState()) {
            case PENDING -> {
                if (r.journalDocument().isEmpty()) {
                    yield new Plan(Action.DISCARD_JOURNAL_ENTRY, "set aside the journal's pending entry, which is"
                            + " not a valid sidecar of this disk (marked aborted; the daemon refuses updates until"
                            + " then)", r.document(), r);
                }
                long pending = r.journalRevision().getAsLong();
                yield pending > have
                        ? fromJournal(r, Action.FINISH_FROM_JOURNAL, "finish the interrupted update: write the"
                                + " journal's revision " + pending + " over the sidecar's revision " + have)
                        : new Plan(Action.MARK_JOURNAL_APPLIED, "mark the journal's pending revision " + pending
                                + " done: the sidecar already holds revision " + have, r.document(), r);
            }
            case PENDING_INCOMPLETE -> new Plan(Action.DISCARD_JOURNAL_ENTRY, "discard the journal's incomplete entry"
                    + " (an update that died before it was durable; the sidecar never saw it)", r.document(), r);
            case TORN_HEADER -> new Plan(Action.CLEAR_JOURNAL, "empty the torn journal (no header; the daemon"
                    + " ignores it)", r.document(), r);
            default -> new Plan(Action.NOTHING, "the sidecar is valid (revision " + have + ") and its journal needs"
                    + " nothing: nothing to repair", r.document(), r);
        };
    }

    private Plan planForEmptySidecar(Report r, boolean usableJournal) {
        JournalState j = r.journalState();
        if (j == JournalState.PENDING && usableJournal) {
            return fromJournal(r, Action.FINISH_FROM_JOURNAL, "finish the interrupted update: write the journal's"
                    + " revision " + r.journalRevision().getAsLong() + " into the empty sidecar");
        }
        if (j == JournalState.APPLIED && r.journalRevision().orElse(0) > 0) {
            return usableJournal
                    ? fromJournal(r, Action.RESTORE_FROM_JOURNAL, "rebuild the empty sidecar from the journal's"
                            + " copy of revision " + r.journalRevision().getAsLong())
                    : refuse(r, "the sidecar is empty, its journal says revision " + r.journalRevision().getAsLong()
                            + " was written, and the journal's copy is not usable: restore the sidecar from a"
                            + " backup, or start from an empty table with --reset --yes");
        }
        if (j == JournalState.PENDING) {
            return new Plan(Action.DISCARD_JOURNAL_ENTRY, "set aside the journal's pending entry, which is not a"
                    + " valid sidecar of this disk", Optional.empty(), r);
        }
        if (j == JournalState.PENDING_INCOMPLETE) {
            return new Plan(Action.DISCARD_JOURNAL_ENTRY, "discard the journal's incomplete entry",
                    Optional.empty(), r);
        }
        if (j == JournalState.TORN_HEADER) {
            return new Plan(Action.CLEAR_JOURNAL, "empty the torn journal", Optional.empty(), r);
        }
        return new Plan(Action.NOTHING, "the sidecar is empty: a fresh table; nothing to repair", Optional.empty(), r);
    }

    private Plan planForMissingSidecar(Report r, boolean usableJournal) {
        if (r.journalState() == JournalState.NONE) {
            return new Plan(Action.NOTHING, "there is no sidecar yet (a fresh table) and no journal: nothing to"
                    + " repair", Optional.empty(), r);
        }
        if (usableJournal) {
            return fromJournal(r, Action.RESTORE_FROM_JOURNAL, "recreate the missing sidecar from the journal's"
                    + " revision " + r.journalRevision().getAsLong());
        }
        return refuse(r, "the sidecar is missing and its journal holds no usable copy (" + describeJournal(r)
                + "): the table is lost. Restore the sidecar from a backup, or start from an empty table with"
                + " --reset --yes");
    }

    private Plan fromJournal(Report r, Action action, String description) {
        return new Plan(action, description, r.journalDocument(), r);
    }

    private static Plan refuse(Report r, String why) {
        return new Plan(Action.REFUSE, why, Optional.empty(), r);
    }

    private SidecarDocument document(Disk disk, long revision, ReservationTable table) {
        return new SidecarDocument(disk.id(), revision, new SidecarDocument.Writer(options.host(),
                ProcessHandle.current().pid(), options.clock().instant(), options.program()), table);
    }

    private static String firstFinding(Report r, Path file) {
        return r.findings().stream().filter(f -> f.file().equals(file) && f.severity().isProblem())
                .map(SidecarCheck.Finding::message).findFirst().orElse("(no detail)");
    }

    private static String describeSidecar(Report r) {
        return switch (r.sidecarState()) {
            case VALID -> "now at revision " + r.document().orElseThrow().revision();
            case MISSING -> "missing";
            case EMPTY -> "empty";
            case EDITED -> "edited by hand";
            default -> r.sidecarState().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ');
        };
    }

    private static String describeJournal(Report r) {
        return switch (r.journalState()) {
            case NONE -> "there is no journal";
            case EMPTY -> "the journal is empty";
            case TORN_HEADER -> "the journal is torn";
            case PENDING_INCOMPLETE -> "its entry is incomplete";
            case ABORTED -> "its entry was rolled back";
            default -> r.journalDocument().isPresent() ? "its entry is revision " + r.journalRevision().getAsLong()
                    : "its entry is not a valid sidecar of this disk";
        };
    }

    private static String describeLoss(Report r) {
        Optional<SidecarDocument> now = r.current();
        if (now.isPresent()) {
            ReservationTable t = now.get().table();
            return "this drops " + t.registrationCount() + " registration(s)"
                    + (t.reservation().isPresent() ? " and the reservation" : "") + " of revision "
                    + now.get().revision();
        }
        return "the current sidecar is " + describeSidecar(r) + (r.document().isPresent()
                ? " (it holds " + r.document().get().table().registrationCount() + " registration(s))" : "");
    }

    // ---------------------------------------------------------------- doing (under the exclusive lock)

    /** Copies the sidecar (through the locked fd) and the journal beside them; returns the copies. */
    private List<Path> backUp(PosixFile main, boolean created, Report r) throws IOException {
        String stamp = STAMP.format(options.clock().instant());
        List<Path> out = new ArrayList<>(2);
        if (!created) {
            out.add(copy(main, backupName(r.sidecar(), stamp)));
        }
        if (exists(r.journal())) {
            try (PosixFile j = PosixFile.open(r.journal(), OpenMode.READ_ONLY, 0)) {
                out.add(copy(j, backupName(r.journal(), stamp)));
            }
        }
        if (!out.isEmpty()) {
            syncDirectory(r.sidecar().getParent());
        }
        return out;
    }

    private static Path backupName(Path file, String stamp) throws PosixException {
        Path p = file.resolveSibling(file.getFileName() + ".bak-" + stamp);
        for (int n = 2; exists(p); n++) {
            p = file.resolveSibling(file.getFileName() + ".bak-" + stamp + "-" + n);
        }
        return p;
    }

    private static Path copy(PosixFile from, Path to) throws IOException {
        FileStat st = from.stat();
        try (PosixFile out = PosixFile.open(to, OpenMode.READ_WRITE_CREATE, st.permissions() & 0777)) {
            byte[] buf = new byte[COPY_CHUNK];
            long at = 0;
            while (true) {
                int n = from.read(buf, 0, buf.length, at);
                if (n == 0) {
                    break;
                }
                out.writeFully(buf, 0, n, at);
                at += n;
            }
            out.truncate(at);
            out.fsync();
        }
        return to;
    }

    private void carryOut(Plan plan, PosixFile main, boolean created) throws IOException {
        Report r = plan.report();
        Path journalPath = r.journal();
        switch (plan.action()) {
            case FINISH_FROM_JOURNAL, RESTORE_FROM_JOURNAL -> {
                byte[] payload = r.journalPayload().orElseThrow();
                writeInPlace(main, payload);
                if (created) {
                    syncDirectory(r.sidecar().getParent());
                }
                if (r.journalState() == JournalState.PENDING) {
                    try (PosixFile j = PosixFile.open(journalPath, OpenMode.READ_WRITE, 0)) {
                        SidecarJournal.mark(j, SidecarJournal.State.APPLIED, true);
                    }
                }
            }
            case UNDO_FAILED_UPDATE -> writeInPlace(main, r.journalPrevious().orElseThrow()); // stays ABORTED
            case MARK_JOURNAL_APPLIED, DISCARD_JOURNAL_ENTRY -> {
                try (PosixFile j = PosixFile.open(journalPath, OpenMode.READ_WRITE, 0)) {
                    SidecarJournal.mark(j, plan.action() == Action.MARK_JOURNAL_APPLIED ? SidecarJournal.State.APPLIED
                            : SidecarJournal.State.ABORTED, true);
                }
            }
            case CLEAR_JOURNAL -> {
                try (PosixFile j = PosixFile.open(journalPath, OpenMode.READ_WRITE, 0)) {
                    j.truncate(0);
                    j.fsync();
                }
            }
            case RESEAL, RESET -> {
                SidecarDocument next = plan.table().orElseThrow();
                byte[] bytes = SidecarFormat.encode(next);
                boolean journalCreated = !exists(journalPath);
                byte[] replaced = replacedBytes(main); // kept beside the new ones, as every update does
                try (PosixFile j = PosixFile.open(journalPath, OpenMode.READ_WRITE_CREATE, options.createMode())) {
                    SidecarJournal.writePending(j, next.revision(), bytes, replaced);
                    if (created || journalCreated) {
                        syncDirectory(r.sidecar().getParent());
                    }
                    writeInPlace(main, bytes);
                    SidecarJournal.mark(j, SidecarJournal.State.APPLIED, true);
                }
            }
            case NOTHING, REFUSE -> throw new IllegalStateException("nothing to carry out for " + plan.action());
        }
    }

    /** What the sidecar holds now, if it fits the limit (a backup copy exists either way). */
    private byte[] replacedBytes(PosixFile main) {
        try {
            return main.readAll(options.maxSidecarBytes());
        } catch (PosixException e) {
            return new byte[0];
        }
    }

    private static void writeInPlace(PosixFile main, byte[] bytes) throws PosixException {
        main.writeFully(bytes, 0);
        main.truncate(bytes.length);
        main.fsync();
    }

    private static boolean exists(Path p) throws PosixException {
        try {
            FileStat.of(p, false);
            return true;
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
    }

    private static void syncDirectory(Path dir) throws PosixException {
        try (PosixFile d = PosixFile.open(dir, OpenMode.READ_ONLY, 0)) {
            d.fsync();
        }
    }
}
