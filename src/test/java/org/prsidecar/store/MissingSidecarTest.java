package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar that was deleted (by hand, or by a restore that copied only the journal) while
 * its journal stayed: the journal proves the disk had a table. Updates refuse the disk
 * ("the sidecar is missing but its journal exists"); reads, and so PR IN, answer as if the
 * disk were fresh: no registrations, no reservation. A fence agent reading the keys is
 * told nobody is registered while every PR OUT on the disk fails.
 */
class MissingSidecarTest {

    @TempDir
    Path dir;

    @Test
    void aMissingSidecarWithAJournalIsRefusedByReadsAsByUpdates() throws Exception {
        Disk disk = StoreFixtures.disk(dir);
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        Files.delete(disk.sidecar());

        StoreException byUpdate = assertThrows(StoreException.class,
                () -> StoreFixtures.store().update(disk, StoreFixtures::nextOf));
        assertEquals(StoreException.Kind.INVALID_SIDECAR, byUpdate.kind());

        StoreException byRead = assertThrows(StoreException.class, () -> StoreFixtures.store().read(disk),
                "a read answered a fresh table for a disk whose journal says revision 2 was written");
        assertEquals(StoreException.Kind.INVALID_SIDECAR, byRead.kind());
        assertTrue(byRead.getMessage().contains(SidecarStore.journalPath(disk.sidecar()).toString()),
                byRead.getMessage());
        assertFalse(Files.exists(disk.sidecar()));
    }
}
