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
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.store.Disk;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;

/** Storage that stops answering (a hard-mounted NFS server away) never hangs the guest. */
class RequestDeadlineTest {

    private static final Disk DISK = new Disk("naa.6001405000000000000000000000dead", Path.of("/nfs/dead.json"));
    private static final PeerIdentity WHO = new PeerIdentity(Nexus.iscsi("iqn.2026-11.test:vm"), Optional.empty(),
            "test");

    /** A store whose accesses block until released, as an unreachable NFS server's would; it keeps its table. */
    private static final class HungStore implements TableStore {
        final CountDownLatch release = new CountDownLatch(1);
        volatile ReservationTable table = ReservationTable.empty();

        @Override
        public ReservationTable read(Disk disk) {
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return table;
        }

        @Override
        public synchronized <R> Change<R> update(Disk disk, TableUpdate<R> update) throws StoreException {
            Change<R> c = update.apply(read(disk));
            table = c.table();
            return c;
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

    @Test
    void aCommandAnsweredBusyAtItsDeadlineDoesNotTakeEffectWhenTheStorageComesBack() throws Exception {
        HungStore store = new HungStore();
        RequestHandler handler = new RequestHandler(store, new PersistentReservations(), Duration.ofMillis(300));
        DiskResolver.Resolution disk = new DiskResolver.Emulate(DISK, "test");
        HelperRequest register = HelperRequest.of(PersistentReserveOutCdb.of(PrOutServiceAction.REGISTER, null, 24)
                .encode(), -1, BasicParameterList.of(0, 0xA).encode());
        assertEquals(ScsiStatus.BUSY.code(), handler.handle(WHO, disk, register).result());
        store.release.countDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (handler.handle(WHO, disk, readKeys()).result() != ScsiStatus.GOOD.code()
                && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(ReservationTable.empty(), store.table,
                "the guest was told BUSY and will retry: the REGISTER must not have happened");
        assertEquals(ScsiStatus.GOOD.code(), handler.handle(WHO, disk, register).result(), "the retry registers");
        assertEquals(1, store.table.registrationCount());
    }
}
