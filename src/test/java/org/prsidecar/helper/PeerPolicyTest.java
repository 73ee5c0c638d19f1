package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.SidecarStore;

/** What a peer may ask for: the access rules that do not depend on the SCSI rules. */
class PeerPolicyTest {

    @TempDir
    Path dir;

    private DiskResolver resolver(List<DiskResolver.Mapping> mappings) {
        return new DiskResolver(dir, mappings, DiskResolver.OtherDisks.EMULATE, Path.of("/sys"));
    }

    @Test
    void anImageFileIsEmulatedForRootButRefusedForOtherPeersUnlessMapped() throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4096]);
        try (PosixFile f = PosixFile.open(image, OpenMode.READ_WRITE, 0)) {
            assertInstanceOf(DiskResolver.Emulate.class, resolver(List.of()).resolve(f.fd(), 0));
            DiskResolver.Refuse refused = assertInstanceOf(DiskResolver.Refuse.class,
                    resolver(List.of()).resolve(f.fd(), 107));
            assertTrue(refused.reason().contains("uid 107") && refused.reason().contains("map the file"),
                    refused.reason());
            assertInstanceOf(DiskResolver.Emulate.class, resolver(List.of(
                    new DiskResolver.Mapping("data", image.toString(), Optional.empty()))).resolve(f.fd(), 107));
        }
        assertTrue(Files.list(dir).noneMatch(p -> p.getFileName().toString().endsWith(".json")),
                "resolving creates nothing");
    }

    @Test
    void persistentReserveOutOnADiskOpenedReadOnlyIsInvalidCommandOperationCode() throws Exception {
        Path image = dir.resolve("disk.img");
        Files.write(image, new byte[4096]);
        RequestHandler handler = new RequestHandler(new SidecarStore(SidecarStore.Options.defaults()),
                new PersistentReservations());
        PeerIdentity who = new PeerIdentity(Nexus.iscsi("iqn.2026-11.test:vm"), Optional.empty(), "test");
        byte[] register = PersistentReserveOutCdb.of(PrOutServiceAction.REGISTER, null, 24).encode();
        byte[] params = BasicParameterList.of(0, 0xA).encode();
        try (PosixFile ro = PosixFile.open(image, OpenMode.READ_ONLY, 0);
                PosixFile rw = PosixFile.open(image, OpenMode.READ_WRITE, 0)) {
            DiskResolver.Resolution disk = resolver(List.of()).resolve(rw.fd(), 0);
            HelperResponse refused = handler.handle(who, disk, HelperRequest.of(register, ro.fd(), params));
            assertEquals(ScsiStatus.CHECK_CONDITION.code(), refused.result());
            assertEquals(Optional.of(SenseData.INVALID_COMMAND_OPERATION_CODE), refused.senseData());
            assertTrue(Files.notExists(dir.resolve("disk.img" + DiskResolver.SIDECAR_SUFFIX)), "nothing was written");
            HelperResponse good = handler.handle(who, disk, HelperRequest.of(register, rw.fd(), params));
            assertEquals(ScsiStatus.GOOD.code(), good.result());
        }
    }
}
