package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.assertParameterListLengthError;
import static org.prsidecar.scsi.Wire.concat;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withByte;
import static org.prsidecar.scsi.Wire.withU16;
import static org.prsidecar.scsi.Wire.withU32;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The basic PR OUT parameter list, SPC reference 1.2. */
class BasicParameterListTest {

    private static final String RK = "01 02 03 04 05 06 07 08";
    private static final String SARK = "F1 F2 F3 F4 F5 F6 F7 F8";
    /** iSCSI 00b "iqn.x": additional length 20, NUL-terminated, padded. */
    private static final String ISCSI_X = "05 00 00 14 69 71 6E 2E 78 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    /** iSCSI 01b "iqn.y,i,0x0123456789ab": 22 bytes + NUL -> additional length 24. */
    private static final String ISCSI_Y_ISID = "45 00 00 18 69 71 6E 2E 79 2C 69 2C 30 78 30 31 32 33 34 35 36 37 38 39"
            + "61 62 00 00";

    @Test
    void basicListIsTwentyFourBytesWithRkAtZeroAndSarkAtEight() {
        //           RK                      SARK                    obsolete    fl rs obs
        assertBytes(RK + SARK + "00 00 00 00 00 00 00 00",
                BasicParameterList.of(0x0102030405060708L, 0xF1F2F3F4F5F6F7F8L).encode());
    }

    @Test
    void specIptIsByteTwentyBitThree() {
        BasicParameterList l = new BasicParameterList(1, 2, true, false, false, List.of());
        assertEquals(0x08, l.encode()[20]);
    }

    @Test
    void allTgPtIsByteTwentyBitTwo() {
        assertEquals(0x04, new BasicParameterList(1, 2, false, true, false, List.of()).encode()[20]);
    }

    @Test
    void aptplIsByteTwentyBitZero() {
        assertEquals(0x01, new BasicParameterList(1, 2, false, false, true, List.of()).encode()[20]);
    }

    @Test
    void decodeReadsKeysAndFlags() throws ScsiException {
        byte[] b = hex(RK + SARK + "00 00 00 00 05 00 00 00");
        assertEquals(new BasicParameterList(0x0102030405060708L, 0xF1F2F3F4F5F6F7F8L, false, true, true, List.of()),
                BasicParameterList.decode(b));
    }

    @Test
    void obsoleteAndReservedBytesAreIgnored() throws ScsiException {
        byte[] b = hex(RK + SARK + "DE AD BE EF 00 FF CA FE");
        BasicParameterList l = BasicParameterList.decode(b);
        assertEquals(BasicParameterList.of(0x0102030405060708L, 0xF1F2F3F4F5F6F7F8L), l);
    }

    @Test
    void keysAreUnsignedSixtyFourBitBigEndian() throws ScsiException {
        BasicParameterList l = BasicParameterList.decode(hex("FF FF FF FF FF FF FF FE 80 00 00 00 00 00 00 00"
                + "00 00 00 00 00 00 00 00"));
        assertEquals(0xFFFFFFFFFFFFFFFEL, l.reservationKey());
        assertEquals(Long.MIN_VALUE, l.serviceActionKey());
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 8, 16, 23, 25, 27, 28, 32, 48, 512})
    void parameterListLengthOtherThan24WithoutSpecIptIsParameterListLengthError(int length) {
        byte[] b = new byte[length];
        assertParameterListLengthError(() -> BasicParameterList.decode(b));
    }

    @Test
    void specIptListHasTransportIdParameterDataLengthAtBytes24To27ThenTheIdsBackToBack() {
        IscsiTransportId x = new IscsiTransportId("iqn.x");
        IscsiTransportId y = new IscsiTransportId("iqn.y", Optional.of("0123456789ab"));
        byte[] b = new BasicParameterList(0, 0xF1F2F3F4F5F6F7F8L, true, false, false, List.of(x, y)).encode();
        assertBytes("00 00 00 00 00 00 00 00" + SARK + "00 00 00 00 08 00 00 00"
                + "00 00 00 34" + ISCSI_X + ISCSI_Y_ISID, b);
    }

    @Test
    void specIptListDecodesEveryTransportId() throws ScsiException {
        byte[] fc = hex("00 00 00 00 00 00 00 00 20 00 00 11 22 33 44 55 00 00 00 00 00 00 00 00");
        byte[] ids = concat(hex(ISCSI_X), fc, hex(ISCSI_Y_ISID));
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 0D 00 00 00"), withU32(new byte[4], 0, ids.length), ids);
        BasicParameterList l = BasicParameterList.decode(b);
        assertTrue(l.specifyInitiatorPorts());
        assertTrue(l.allTargetPorts());
        assertTrue(l.activatePersistThroughPowerLoss());
        assertEquals(List.of(new IscsiTransportId("iqn.x"), new FibreChannelTransportId(0x2000001122334455L),
                new IscsiTransportId("iqn.y", Optional.of("0123456789AB"))), l.transportIds());
    }

    @Test
    void specIptWithAnEmptyTransportIdListIsTwentyEightBytes() throws ScsiException {
        byte[] b = hex(RK + SARK + "00 00 00 00 08 00 00 00 00 00 00 00");
        BasicParameterList l = BasicParameterList.decode(b);
        assertTrue(l.specifyInitiatorPorts());
        assertEquals(List.of(), l.transportIds());
        assertBytes(Wire.hex(b), l.encode());
    }

    @Test
    void specIptListShorterThan28BytesIsParameterListLengthError() {
        byte[] b = hex(RK + SARK + "00 00 00 00 08 00 00 00");
        assertParameterListLengthError(() -> BasicParameterList.decode(b));
        assertParameterListLengthError(() -> BasicParameterList.decode(Arrays.copyOf(b, 27)));
    }

    @ParameterizedTest
    @ValueSource(longs = {25, 48, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL})
    void transportIdParameterDataLengthThatOverrunsTheListIsInvalidFieldInParameterList(long tpdl) {
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 08 00 00 00"), withU32(new byte[4], 0, tpdl), hex(ISCSI_X));
        assertInvalidFieldInParameterList(() -> BasicParameterList.decode(b));
    }

    @Test
    void transportIdThatOverrunsTheListIsInvalidFieldInParameterList() {
        // TPDL covers the 24 bytes sent, but the TransportID announces 28
        byte[] id = withU16(hex(ISCSI_X), 2, 24);
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 08 00 00 00 00 00 00 18"), id);
        assertInvalidFieldInParameterList(() -> BasicParameterList.decode(b));
    }

    @Test
    void truncatedTransportIdAtTheEndOfTheListIsInvalidFieldInParameterList() {
        byte[] ids = concat(hex(ISCSI_X), hex("05 00 00"));
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 08 00 00 00"), withU32(new byte[4], 0, ids.length), ids);
        assertInvalidFieldInParameterList(() -> BasicParameterList.decode(b));
    }

    @Test
    void bytesBeyondTheTransportIdParameterDataLengthAreParameterListLengthError() {
        // the reference names only the overrun (26/00); extra bytes make the CDB's PARAMETER LIST
        // LENGTH disagree with the list's own length, which is how the codec reads it (1A/00)
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 08 00 00 00 00 00 00 18"), hex(ISCSI_X), new byte[4]);
        assertParameterListLengthError(() -> BasicParameterList.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x01, 0x02, 0x07, 0x08, 0x0F})
    void unknownProtocolIdentifierInTheListIsInvalidFieldInParameterList(int protocol) {
        byte[] id = withByte(hex(ISCSI_X), 0, protocol);
        byte[] b = concat(hex(RK + SARK + "00 00 00 00 08 00 00 00 00 00 00 18"), id);
        assertInvalidFieldInParameterList(() -> BasicParameterList.decode(b));
    }

    @Test
    void transportIdsNeedSpecIpt() {
        assertThrows(IllegalArgumentException.class,
                () -> new BasicParameterList(1, 2, false, false, false, List.of(new IscsiTransportId("iqn.x"))));
    }

    @Test
    void listWithoutSpecIptHasNoTransportIds() throws ScsiException {
        BasicParameterList l = BasicParameterList.decode(hex(RK + SARK + "00 00 00 00 00 00 00 00"));
        assertFalse(l.specifyInitiatorPorts());
        assertEquals(List.of(), l.transportIds());
    }
}
