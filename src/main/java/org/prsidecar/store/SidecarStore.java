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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
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
    private final ConcurrentHashMap<Path, ReentrantReadWriteLock> queues = new ConcurrentHashMap<>();
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
            // the sidecar is created before its journal: checked in this order, a journal
            // without a sidecar is one whose sidecar was removed, not one being created
            if (exists(disk, journalPath(path)) && !exists(disk, path)) {
                throw orphanJournal(disk);
            }
            if (!exists(disk, path)) {
                return Optional.empty();
            }
        }
        long deadline = System.nanoTime() + options.lockTimeout().toNanos();
        Lock queue = enterQueue(disk, LockKind.SHARED, deadline);
        try {
            LockedFile lf;
            try {
                lf = locks.open(path, OpenMode.READ_ONLY, 0, LockKind.SHARED, remaining(deadline));
            } catch (PosixException e) {
                if (e.errno() == Errno.ENOENT) {
                    return Optional.empty();
                }
                throw failure(disk, "open for reading", e);
            } catch (IOException e) {
                throw failure(disk, "lock for reading", e);
            }
            try {
                return readShared(disk, lf.file());
            } finally {
                lf.close();
            }
        } catch (NeedsRecovery e) {
            queue.unlock();
            queue = null;
            return update(disk, t -> new Change<>(t, null), true).doc();
        } catch (IOException e) {
            throw failure(disk, "read", e);
        } finally {
            if (queue != null) {
                queue.unlock();
            }
        }
    }

    /**
     * Waits for this process's turn on a sidecar: a fair (first come, first served) queue per
     * sidecar ahead of the OFD lock, so that threads of one daemon do not race each other by
     * polling the lock and only one of them at a time contends with other hosts.
     */
    private Lock enterQueue(Disk disk, LockKind kind, long deadline) throws StoreException {
        ReentrantReadWriteLock q = queues.computeIfAbsent(disk.sidecar(), p -> new ReentrantReadWriteLock(true));
        Lock l = kind == LockKind.EXCLUSIVE ? q.writeLock() : q.readLock();
        long waitNanos = Math.max(0, deadline - System.nanoTime());
        try {
            if (l.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
                return l;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failure(disk, "wait for its turn on", new InterruptedIOException("interrupted"));
        }
        throw failure(disk, kind == LockKind.EXCLUSIVE ? "lock for update" : "lock for reading",
                new LockTimeoutException(disk.sidecar(), kind, options.lockTimeout()));
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    private Optional<SidecarDocument> readShared(Disk disk, PosixFile f)
            throws IOException, StoreException, NeedsRecovery {
        FileStat st = requireRegular(disk, f);
        Optional<SidecarDocument> hit = cached(disk, f, st);
        if (hit.isPresent()) {
            return hit;
        }
        byte[] bytes = f.readAll(options.maxSidecarBytes());
        if (bytes.length == 0) {
            Optional<SidecarJournal.Entry> journal = readJournal(disk);
            if (journal.isPresent() && (journal.get().replayable() || journal.get().undoable()
                    && journal.get().previous().orElseThrow().length > 0)) {
                throw new NeedsRecovery();
            }
            requireNoAppliedJournal(disk, journal);
            return Optional.empty();
        }
        SidecarDocument doc;
        try {
            doc = SidecarFormat.decode(bytes, disk.id());
        } catch (SidecarFormatException e) {
            Optional<SidecarJournal.Entry> journal = readJournal(disk);
            if (journal.isPresent() && (journal.get().replayable() || journal.get().undoable())) {
                throw new NeedsRecovery();
            }
            throw invalid(disk, st, e.getMessage());
        }
        // a failed update whose rollback did not make it left its table here: never serve it
        Optional<SidecarJournal.Entry> header = journalHeaderIfReadable(disk);
        if (header.isPresent() && header.get().state() == SidecarJournal.State.ABORTED
                && header.get().revision() == doc.revision()) {
            throw new NeedsRecovery();
        }
        cache.put(disk.sidecar(), Cached.of(st, doc, bytes.length));
        return Optional.of(doc);
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
        if (created && exists(disk, journalPath(path)) && !exists(disk, path)) {
            // checked in this order (journal, then sidecar again) it cannot be a sidecar being
            // created by another writer: the sidecar is created before its journal
            throw orphanJournal(disk);
        }
        if (created && recoveryOnly) {
            return new Updated<>(ReservationTable.empty(), null, Optional.empty());
        }
        long deadline = System.nanoTime() + options.lockTimeout().toNanos();
        Lock queue = enterQueue(disk, LockKind.EXCLUSIVE, deadline);
        try {
            return lockedUpdate(disk, update, created, deadline);
        } finally {
            queue.unlock();
        }
    }

    private <R> Updated<R> lockedUpdate(Disk disk, TableUpdate<R> update, boolean created, long deadline)
            throws StoreException {
        LockedFile lf;
        try {
            lf = locks.open(disk.sidecar(), OpenMode.READ_WRITE_CREATE, options.createMode(), LockKind.EXCLUSIVE,
                    remaining(deadline));
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
        Optional<SidecarJournal.Entry> header = readJournalHeader(disk);
        if (header.isPresent() && header.get().state() != SidecarJournal.State.APPLIED) {
            st = settleJournal(disk, main, st);
        }
        Optional<SidecarDocument> hit = cached(disk, main, st);
        if (hit.isPresent()) {
            return new Current(hit.get().revision(), hit.get().table(), hit);
        }
        byte[] bytes = main.readAll(options.maxSidecarBytes());
        if (bytes.length == 0) {
            requireNoAppliedJournal(disk, readJournalHeader(disk));
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
     * A journal entry that is not APPLIED, under the exclusive lock. PENDING: its writer
     * stopped after making the entry durable, before or while writing the sidecar: the update
     * is finished when the entry is complete, valid for this disk and not older than the
     * sidecar (otherwise the sidecar was never touched and the entry is dropped). ABORTED: the
     * update failed and was answered so; if its rollback did not make it (the sidecar holds
     * the new bytes or is torn), the old bytes the entry keeps are put back.
     */
    private FileStat settleJournal(Disk disk, PosixFile main, FileStat st) throws IOException, StoreException {
        Optional<SidecarJournal.Entry> read = readJournal(disk);
        if (read.isEmpty() || read.get().state() == SidecarJournal.State.APPLIED) {
            return st;
        }
        SidecarJournal.Entry entry = read.get();
        Path journalPath = journalPath(disk.sidecar());
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_WRITE, 0)) {
            if (entry.payload().isEmpty()) {
                if (entry.state() == SidecarJournal.State.PENDING) {
                    LOG.log(Level.INFO, "disk " + disk.id() + ": dropped an incomplete journal entry for revision "
                            + entry.revision() + " in " + journalPath
                            + " (its writer stopped before the entry was durable; the sidecar was not touched)");
                    SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
                }
                return st;
            }
            byte[] next = entry.payload().get();
            byte[] previous = entry.previous().orElseThrow();
            requireValidEntry(disk, st, journalPath, next);
            if (previous.length > 0) {
                requireValidEntry(disk, st, journalPath, previous);
            }
            byte[] current = main.readAll(options.maxSidecarBytes());
            OptionalLong onDisk = validRevision(current, disk);
            if (entry.state() == SidecarJournal.State.PENDING) {
                if (!Arrays.equals(current, next) && (onDisk.isEmpty() || onDisk.getAsLong() < entry.revision())) {
                    st = overwrite(main, next, disk);
                    LOG.log(Level.WARNING, "disk " + disk.id() + ": recovered revision " + entry.revision() + " of "
                            + disk.sidecar() + " from its journal (a writer stopped in the middle of an update;"
                            + " the sidecar was " + (onDisk.isEmpty() ? "torn" : "at revision " + onDisk.getAsLong())
                            + ")");
                }
                SidecarJournal.mark(journal, SidecarJournal.State.APPLIED, false);
            } else if (!Arrays.equals(current, previous) && (onDisk.isEmpty() || Arrays.equals(current, next))) {
                st = overwrite(main, previous, disk);
                LOG.log(Level.WARNING, "disk " + disk.id() + ": put back the table of " + disk.sidecar() + " from"
                        + " before an update that failed (revision " + entry.revision() + " was answered with an"
                        + " error, and putting the old table back had failed too)");
            }
            return st;
        }
    }

    private void requireValidEntry(Disk disk, FileStat st, Path journalPath, byte[] bytes) throws StoreException {
        try {
            SidecarFormat.decode(bytes, disk.id());
        } catch (SidecarFormatException e) {
            throw invalid(disk, st, "its journal " + journalPath + " holds a complete entry that is not a valid"
                    + " sidecar of this disk (" + e.getMessage() + "); move the journal away after checking it");
        }
    }

    /** Writes {@code bytes} over the sidecar in place and makes them durable. */
    private FileStat overwrite(PosixFile main, byte[] bytes, Disk disk) throws PosixException {
        main.writeFully(bytes, 0);
        main.truncate(bytes.length);
        main.fsync();
        cache.invalidate(disk.sidecar());
        return main.stat();
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
        byte[] old = cur.doc().map(SidecarFormat::encode).orElse(new byte[0]);
        Path journalPath = journalPath(disk.sidecar());
        boolean journalCreated = !exists(disk, journalPath);
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_WRITE_CREATE, options.createMode())) {
            requireRegular(disk, journalPath, journal);
            try {
                faults.at(Step.JOURNAL_WRITE);
                SidecarJournal.writePending(journal, next.revision(), bytes, old);
                if (created || journalCreated) {
                    syncDirectory(disk.sidecar().getParent());
                }
                faults.at(Step.JOURNAL_WRITTEN);
            } catch (IOException e) {
                abortQuietly(disk, journal, next.revision());
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
                rollBack(disk, main, journal, old);
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

    /**
     * The sidecar write failed part-way and the command will be answered with an error: put
     * the old bytes back, and mark the entry ABORTED so that it is never finished. If putting
     * them back fails too, the ABORTED entry keeps them and the next access puts them back.
     */
    private void rollBack(Disk disk, PosixFile main, PosixFile journal, byte[] old) {
        cache.invalidate(disk.sidecar());
        try {
            main.writeFully(old, 0);
            main.truncate(old.length);
            main.fsync();
        } catch (IOException e) {
            LOG.log(Level.ERROR, "disk " + disk.id() + ": writing " + disk.sidecar() + " failed and so did putting"
                    + " the old table back (" + e.getMessage() + "); its journal keeps the old table and the next"
                    + " access to the disk puts it back");
        }
        try {
            SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
        } catch (IOException e) {
            LOG.log(Level.ERROR, "disk " + disk.id() + ": cannot mark the failed update in " + journalPath(
                    disk.sidecar()) + " (" + e.getMessage() + "); check the storage, then 'prsidecar check'");
        }
    }

    /**
     * The journal write failed: mark the entry ABORTED, but only if its header is this
     * update's (an older, applied entry still there must never be taken for a failed one).
     */
    private static void abortQuietly(Disk disk, PosixFile journal, long revision) {
        try {
            Optional<SidecarJournal.Entry> h = SidecarJournal.readHeader(journal);
            if (h.isPresent() && h.get().revision() == revision) {
                SidecarJournal.mark(journal, SidecarJournal.State.ABORTED, true);
            }
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
    private StoreException orphanJournal(Disk disk) {
        return invalid(disk, null, "the sidecar is missing but its journal " + journalPath(disk.sidecar())
                + " exists: restore the sidecar from a backup, or remove the journal to start from an empty table");
    }

    /**
     * For readers: the journal's header if it can be read; a journal this process may not
     * read, or one that is not a regular file, is no evidence of a failed update (updates
     * refuse it, reads of a valid sidecar go on).
     */
    private Optional<SidecarJournal.Entry> journalHeaderIfReadable(Disk disk) {
        Path journalPath = journalPath(disk.sidecar());
        try {
            FileStat st = FileStat.of(journalPath, false);
            if (!st.isRegularFile()) {
                return Optional.empty();
            }
            try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_ONLY, 0)) {
                return SidecarJournal.readHeader(journal);
            }
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private Optional<SidecarJournal.Entry> readJournalHeader(Disk disk) throws IOException, StoreException {
        Path journalPath = journalPath(disk.sidecar());
        if (!exists(disk, journalPath)) {
            return Optional.empty();
        }
        try (PosixFile journal = PosixFile.open(journalPath, OpenMode.READ_ONLY, 0)) {
            requireRegular(disk, journalPath, journal);
            return SidecarJournal.readHeader(journal);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
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
        long limit = path.equals(disk.sidecar()) ? options.maxSidecarBytes()
                : 2L * options.maxSidecarBytes() + SidecarJournal.HEADER_LENGTH; // a journal keeps two copies
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
