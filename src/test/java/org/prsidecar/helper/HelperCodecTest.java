package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.helper.HelperTestSupport.params;
import static org.prsidecar.helper.HelperTestSupport.prInCdb;
import static org.prsidecar.helper.HelperTestSupport.prOutCdb;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;

/** The pr-helper frames: requests (CDB + one fd + parameter list) and responses (104-byte header + data). */
class HelperCodecTest {
    @TempDir
    Path dir;
    UnixServerSocket listener;
    UnixConnection client;
    UnixConnection server;
    PosixFile disk;
    PosixFile other;
    Set<Integer> fdsBefore;

    @BeforeEach
    void pair() throws Exception {
        Files.writeString(dir.resolve("disk.img"), "disk");
        Files.writeString(dir.resolve("other.img"), "other");
        fdsBefore = HelperTestSupport.openFds();
        listener = UnixServerSocket.bind(dir.resolve("s.sock"), 0600, 4);
        client = UnixConnection.connect(dir.resolve("s.sock"));
        server = listener.accept();
        disk = PosixFile.open(dir.resolve("disk.img"), OpenMode.READ_WRITE, 0);
        other = PosixFile.open(dir.resolve("other.img"), OpenMode.READ_ONLY, 0);
    }

    @AfterEach
    void close() throws Exception {
        client.close();
        server.close();
        listener.closeAndUnlink();
        disk.close();
        other.close();
        HelperTestSupport.assertNoFdLeak(fdsBefore);
    }

    private HelperRequest read() throws Exception {
        return HelperRequest.read(server, () -> { });
    }

    @Test
    void prOutRequestCarriesTheDiskFdAndAParameterListFramedByCdbBytes7To8() throws Exception {
        byte[] cdb = prOutCdb(PrOutServiceAction.REGISTER, null);
        HelperRequest.of(cdb, disk.fd(), params(0, 0xABCDL)).write(client);
        HelperRequest r = read();
        try {
            assertEquals(0x5F, r.opcode());
            assertEquals(16, r.cdb().length, "QEMU zero-pads the CDB to 16 bytes");
            assertArrayEquals(cdb, Arrays.copyOf(r.cdb(), 10));
            assertEquals(24, r.transferLength());
            assertArrayEquals(params(0, 0xABCDL), r.parameterList());
            assertNotEquals(disk.fd(), r.fd(), "the receiver gets its own duplicate of the fd");
            assertTrue(FileStat.of(r.fd()).sameFileAs(disk.stat()), "the fd refers to the disk");
        } finally {
            r.closeFd();
        }
    }

    @Test
    void prInRequestHasNoPayloadAndItsAllocationLengthIsBytes7To8() throws Exception {
        HelperRequest.of(prInCdb(PrInServiceAction.READ_KEYS, 8192), disk.fd(), new byte[0]).write(client);
        HelperRequest r = read();
        r.closeFd();
        assertEquals(0x5E, r.opcode());
        assertEquals(8192, r.transferLength());
        assertEquals(0, r.parameterList().length);
    }

    @Test
    void prOutFramingIgnoresBytes5To6() throws Exception {
        // the 32-bit PARAMETER LIST LENGTH says 0x10018; QEMU sends bytes 7-8 (24): so must the reader
        byte[] cdb = prOutCdb(PrOutServiceAction.REGISTER, null);
        cdb[6] = 1;
        HelperRequest.of(cdb, disk.fd(), params(0, 1)).write(client);
        HelperRequest r = read();
        r.closeFd();
        assertEquals(24, r.parameterList().length);
    }

    @Test
    void cleanEndOfStreamBeforeAFrameIsNull() throws Exception {
        client.shutdown();
        assertNull(read());
    }

    @Test
    void firstByteCallbackRunsOncePerFrame() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        HelperRequest.of(prInCdb(PrInServiceAction.READ_KEYS, 8), disk.fd(), new byte[0]).write(client);
        HelperRequest.read(server, calls::incrementAndGet).closeFd();
        assertEquals(1, calls.get());
    }

    @Test
    void cdbWithoutAnFdIsAFrameError() throws Exception {
        client.send(Arrays.copyOf(prInCdb(PrInServiceAction.READ_KEYS, 8), 16), 0, 16);
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("without a file descriptor"), e.getMessage());
    }

    @Test
    void cdbWithTwoFdsIsAFrameErrorAndBothAreClosed() throws Exception {
        Set<Integer> before = HelperTestSupport.openFds();
        client.send(Arrays.copyOf(prInCdb(PrInServiceAction.READ_KEYS, 8), 16), 0, 16, disk.fd(), other.fd());
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("2 file descriptors"), e.getMessage());
        HelperTestSupport.assertNoFdLeak(before);
    }

    @Test
    void otherOpcodesAreFrameErrors() throws Exception {
        byte[] inquiry = new byte[16];
        inquiry[0] = 0x12;
        client.send(inquiry, 0, 16, disk.fd());
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("12h"), e.getMessage());
    }

    @Test
    void transferLengthOver8192IsAFrameError() throws Exception {
        HelperRequest.of(prInCdb(PrInServiceAction.READ_KEYS, 8193), disk.fd(), new byte[0]).write(client);
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("8193"), e.getMessage());
    }

    @Test
    void transferLengthOf8192IsAccepted() throws Exception {
        HelperRequest.of(prInCdb(PrInServiceAction.READ_KEYS, 8192), disk.fd(), new byte[0]).write(client);
        read().closeFd();
    }

    @Test
    void endOfStreamMidCdbIsAFrameError() throws Exception {
        client.send(new byte[] {0x5E, 0, 0, 0, 0}, 0, 5, disk.fd());
        client.shutdown();
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("after 5 of 16"), e.getMessage());
    }

    @Test
    void endOfStreamMidParameterListIsAFrameError() throws Exception {
        client.send(Arrays.copyOf(prOutCdb(PrOutServiceAction.REGISTER, null), 16), 0, 16, disk.fd());
        client.send(new byte[10], 0, 10);
        client.shutdown();
        FrameException e = assertThrows(FrameException.class, this::read);
        assertTrue(e.getMessage().contains("after 10 of 24"), e.getMessage());
    }

    @Test
    void anFdWithTheParameterListIsAFrameError() throws Exception {
        client.send(Arrays.copyOf(prOutCdb(PrOutServiceAction.REGISTER, null), 16), 0, 16, disk.fd());
        client.send(new byte[24], 0, 24, other.fd());
        assertThrows(FrameException.class, this::read);
    }

    @Test
    void requestRejectsACdbThatIsNot16Bytes() {
        assertThrows(IllegalArgumentException.class, () -> new HelperRequest(new byte[10], 0, new byte[0]));
    }

    // ------------------------------------------------------------------ responses

    @Test
    void responseLayoutIsResultSizeSenseThenDataBigEndian() {
        byte[] data = {1, 2, 3};
        HelperResponse r = HelperResponse.of(ScsiStatus.CHECK_CONDITION,
                Optional.of(SenseData.INVALID_FIELD_IN_CDB), data);
        byte[] b = r.encode();
        assertEquals(104 + 3, b.length);
        assertArrayEquals(new byte[] {0, 0, 0, 2}, Arrays.copyOfRange(b, 0, 4), "result = CHECK CONDITION");
        assertArrayEquals(new byte[] {0, 0, 0, 3}, Arrays.copyOfRange(b, 4, 8), "sz");
        assertEquals(0x70, b[8] & 0xFF, "fixed-format sense");
        assertEquals(SenseKey.ILLEGAL_REQUEST.code(), b[8 + 2] & 0x0F);
        assertEquals(10, b[8 + 7], "additional sense length");
        assertEquals(0x24, b[8 + 12] & 0xFF, "ASC");
        assertEquals(0x00, b[8 + 13] & 0xFF, "ASCQ");
        for (int i = 8 + 18; i < 104; i++) {
            assertEquals(0, b[i], "sense byte " + (i - 8) + " beyond the fixed sense is zero");
        }
        assertArrayEquals(data, Arrays.copyOfRange(b, 104, 107));
    }

    @Test
    void responseRoundTripsOverASocket() throws Exception {
        HelperResponse sent = HelperResponse.of(ScsiStatus.GOOD, Optional.empty(),
                "0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
        sent.write(server);
        HelperResponse got = HelperResponse.read(client, 16);
        assertEquals(0, got.result());
        assertEquals(Optional.of(ScsiStatus.GOOD), got.status());
        assertArrayEquals(sent.data(), got.data());
        assertArrayEquals(new byte[96], got.sense());
        assertEquals(Optional.empty(), got.senseData(), "sense is meaningful only with CHECK CONDITION");
    }

    @Test
    void checkConditionResponseDecodesItsSense() throws Exception {
        HelperResponse.of(ScsiStatus.CHECK_CONDITION, Optional.of(SenseData.PARAMETER_LIST_LENGTH_ERROR),
                new byte[0]).write(server);
        HelperResponse got = HelperResponse.read(client, 0);
        assertEquals(Optional.of(SenseData.PARAMETER_LIST_LENGTH_ERROR), got.senseData());
    }

    @Test
    void readingAResponseLargerThanAskedIsAFrameError() throws Exception {
        HelperResponse.of(ScsiStatus.GOOD, Optional.empty(), new byte[25]).write(server);
        FrameException e = assertThrows(FrameException.class, () -> HelperResponse.read(client, 24));
        assertTrue(e.getMessage().contains("25"), e.getMessage());
    }

    @Test
    void endOfStreamInTheResponseHeaderIsAFrameError() throws Exception {
        server.send(new byte[50], 0, 50);
        server.shutdown();
        assertThrows(FrameException.class, () -> HelperResponse.read(client, 8192));
    }

    @Test
    void responseRejectsWrongSenseSizeAndOversizedData() {
        assertThrows(IllegalArgumentException.class, () -> new HelperResponse(0, new byte[18], new byte[0]));
        assertThrows(IllegalArgumentException.class, () -> new HelperResponse(0, new byte[96], new byte[8193]));
    }

    @Test
    void checkFitsPrInDataAtMostTheAllocationLength() {
        HelperRequest in24 = HelperRequest.of(prInCdb(PrInServiceAction.READ_RESERVATION, 24), 0, new byte[0]);
        assertDoesNotThrow(() -> good(24).checkFits(in24));
        assertDoesNotThrow(() -> good(8).checkFits(in24));
        assertDoesNotThrow(() -> good(0).checkFits(in24));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> good(25).checkFits(in24));
        assertTrue(e.getMessage().contains("crash QEMU"), e.getMessage());
        HelperRequest in0 = HelperRequest.of(prInCdb(PrInServiceAction.READ_KEYS, 0), 0, new byte[0]);
        assertThrows(IllegalStateException.class, () -> good(1).checkFits(in0));
    }

    @Test
    void checkFitsPrOutHasNoData() {
        HelperRequest out = HelperRequest.of(prOutCdb(PrOutServiceAction.RESERVE, ReservationType.WRITE_EXCLUSIVE),
                0, params(1, 0));
        assertDoesNotThrow(() -> good(0).checkFits(out));
        assertThrows(IllegalStateException.class, () -> good(1).checkFits(out));
    }

    private static HelperResponse good(int n) {
        return HelperResponse.of(ScsiStatus.GOOD, Optional.empty(), new byte[n]);
    }
}
