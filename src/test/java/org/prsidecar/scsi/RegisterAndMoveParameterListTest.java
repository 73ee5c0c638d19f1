package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.assertParameterListLengthError;
import static org.prsidecar.scsi.Wire.concat;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withByte;
import static org.prsidecar.scsi.Wire.withU16;
import static org.prsidecar.scsi.Wire.withU32;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The REGISTER AND MOVE parameter list, SPC reference 1.3. */
class RegisterAndMoveParameterListTest {

    private static final String RK = "01 02 03 04 05 06 07 08";
    private static final String SARK = "F1 F2 F3 F4 F5 F6 F7 F8";
    private static final String ISCSI_X = "05 00 00 14 69 71 6E 2E 78 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final IscsiTransportId X = new IscsiTransportId("iqn.x");

    @Test
    void registerAndMoveListLayout() {
        RegisterAndMoveParameterList l = new RegisterAndMoveParameterList(0x0102030405060708L, 0xF1F2F3F4F5F6F7F8L,
                true, true, 0xABCD, X);
        //                 rs fl port  TPDL
        assertBytes(RK + SARK + "00 03 AB CD 00 00 00 18" + ISCSI_X, l.encode());
    }

    @Test
    void unregIsByteSeventeenBitOneAndAptplBitZero() {
        assertEquals(0x02, new RegisterAndMoveParameterList(1, 2, true, false, 1, X).encode()[17]);
        assertEquals(0x01, new RegisterAndMoveParameterList(1, 2, false, true, 1, X).encode()[17]);
        assertEquals(0x00, new RegisterAndMoveParameterList(1, 2, false, false, 1, X).encode()[17]);
    }

    @Test
    void decodeReadsEveryField() throws ScsiException {
        byte[] b = hex(RK + SARK + "00 02 00 01 00 00 00 18" + ISCSI_X);
        assertEquals(new RegisterAndMoveParameterList(0x0102030405060708L, 0xF1F2F3F4F5F6F7F8L, true, false, 1, X),
                RegisterAndMoveParameterList.decode(b));
    }

    @Test
    void decodeReadsAnIscsiInitiatorPortDestination() throws ScsiException {
        IscsiTransportId port = new IscsiTransportId("iqn.2026-11.org.prsidecar:vm-a", Optional.of("400001370000"));
        byte[] id = port.encode();
        byte[] b = concat(hex(RK + SARK + "00 01 00 02"), withU32(new byte[4], 0, id.length), id);
        RegisterAndMoveParameterList l = RegisterAndMoveParameterList.decode(b);
        assertEquals(port, l.destination());
        assertEquals(2, l.relativeTargetPortId());
        assertEquals(true, l.activatePersistThroughPowerLoss());
        assertEquals(false, l.unregister());
    }

    @Test
    void registerAndMoveListShorterThan24BytesIsParameterListLengthError() {
        for (int n : new int[] {0, 8, 16, 23}) {
            byte[] b = new byte[n];
            assertParameterListLengthError(() -> RegisterAndMoveParameterList.decode(b));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {28, 0x1000, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL})
    void transportIdParameterDataLengthThatOverrunsIsInvalidFieldInParameterList(long tpdl) {
        byte[] b = withU32(hex(RK + SARK + "00 00 00 01 00 00 00 18" + ISCSI_X), 20, tpdl);
        assertInvalidFieldInParameterList(() -> RegisterAndMoveParameterList.decode(b));
    }

    @Test
    void bytesBeyondTheTransportIdParameterDataLengthAreParameterListLengthError() {
        byte[] b = concat(hex(RK + SARK + "00 00 00 01 00 00 00 18" + ISCSI_X), new byte[4]);
        assertParameterListLengthError(() -> RegisterAndMoveParameterList.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 20, 25, 26, 27})
    void transportIdParameterDataLengthBelow24OrNotAMultipleOfFourIsInvalidFieldInParameterList(int tpdl) {
        byte[] b = concat(withU32(hex(RK + SARK + "00 00 00 01 00 00 00 00"), 20, tpdl),
                Arrays.copyOf(hex(ISCSI_X), tpdl));
        assertInvalidFieldInParameterList(() -> RegisterAndMoveParameterList.decode(b));
    }

    @Test
    void transportIdShorterThanTheDataLengthIsInvalidFieldInParameterList() {
        // TPDL 28 with 28 bytes, but the iSCSI TransportID says 24
        byte[] b = concat(hex(RK + SARK + "00 00 00 01 00 00 00 1C" + ISCSI_X), new byte[4]);
        assertInvalidFieldInParameterList(() -> RegisterAndMoveParameterList.decode(b));
    }

    @Test
    void malformedDestinationIsInvalidFieldInParameterList() {
        byte[] id = withU16(hex(ISCSI_X), 2, 0xFFFF);
        byte[] b = concat(hex(RK + SARK + "00 00 00 01 00 00 00 18"), id);
        assertInvalidFieldInParameterList(() -> RegisterAndMoveParameterList.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x02, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0F})
    void unknownProtocolIdentifierIsInvalidFieldInParameterList(int protocol) {
        byte[] b = withByte(hex(RK + SARK + "00 00 00 01 00 00 00 18" + ISCSI_X), 24, protocol);
        assertInvalidFieldInParameterList(() -> RegisterAndMoveParameterList.decode(b));
    }

    @Test
    void otherProtocolsDecodeForTheEngineToRefuse() throws ScsiException {
        // SPC reference 7.3: only iSCSI destinations are valid, but that is the engine's 26/00
        byte[] sas = hex("06 00 00 00 50 01 02 03 04 05 06 07 00 00 00 00 00 00 00 00 00 00 00 00");
        byte[] b = concat(hex(RK + SARK + "00 00 00 01 00 00 00 18"), sas);
        assertEquals(new SasTransportId(0x5001020304050607L), RegisterAndMoveParameterList.decode(b).destination());
    }

    @Test
    void constructorRejectsPortIdsThatDoNotFitAndMissingDestination() {
        assertThrows(IllegalArgumentException.class, () -> new RegisterAndMoveParameterList(1, 2, false, false,
                0x10000, X));
        assertThrows(IllegalArgumentException.class, () -> new RegisterAndMoveParameterList(1, 2, false, false,
                -1, X));
        assertThrows(NullPointerException.class, () -> new RegisterAndMoveParameterList(1, 2, false, false, 1,
                null));
    }
}
