package org.prsidecar.helper;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.prsidecar.posix.Fd;
import org.prsidecar.posix.SgIo;
import org.prsidecar.posix.SgIoResult;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.Disk;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;

/**
 * Runs one command: from the emulated table through the store (PR OUT and anything that
 * changes the table as one atomic, durable update), or by SG_IO for passed-through disks.
 * Whatever happens, the answer obeys QEMU's rules; nothing thrown reaches the connection.
 */
public final class RequestHandler {

    private static final System.Logger LOG = System.getLogger(RequestHandler.class.getName());
    private static final Duration PASSTHROUGH_TIMEOUT = Duration.ofSeconds(30);

    /** Default for {@link #RequestHandler(TableStore, PersistentReservations, Duration)}. */
    public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(15);

    private final TableStore store;
    private final PersistentReservations engine;
    private final Duration commandTimeout;
    /** Storage work runs here, so a hung NFS server costs a worker, not the guest's answer. */
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "prsidecar-storage");
        t.setDaemon(true);
        return t;
    });
    /** Disks whose storage has not finished a command past its deadline: BUSY until it does. */
    private final Set<String> stalled = ConcurrentHashMap.newKeySet();

    public RequestHandler(TableStore store, PersistentReservations engine) {
        this(store, engine, DEFAULT_COMMAND_TIMEOUT);
    }

    /**
     * @param commandTimeout the longest a command may take: past it (storage that does not
     *     answer: a hard-mounted NFS server away, a grace period) the guest gets BUSY and
     *     retries, and commands on that disk answer BUSY at once until the storage answers
     */
    public RequestHandler(TableStore store, PersistentReservations engine, Duration commandTimeout) {
        this.store = store;
        this.engine = engine;
        this.commandTimeout = commandTimeout;
    }

    public HelperResponse handle(PeerIdentity who, DiskResolver.Resolution disk, HelperRequest request) {
        try {
            if (request.opcode() == 0x5F && request.fd() >= 0 && readOnly(request.fd())) {
                // as qemu-pr-helper: a disk QEMU opened read-only takes no PR OUT
                LOG.log(Level.WARNING, "initiator " + who.initiator() + ": " + describe(request) + " refused: the disk"
                        + " was opened read-only; the guest sees INVALID COMMAND OPERATION CODE");
                return HelperResponse.of(ScsiStatus.CHECK_CONDITION,
                        Optional.of(SenseData.INVALID_COMMAND_OPERATION_CODE), new byte[0]);
            }
            if (disk instanceof DiskResolver.Emulate e) {
                return emulate(who, e.disk(), request);
            }
            if (disk instanceof DiskResolver.PassThrough p) {
                return passThrough(who, p, request);
            }
            return refuse(who, (DiskResolver.Refuse) disk, request);
        } catch (RuntimeException e) {
            LOG.log(Level.ERROR, "initiator " + who.initiator() + ": internal error on " + describe(request)
                    + "; answering HARDWARE ERROR, INTERNAL TARGET FAILURE", e);
            return HelperResponse.of(ScsiStatus.CHECK_CONDITION, Optional.of(SenseData.INTERNAL_TARGET_FAILURE),
                    new byte[0]);
        }
    }

    private static boolean readOnly(int fd) {
        try {
            return Fd.accessMode(fd) == Fd.O_RDONLY;
        } catch (IOException e) {
            return false; // an fd that cannot be asked is judged by what it is used for
        }
    }

    private HelperResponse emulate(PeerIdentity who, Disk disk, HelperRequest request) {
        Request r = new Request(who.nexus(), who.client(), request.cdb(), request.parameterList());
        if (stalled.contains(disk.id())) {
            LOG.log(Level.WARNING, "disk " + disk.id() + ": initiator " + who.initiator() + ": " + describe(request)
                    + " answered BUSY: the storage of " + disk.sidecar() + " has not finished an earlier command");
            return HelperResponse.of(ScsiStatus.BUSY, Optional.empty(), new byte[0]);
        }
        Outcome o;
        try {
            o = withDeadline(disk, abandoned -> execute(disk, r, request.opcode() == 0x5E, abandoned));
        } catch (StoreException e) {
            Level level = e.kind() == StoreException.Kind.LOCK_TIMEOUT ? Level.WARNING : Level.ERROR;
            LOG.log(level, "disk " + disk.id() + ": initiator " + who.initiator() + ": " + describe(request)
                    + " not executed: " + e.getMessage());
            return HelperResponse.of(e);
        }
        log(who, disk, request, o);
        return HelperResponse.of(o.status(), o.sense(), o.data());
    }

    private Outcome execute(Disk disk, Request r, boolean prIn, AtomicBoolean abandoned) throws StoreException {
        if (prIn) {
            // PR IN reads under a shared lock; only a unit attention report changes the table
            Outcome o = engine.execute(store.read(disk), r);
            return o.changed() ? apply(disk, r, abandoned) : o;
        }
        return apply(disk, r, abandoned);
    }

    /** Storage work; {@code abandoned} is set once the command was answered BUSY at its deadline. */
    private interface StoreWork {
        Outcome run(AtomicBoolean abandoned) throws StoreException;
    }

    /** Runs {@code work} on a storage worker and waits at most the command timeout. */
    private Outcome withDeadline(Disk disk, StoreWork work) throws StoreException {
        AtomicBoolean abandoned = new AtomicBoolean();
        Future<Outcome> f = workers.submit(() -> work.run(abandoned));
        try {
            return f.get(commandTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            abandoned.set(true);
            stalled.add(disk.id());
            workers.execute(() -> {
                try {
                    f.get();
                } catch (InterruptedException | ExecutionException | CancellationException ignored) {
                    // only the end matters
                } finally {
                    stalled.remove(disk.id());
                    LOG.log(Level.WARNING, "disk " + disk.id() + ": the storage answered again");
                }
            });
            throw new StoreException(StoreException.Kind.STALLED, disk, "disk " + disk.id() + ": the storage"
                    + " of " + disk.sidecar() + " did not answer within " + commandTimeout.toMillis() + " ms (a"
                    + " hard-mounted NFS server away, or its grace period?); answering BUSY so the guest retries;"
                    + " the command will not change the table unless the storage was already writing it");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StoreException se) {
                throw se;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException(StoreException.Kind.IO_ERROR, disk, "interrupted while waiting for storage");
        }
    }

    private Outcome apply(Disk disk, Request r, AtomicBoolean abandoned) throws StoreException {
        return store.update(disk, t -> {
            if (abandoned.get()) {
                // answered BUSY already: the guest will retry, so this must not take effect
                return new TableStore.Change<>(t, null);
            }
            Outcome o = engine.execute(t, r);
            return new TableStore.Change<>(o.table(), o);
        }).result();
    }

    private static void log(PeerIdentity who, Disk disk, HelperRequest request, Outcome o) {
        // PR IN is polled (Windows clusters every few seconds): only at DEBUG unless it failed
        Level level = request.opcode() == 0x5E && o.isGood() ? Level.DEBUG : Level.INFO;
        if (LOG.isLoggable(level)) {
            // the engine's account names the service action, except for errors in CHECK CONDITION
            String what = o.sense().isPresent() ? describe(request) + ": " + o.detail() : o.detail();
            LOG.log(level, "disk " + disk.id() + ": initiator " + who.initiator() + ": " + what);
        }
    }

    private HelperResponse passThrough(PeerIdentity who, DiskResolver.PassThrough p, HelperRequest request) {
        boolean prOut = request.opcode() == 0x5F;
        try {
            SgIoResult r = SgIo.execute(request.fd(), java.util.Arrays.copyOf(request.cdb(), 10),
                    prOut ? request.parameterList() : null, prOut ? 0 : request.transferLength(), PASSTHROUGH_TIMEOUT);
            if (r.hostStatus() != 0 || r.driverStatus() != 0 && r.status() == 0) {
                LOG.log(Level.WARNING, "initiator " + who.initiator() + ": SG_IO on " + p.device()
                        + " failed (host status " + r.hostStatus() + ", driver status " + r.driverStatus() + ")");
                return HelperResponse.of(ScsiStatus.CHECK_CONDITION,
                        Optional.of(SenseData.LOGICAL_UNIT_COMMUNICATION_FAILURE), new byte[0]);
            }
            byte[] sense = new byte[HelperResponse.SENSE_LENGTH];
            System.arraycopy(r.sense(), 0, sense, 0, Math.min(r.sense().length, sense.length));
            byte[] data = prOut || r.status() != 0 ? new byte[0] : r.dataIn();
            LOG.log(Level.DEBUG, "initiator " + who.initiator() + ": " + describe(request)
                    + " passed through to " + p.device() + ": status " + r.status());
            return new HelperResponse(r.status(), sense, data);
        } catch (IOException e) {
            LOG.log(Level.WARNING, "initiator " + who.initiator() + ": SG_IO on " + p.device() + " failed: "
                    + e.getMessage());
            return HelperResponse.of(ScsiStatus.CHECK_CONDITION, Optional.of(SenseData.IO_PROCESS_TERMINATED),
                    new byte[0]);
        }
    }

    private static HelperResponse refuse(PeerIdentity who, DiskResolver.Refuse r, HelperRequest request) {
        LOG.log(Level.WARNING, "initiator " + who.initiator() + ": " + describe(request) + " refused: "
                + r.reason() + "; the guest sees INVALID COMMAND OPERATION CODE");
        return HelperResponse.of(ScsiStatus.CHECK_CONDITION, Optional.of(SenseData.INVALID_COMMAND_OPERATION_CODE),
                new byte[0]);
    }

    /** "PR OUT REGISTER" or "PR IN READ KEYS", from the CDB. */
    static String describe(HelperRequest request) {
        int sa = request.cdb()[1] & 0x1F;
        if (request.opcode() == 0x5E) {
            return "PR IN " + org.prsidecar.scsi.PrInServiceAction.fromCode(sa).map(a -> a.name().replace('_', ' '))
                    .orElse("service action " + sa);
        }
        return "PR OUT " + org.prsidecar.scsi.PrOutServiceAction.fromCode(sa).map(a -> a.name().replace('_', ' '))
                .orElse("service action " + sa);
    }
}
