package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.IscsiTransportId;

/**
 * A sidecar the store writes must read back. Found by the round-trip property of
 * {@link SidecarFormatTest}: an iSCSI initiator port (format 01b, with an ISID) whose name
 * holds U+0130 (LATIN CAPITAL LETTER I WITH DOT ABOVE, e.g. a VM called "İzmir") is written,
 * but {@code IscsiTransportId.parse} finds the ",i,0x" separator in
 * {@code name.toLowerCase(Locale.ROOT)}, which is one char longer than the name for every
 * U+0130 ("İ" lower-cases to "i" + U+0307), and splits the original string at the wrong
 * place. The disk is then unusable (INVALID_SIDECAR) until an operator edits the file.
 */
class SidecarInitiatorNameTest {

    private static final Nexus IZMIR = Nexus.of(new IscsiTransportId("iqn.2026-11.org.prsidecar.vm:\u0130zmir",
            Optional.of("23d000000001")));

    @TempDir
    Path dir;

    private static ReservationTable registered() {
        return ReservationTable.of(1, false, List.of(new Registration(IZMIR, 0x1)), Optional.empty(), Map.of());
    }

    @Test
    void aFormat01bInitiatorWhoseNameHoldsADottedCapitalIReadsBack() throws Exception {
        SidecarDocument doc = new SidecarDocument("d", 1,
                new SidecarDocument.Writer("h", 1, Instant.EPOCH, "p"), registered());
        byte[] bytes = SidecarFormat.encode(doc);
        assertEquals(doc, SidecarFormat.decode(bytes, "d"), new String(bytes, StandardCharsets.UTF_8));
    }

    @Test
    void theStoreNeverAcknowledgesATableItCannotReadBack() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        // either the update fails (and nothing is written) or the table reads back: an
        // acknowledged update that leaves the disk unusable is the bug
        boolean written;
        try {
            StoreFixtures.store().update(disk, t -> new TableStore.Change<>(registered(), null));
            written = true;
        } catch (StoreException refused) {
            written = false;
        }
        if (written) {
            assertEquals(registered(), StoreFixtures.store().read(disk));
        }
    }
}
