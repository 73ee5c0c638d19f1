package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.store.Disk;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;

/** Storage that stops answering (a hard-mounted NFS server away) never hangs the guest. */
class RequestDeadlineTest {

    private static final Disk DISK = new Disk("naa.6001405000000000000000000000dead", Path.of("/nfs/dead.json"));
    private static final PeerIdentity WHO = new PeerIdentity(Nexus.iscsi("iqn.2026-11.test:vm"), Optional.empty(),
            "test");

    /** A store whose reads block until released, as an unreachable NFS server's would. */
    private static final class HungStore implements TableStore {
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public ReservationTable read(Disk disk) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return ReservationTable.empty();
        }

        @Override
        public <R> Change<R> update(Disk disk, TableUpdate<R> update) throws StoreException {
            return update.apply(read(disk));
        }
    }

    private static HelperRequest readKeys() {
        return HelperRequest.of(PersistentReserveInCdb.of(PrInServiceAction.READ_KEYS, 8192).encode(), -1,
                new byte[0]);
    }

    @Test
    void aStalledStorageAnswersBusyAtTheDeadlineThenAtOnceUntilItRecovers() throws Exception {
        HungStore store = new HungStore();
        RequestHandler handler = new RequestHandler(store, new PersistentReservations(), Duration.ofMillis(300));
        DiskResolver.Resolution disk = new DiskResolver.Emulate(DISK, "test");

        long t0 = System.nanoTime();
        HelperResponse first = handler.handle(WHO, disk, readKeys());
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
        assertEquals(ScsiStatus.BUSY.code(), first.result());
        assertTrue(waited >= 250 && waited < 5000, "answered at the deadline, after " + waited + " ms");

        t0 = System.nanoTime();
        HelperResponse second = handler.handle(WHO, disk, readKeys());
        assertEquals(ScsiStatus.BUSY.code(), second.result());
        assertTrue(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0) < 250,
                "while the storage is stalled, commands on that disk answer BUSY at once");

        store.release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        HelperResponse after;
        do {
            Thread.sleep(20);
            after = handler.handle(WHO, disk, readKeys());
        } while (after.result() != ScsiStatus.GOOD.code() && System.nanoTime() < deadline);
        assertEquals(ScsiStatus.GOOD.code(), after.result(), "the disk serves again once the storage answers");
        assertEquals(8, after.data().length);
    }
}
