package org.prsidecar.store;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.System.Logger.Level;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.FileLocks;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.HostName;
import org.prsidecar.posix.LockKind;
import org.prsidecar.posix.LockTimeoutException;
import org.prsidecar.posix.LockedFile;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.ReservationTable;

/**
 * Reservation tables in JSON sidecars on shared storage (docs/sidecar-format.md,
 * docs/architecture.md).
 *
 * <ul>
 *   <li><b>One consistent table across hosts.</b> Every access takes an OFD lock on the
 *       sidecar itself, a file that is never replaced, and reads the state after taking the
 *       lock: on NFS the lock is what makes the client drop its cached pages of the file.
 *   <li><b>Durable before acknowledged.</b> An update writes the new bytes to the journal
 *       beside the sidecar and syncs it, then overwrites the sidecar in place and syncs it.
 *       A writer killed at any instant leaves the old sidecar or a complete journal, which
 *       the next access replays (and logs). If a step fails, the old table is put back.
 *   <li><b>Never trust the sidecar blindly.</b> A file that fails validation (syntax,
 *       schema, version, checksum, disk identity, not a regular file, too large) is never
 *       written by the store: every command on that disk fails until an operator acts.
 *   <li><b>PR IN is cheap.</b> A bounded cache keeps parsed documents; a read under the
 *       shared lock checks the file's identity, size and times, and the revision in its
 *       first bytes, and parses only when they moved.
 * </ul>
 */
public final class SidecarStore implements TableStore {

    private static final System.Logger LOG = System.getLogger(SidecarStore.class.getName());

    /**
     * How a store behaves. {@code createMode}: permission bits of new sidecars and journals.
     */
    public record Options(Duration lockTimeout, long cacheBytes, int maxSidecarBytes, int createMode, String host,
            String program) {
        public static final Duration DEFAULT_LOCK_TIMEOUT = Duration.ofSeconds(5);

        public Options {
            Objects.requireNonNull(lockTimeout, "lockTimeout");
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(program, "program");
            if (lockTimeout.isNegative() || cacheBytes < 0 || maxSidecarBytes < 1024 || (createMode & ~0777) != 0) {
                throw new IllegalArgumentException("bad store options");
            }
        }

        /** 5 s lock deadline, 64 MiB of cached tables, sidecars up to 16 MiB, mode 0640. */
        public static Options defaults() {
            return new Options(DEFAULT_LOCK_TIMEOUT, 64L << 20, 16 << 20, 0640, HostName.get(), "prsidecar");
        }

        public Options withLockTimeout(Duration d) {
            return new Options(d, cacheBytes, maxSidecarBytes, createMode, host, program);
        }

        public Options withCacheBytes(long b) {
            return new Options(lockTimeout, b, maxSidecarBytes, createMode, host, program);
        }

        public Options withMaxSidecarBytes(int b) {
            return new Options(lockTimeout, cacheBytes, b, createMode, host, program);
        }

        public Options withCreateMode(int m) {
            return new Options(lockTimeout, cacheBytes, maxSidecarBytes, m, host, program);
        }

        public Options withProgram(String p) {
            return new Options(lockTimeout, cacheBytes, maxSidecarBytes, createMode, host, p);
        }
    }

    /** A parsed sidecar and the file attributes it was read with. */
    private record Cached(long device, long inode, long size, long mtime, long ctime, SidecarDocument doc, int weight) {
        static Cached of(FileStat st, SidecarDocument doc, int bytes) {
            return new Cached(st.device(), st.inode(), st.size(), st.mtimeNanos(), st.ctimeNanos(), doc, bytes);
        }

        boolean matches(FileStat st) {
            return device == st.device() && inode == st.inode() && size == st.size() && mtime == st.mtimeNanos()
                    && ctime == st.ctimeNanos();
        }
    }

    /** The table an update starts from: revision 0 and empty for a sidecar not written yet. */
    private record Current(long revision, ReservationTable table, Optional<SidecarDocument> doc) {
        static final Current FRESH = new Current(0, ReservationTable.empty(), Optional.empty());
    }

    /** The shared-lock read found a torn sidecar with a journal to replay: retry exclusively. */
    private static final class NeedsRecovery extends Exception {
        private static final long serialVersionUID = 1L;

        NeedsRecovery() {
            super(null, null, false, false);
        }
    }

    /** The steps of an update, where tests inject failures and crashes. */
    enum Step {
        JOURNAL_WRITE, JOURNAL_WRITTEN, SIDECAR_WRITE, SIDECAR_WRITTEN, SIDECAR_SYNCED, JOURNAL_MARKED
    }

    /** Called before each {@link Step}; throwing fails the update there. */
    @FunctionalInterface
    interface Faults {
        Faults NONE = step -> { };

        void at(Step step) throws IOException;
    }

    private final Options options;
    private final FileLocks locks;
    private volatile Faults faults = Faults.NONE;
    private final Cache<Path, Cached> cache;
    private final Cache<String, Boolean> reported = Caffeine.newBuilder().maximumSize(1024).build();

    public SidecarStore(Options options) {
        this(options, FileLocks.system());
    }

    SidecarStore(Options options, FileLocks locks) {
        this.options = Objects.requireNonNull(options, "options");
        this.locks = Objects.requireNonNull(locks, "locks");
        this.cache = Caffeine.newBuilder().maximumWeight(options.cacheBytes())
                .weigher((Path p, Cached c) -> c.weight()).build();
    }

    public Options options() {
        return options;
    }

    /** For tests: fail or stop updates at chosen steps. */
    void injectFaults(Faults f) {
        faults = Objects.requireNonNull(f, "faults");
    }

    @Override
    public ReservationTable read(Disk disk) throws StoreException {
        return readDocument(disk).map(SidecarDocument::table).orElse(ReservationTable.empty());
    }

    /**
     * The sidecar as it is, with its revision and last writer; empty if the disk has no
     * sidecar yet. Takes only a shared lock and never writes, unless the sidecar was left
     * torn by a writer that died and its journal must be replayed first.
     */
    public Optional<SidecarDocument> readDocument(Disk disk) throws StoreException {
        Path path = disk.sidecar();
        if (!exists(disk, path)) {
            requireNoOrphanJournal(disk);
            return Optional.empty();
        }
        LockedFile lf;
        try {
            lf = locks.open(path, OpenMode.READ_ONLY, 0, LockKind.SHARED, options.lockTimeout());
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw failure(disk, "open for reading", e);
        } catch (IOException e) {
            throw failure(disk, "lock for reading", e);
        }
        try {
            try {
                return readShared(disk, lf.file());
            } finally {
                lf.close();
            }
        } catch (NeedsRecovery e) {
            return update(disk, t -> new Change<>(t, null), true).doc();
        } catch (IOException e) {
            throw failure(disk, "read", e);
        }
    }

    private Optional<SidecarDocument> readShared(Disk disk, PosixFile f)
            throws IOException, StoreException, NeedsRecovery {
        FileStat st = requireRegular(disk, f);
        Optional<SidecarDocument> hit = cached(disk, f, st);
        if (hit.isPresent()) {
            return hit;
        }
        byte[] bytes = f.readAll(options.maxSidecarBytes());
        Optional<SidecarJournal.Entry> journal = Optional.empty();
        if (bytes.length == 0) {
            journal = readJournal(disk);
            if (journal.isPresent() && journal.get().replayable()) {
                throw new NeedsRecovery();
            }
            requireNoAppliedJournal(disk, journal);
            return Optional.empty();
        }
        try {
            SidecarDocument doc = SidecarFormat.decode(bytes, disk.id());
            cache.put(disk.sidecar(), Cached.of(st, doc, bytes.length));
            return Optional.of(doc);
        } catch (SidecarFormatException e) {
            journal = readJournal(disk);
            if (journal.isPresent() && journal.get().replayable()) {
                throw new NeedsRecovery();
            }
            throw invalid(disk, st, e.getMessage());
        }
    }

    @Override
    public <R> Change<R> update(Disk disk, TableUpdate<R> update) throws StoreException {
        Updated<R> u = update(disk, update, false);
        return new Change<>(u.table(), u.result());
    }

    private record Updated<R>(ReservationTable table, R result, Optional<SidecarDocument> doc) {
    }

    private <R> Updated<R> update(Disk disk, TableUpdate<R> update, boolean recoveryOnly) throws StoreException {
        Path path = disk.sidecar();
        boolean created = !exists(disk, path);
        if (created) {
            requireNoOrphanJournal(disk);
        }
        if (created && recoveryOnly) {
            return new Updated<>(ReservationTable.empty(), null, Optional.empty());
        }
        LockedFile lf;
        try {
            lf = locks.open(path, OpenMode.READ_WRITE_CREATE, options.createMode(), LockKind.EXCLUSIVE,
                    options.lockTimeout());
        } catch (IOException e) {
            throw failure(disk, "lock for update", e);
        }
        try {
            try {
                PosixFile main = lf.file();
                FileStat st = requireRegular(disk, main);
                Current cur = recoverAndLoad(disk, main, st);
                Change<R> change = update.apply(cur.table());
                Objects.requireNonNull(change, "the update returned no change");
                if (change.table() == cur.table()) {
                    return new Updated<>(cur.table(), change.result(), cur.doc());
                }
                SidecarDocument next = new SidecarDocument(disk.id(), cur.revision() + 1,
                        new SidecarDocument.Writer(options.host(), ProcessHandle.current().pid(), Instant.now(),
                                options.program()),
                        change.table());
                commit(disk, main, cur, next, created);
                return new Updated<>(change.table(), change.result(), Optional.of(next));
            } finally {
                lf.close();
            }
        } catch (IOException e) {
            throw failure(disk, "update", e);
        }
    }

    /** Under the exclusive lock: finishes an interrupted update if there is one, then loads. */
    private Current recoverAndLoad(Disk disk, PosixFile main, FileStat st) throws IOException, StoreException {
        Optional<SidecarJournal.Entry> journal = readJournal(disk);
        if (journal.isPresent() && journal.get().state() == SidecarJournal.State.PENDING) {
            st = finishInterruptedUpdate(disk, main, st, journal.get());
        }
        Optional<SidecarDocument> hit = cached(disk, main, st);
        if (hit.isPresent()) {
            return new Current(hit.get().revision(), hit.get().table(), hit);
        }
        byte[] bytes = main.readAll(options.maxSidecarBytes());
        if (bytes.length == 0) {
            requireNoAppliedJournal(disk, readJournal(disk));
            return Current.FRESH;
        }
        try {
            SidecarDocument doc = SidecarFormat.decode(bytes, disk.id());
            cache.put(disk.sidecar(), Cached.of(st, doc, bytes.length));
            return new Current(doc.revision(), doc.table(), Optional.of(doc));
        } catch (SidecarFormatException e) {
            throw invalid(disk, st, e.getMessage());
        }
    }

    /**
     * A PENDING journal: its writer stopped after making the journal durable, before or while
     * writing the sidecar. Replays it when it is complete, valid for this disk and not older
     * than the sidecar; otherwise the sidecar was never touched and the entry is dropped.
     */
    private FileStat finishInterruptedUpdate(Disk disk, PosixFile main, FileStat st, SidecarJournal.Entry entry)
            throws IOException, StoreException {
        Path journalPath = journalPath(disk.sidecar());
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_WRITE, 0)) {
            if (entry.payload().isEmpty()) {
                LOG.log(Level.INFO, "disk " + disk.id() + ": dropped an incomplete journal entry for revision "
                        + entry.revision() + " in " + journalPath
                        + " (its writer stopped before the entry was durable; the sidecar was not touched)");
                SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
                return st;
            }
            byte[] payload = entry.payload().get();
            try {
                SidecarFormat.decode(payload, disk.id());
            } catch (SidecarFormatException e) {
                throw invalid(disk, st, "its journal " + journalPath + " holds a complete entry that is not a valid"
                        + " sidecar of this disk (" + e.getMessage() + "); move the journal away after checking it");
            }
            byte[] current = main.readAll(options.maxSidecarBytes());
            OptionalLong onDisk = validRevision(current, disk);
            if (!Arrays.equals(current, payload) && (onDisk.isEmpty() || onDisk.getAsLong() < entry.revision())) {
                main.writeFully(payload, 0);
                main.truncate(payload.length);
                main.fsync();
                cache.invalidate(disk.sidecar());
                LOG.log(Level.WARNING, "disk " + disk.id() + ": recovered revision " + entry.revision() + " of "
                        + disk.sidecar()
                        + " from its journal (a writer stopped in the middle of an update; the sidecar was "
                        + (onDisk.isEmpty() ? "torn" : "at revision " + onDisk.getAsLong()) + ")");
                st = main.stat();
            }
            SidecarJournal.mark(journal, SidecarJournal.State.APPLIED, false);
            return st;
        }
    }

    private static OptionalLong validRevision(byte[] bytes, Disk disk) {
        if (bytes.length == 0) {
            return OptionalLong.of(0);
        }
        try {
            return OptionalLong.of(SidecarFormat.decode(bytes, disk.id()).revision());
        } catch (SidecarFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** Journal first (durable), then the sidecar in place (durable); rolls back on failure. */
    private void commit(Disk disk, PosixFile main, Current cur, SidecarDocument next, boolean created)
            throws IOException, StoreException {
        byte[] bytes = SidecarFormat.encode(next);
        if (bytes.length > options.maxSidecarBytes()) {
            throw new StoreException(StoreException.Kind.NO_SPACE, disk, "disk " + disk.id() + ": the new table"
                    + " would take " + bytes.length + " bytes, over the sidecar limit of " + options.maxSidecarBytes()
                    + "; the table was not changed (raise the limit or remove registrations)");
        }
        Path journalPath = journalPath(disk.sidecar());
        boolean journalCreated = !exists(disk, journalPath);
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_WRITE_CREATE, options.createMode())) {
            requireRegular(disk, journalPath, journal);
            try {
                faults.at(Step.JOURNAL_WRITE);
                SidecarJournal.writePending(journal, next.revision(), bytes);
                if (created || journalCreated) {
                    syncDirectory(disk.sidecar().getParent());
                }
                faults.at(Step.JOURNAL_WRITTEN);
            } catch (IOException e) {
                abortQuietly(disk, journal);
                throw e;
            }
            try {
                faults.at(Step.SIDECAR_WRITE);
                main.writeFully(bytes, 0);
                faults.at(Step.SIDECAR_WRITTEN);
                main.truncate(bytes.length);
                main.fsync();
                faults.at(Step.SIDECAR_SYNCED);
            } catch (IOException e) {
                rollBack(disk, main, journal, cur);
                throw e;
            }
            cache.put(disk.sidecar(), Cached.of(main.stat(), next, bytes.length));
            try {
                faults.at(Step.JOURNAL_MARKED);
                SidecarJournal.mark(journal, SidecarJournal.State.APPLIED, false);
            } catch (IOException e) {
                // harmless: the next update replays identical bytes
                LOG.log(Level.DEBUG, "disk " + disk.id() + ": could not mark journal entry applied: "
                        + e.getMessage());
            }
        }
    }

    /** The sidecar write failed part-way: put the old bytes back, so the journal never wins. */
    private void rollBack(Disk disk, PosixFile main, PosixFile journal, Current cur) {
        byte[] old = cur.doc().map(SidecarFormat::encode).orElse(new byte[0]);
        cache.invalidate(disk.sidecar());
        try {
            main.writeFully(old, 0);
            main.truncate(old.length);
            main.fsync();
            SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "disk " + disk.id() + ": writing " + disk.sidecar()
                    + " failed and so did putting the old table back (" + e.getMessage()
                    + "); the journal holds the new table and the next access will finish the update");
        }
    }

    private static void abortQuietly(Disk disk, PosixFile journal) {
        try {
            SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
        } catch (IOException e) {
            LOG.log(Level.DEBUG, "disk " + disk.id() + ": could not mark journal aborted: " + e.getMessage());
        }
    }

    private static void syncDirectory(Path dir) throws PosixException {
        try (PosixFile d = PosixFile.open(dir, OpenMode.READ_ONLY, 0)) {
            d.fsync();
        }
    }

    // ---------------------------------------------------------------- helpers

    private Optional<SidecarDocument> cached(Disk disk, PosixFile f, FileStat st) throws PosixException {
        Cached c = cache.getIfPresent(disk.sidecar());
        if (c == null || !c.matches(st)) {
            return Optional.empty();
        }
        byte[] head = new byte[SidecarFormat.HEAD_LENGTH];
        int n = f.read(head, 0, head.length, 0);
        OptionalLong revision = SidecarFormat.peekRevision(head, n);
        return revision.isPresent() && revision.getAsLong() == c.doc().revision() ? Optional.of(c.doc())
                : Optional.empty();
    }

    private Optional<SidecarJournal.Entry> readJournal(Disk disk) throws IOException, StoreException {
        Path journalPath = journalPath(disk.sidecar());
        if (!exists(disk, journalPath)) {
            return Optional.empty();
        }
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_ONLY, 0)) {
            requireRegular(disk, journalPath, journal);
            return SidecarJournal.read(journal, options.maxSidecarBytes());
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /** A journal whose sidecar is gone: someone removed the sidecar; starting afresh would lose the table. */
    private void requireNoOrphanJournal(Disk disk) throws StoreException {
        Path journal = journalPath(disk.sidecar());
        if (exists(disk, journal)) {
            throw invalid(disk, null, "the sidecar is missing but its journal " + journal + " exists: restore the"
                    + " sidecar from a backup, or remove the journal to start from an empty table");
        }
    }

    private void requireNoAppliedJournal(Disk disk, Optional<SidecarJournal.Entry> journal) throws StoreException {
        if (journal.isPresent() && journal.get().state() == SidecarJournal.State.APPLIED && journal.get().revision() > 0) {
            throw invalid(disk, null, "the sidecar is empty, but its journal says revision "
                    + journal.get().revision() + " was written: restore the sidecar from a backup, or run"
                    + " 'prsidecar repair' to rebuild it from the journal");
        }
    }

    static Path journalPath(Path sidecar) {
        return sidecar.resolveSibling(sidecar.getFileName() + SidecarJournal.SUFFIX);
    }

    /** Whether a file is at {@code path}; refuses what must not be opened (a FIFO blocks, links are refused). */
    private boolean exists(Disk disk, Path path) throws StoreException {
        FileStat st;
        try {
            st = FileStat.of(path, false);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw failure(disk, "stat", e);
        }
        String it = path.equals(disk.sidecar()) ? "it" : path.toString();
        if (st.isSymlink()) {
            throw invalid(disk, st, it + " is a symbolic link; prsidecar does not follow links to sidecars"
                    + " (configure the real path)");
        }
        if (!st.isRegularFile()) {
            throw invalid(disk, st, it + " is a " + st.kindName() + ", not a regular file");
        }
        return true;
    }

    private FileStat requireRegular(Disk disk, PosixFile f) throws PosixException, StoreException {
        return requireRegular(disk, disk.sidecar(), f);
    }

    private FileStat requireRegular(Disk disk, Path path, PosixFile f) throws PosixException, StoreException {
        FileStat st = f.stat();
        String it = path.equals(disk.sidecar()) ? "it" : path.toString();
        if (!st.isRegularFile()) {
            throw invalid(disk, st, it + " is a " + st.kindName() + ", not a regular file");
        }
        long limit = options.maxSidecarBytes() + (path.equals(disk.sidecar()) ? 0 : SidecarJournal.HEADER_LENGTH);
        if (st.size() > limit) {
            throw invalid(disk, st, it + " holds " + st.size() + " bytes, over the limit of " + limit);
        }
        return st;
    }

    private StoreException invalid(Disk disk, FileStat st, String why) {
        String message = "disk " + disk.id() + ": sidecar " + disk.sidecar() + " is not usable: " + why
                + ". Commands on this disk fail until it is fixed; the file is left as it is"
                + " (see 'prsidecar check' and 'prsidecar repair')";
        String once = disk.sidecar() + "|" + why + "|" + (st == null ? "" : st.size() + "@" + st.mtimeNanos());
        if (reported.asMap().putIfAbsent(once, Boolean.TRUE) == null) {
            LOG.log(Level.ERROR, message);
        }
        return new StoreException(StoreException.Kind.INVALID_SIDECAR, disk, message);
    }

    private StoreException failure(Disk disk, String doing, IOException e) {
        String at = "disk " + disk.id() + ": cannot " + doing + " sidecar " + disk.sidecar() + ": ";
        if (e instanceof LockTimeoutException) {
            return new StoreException(StoreException.Kind.LOCK_TIMEOUT, disk, at + "no lock within "
                    + options.lockTimeout().toMillis() + " ms (another host holds it, or the storage does not"
                    + " answer); the command answers BUSY and the guest retries", e);
        }
        if (e instanceof InterruptedIOException) {
            return new StoreException(StoreException.Kind.IO_ERROR, disk, at + "interrupted while waiting", e);
        }
        if (!(e instanceof PosixException p)) {
            return new StoreException(StoreException.Kind.IO_ERROR, disk, at + e.getMessage(), e);
        }
        String what = p.getMessage();
        return switch (p.errno()) {
            case Errno.EACCES, Errno.EPERM, Errno.EROFS -> new StoreException(StoreException.Kind.INACCESSIBLE, disk,
                    at + what + "; check the owner and mode of the file and its directory and that the storage"
                            + " is mounted read-write; the table was not changed", e);
            case Errno.ENOENT, Errno.ENOTDIR -> new StoreException(StoreException.Kind.INACCESSIBLE, disk,
                    at + what + "; create the sidecar directory on the shared storage", e);
            case Errno.ENOSPC, Errno.EDQUOT -> new StoreException(StoreException.Kind.NO_SPACE, disk,
                    at + what + "; free space on the storage; the table was not changed", e);
            case Errno.ELOOP -> invalid(disk, null, "it is a symbolic link; prsidecar does not follow links to"
                    + " sidecars (configure the real path)");
            case Errno.EFBIG -> invalid(disk, null, what);
            case Errno.ENOLCK -> new StoreException(StoreException.Kind.IO_ERROR, disk, at + what
                    + "; the filesystem refused the lock: on NFSv3 run rpc.statd and lockd, and never mount"
                    + " with nolock or local_lock", e);
            default -> new StoreException(StoreException.Kind.IO_ERROR, disk, at + what, e);
        };
    }
}
