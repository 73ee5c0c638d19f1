package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.concat;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withByte;
import static org.prsidecar.scsi.Wire.withU16;
import static org.prsidecar.scsi.Wire.withU32;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.prsidecar.scsi.ReadFullStatusData.Descriptor;

/** READ FULL STATUS data, SPC reference 1.5. */
class ReadFullStatusDataTest {

    private static final String ISCSI_X = "05 00 00 14 69 71 6E 2E 78 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00";
    private static final IscsiTransportId X = new IscsiTransportId("iqn.x");
    private static final FibreChannelTransportId FC = new FibreChannelTransportId(0x2000001122334455L);

    private static Descriptor holder(long key, ReservationType type, int port, TransportId id) {
        return new Descriptor(key, false, true, 0, Optional.of(type), port, id);
    }

    private static Descriptor registrant(long key, int port, TransportId id) {
        return new Descriptor(key, false, false, 0, Optional.empty(), port, id);
    }

    @Test
    void readFullStatusWithoutRegistrationsIsEightBytes() {
        assertBytes("00 00 00 04 00 00 00 00", new ReadFullStatusData(4, List.of()).encode());
    }

    @Test
    void descriptorLayout() {
        ReadFullStatusData d = new ReadFullStatusData(0x0A, List.of(
                holder(0x0102030405060708L, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, 0x0001, X)));
        assertBytes("00 00 00 0A 00 00 00 30"                        // gen, ADDITIONAL LENGTH 48
                + "01 02 03 04 05 06 07 08"                          // 0-7 key
                + "00 00 00 00"                                      // 8-11 reserved
                + "01 05"                                            // 12 R_HOLDER, 13 SCOPE|TYPE
                + "00 00 00 00"                                      // 14-17 reserved
                + "00 01"                                            // 18-19 RELATIVE TARGET PORT ID
                + "00 00 00 18"                                      // 20-23 ADDITIONAL DESCRIPTOR LENGTH
                + ISCSI_X, d.encode());
    }

    @Test
    void keysAreBigEndian() {
        // SPDK PR #3699 had the byte order of READ FULL STATUS keys wrong
        byte[] b = new ReadFullStatusData(0, List.of(registrant(0x1122334455667788L, 1, X))).encode();
        assertBytes("11 22 33 44 55 66 77 88", Wire.slice(b, 8, 16));
    }

    @Test
    void nonHolderHasNeitherRHolderNorScopeAndType() {
        byte[] b = new ReadFullStatusData(0, List.of(registrant(0xAB, 1, X))).encode();
        assertEquals(0, b[8 + 12]);
        assertEquals(0, b[8 + 13]);
    }

    @Test
    void allTgPtIsBitOneOfByteTwelveAndHidesTheRelativeTargetPortId() throws ScsiException {
        Descriptor all = new Descriptor(0xAB, true, true, 0, Optional.of(ReservationType.EXCLUSIVE_ACCESS), 0, X);
        byte[] b = new ReadFullStatusData(0, List.of(all)).encode();
        assertEquals(0x03, b[8 + 12]);
        assertEquals(0x03, b[8 + 13]);
        assertBytes("00 00", Wire.slice(b, 8 + 18, 8 + 20));
        // a relative target port id sent with ALL_TG_PT=1 is not defined by the standard: ignored
        byte[] withPort = withU16(b, 8 + 18, 7);
        assertEquals(0, ReadFullStatusData.decode(withPort).descriptors().get(0).relativeTargetPortId());
    }

    @Test
    void underAllRegistrantsTypesEveryRegistrantIsAHolder() throws ScsiException {
        ReservationType t = ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS;
        ReadFullStatusData d = new ReadFullStatusData(1, List.of(holder(0xA, t, 1, X), holder(0xB, t, 1, FC)));
        byte[] b = d.encode();
        assertEquals(0x01, b[8 + 12]);
        assertEquals(0x07, b[8 + 13]);
        assertEquals(0x01, b[8 + 48 + 12]);
        assertEquals(0x07, b[8 + 48 + 13]);
        assertEquals(d, ReadFullStatusData.decode(b));
    }

    @Test
    void additionalLengthIsTheSumOfTheDescriptorsAndTransportIdsOfAnyLengthFollowBackToBack()
            throws ScsiException {
        IscsiTransportId longName = new IscsiTransportId("iqn.2026-11.org.prsidecar:0f8fad5b-d9cb-469f-a165-70867728950e");
        ReadFullStatusData d = new ReadFullStatusData(0x7FFFFFFF, List.of(registrant(1, 1, X),
                registrant(2, 2, longName), holder(3, ReservationType.EXCLUSIVE_ACCESS, 3, FC)));
        byte[] b = d.encode();
        int first = 24 + 24;
        int second = 24 + longName.encode().length;
        int third = 24 + 24;
        assertEquals(8 + first + second + third, b.length);
        assertBytes(String.format("%08X", first + second + third), Wire.slice(b, 4, 8));
        assertBytes(String.format("%08X", longName.encode().length), Wire.slice(b, 8 + first + 20, 8 + first + 24));
        assertEquals(d, ReadFullStatusData.decode(b));
    }

    @Test
    void decodeReadsEveryField() throws ScsiException {
        byte[] b = hex("FF FF FF FE 00 00 00 30"
                + "80 00 00 00 00 00 00 01 00 00 00 00 01 06 00 00 00 00 12 34 00 00 00 18" + ISCSI_X);
        assertEquals(new ReadFullStatusData(-2, List.of(new Descriptor(0x8000000000000001L, false, true, 0,
                Optional.of(ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY), 0x1234, X))),
                ReadFullStatusData.decode(b));
    }

    private static byte[] oneDescriptor() {
        return new ReadFullStatusData(1, List.of(holder(9, ReservationType.WRITE_EXCLUSIVE, 1, X))).encode();
    }

    @Test
    void readFullStatusShorterThanEightBytesIsInvalid() {
        for (int n = 0; n < 8; n++) {
            byte[] b = new byte[n];
            assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {49, 56, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL})
    void additionalLengthBeyondTheDataIsInvalid(long additional) {
        byte[] b = withU32(oneDescriptor(), 4, additional);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 8, 23, 24, 47})
    void additionalLengthThatCutsADescriptorIsInvalid(long additional) {
        byte[] b = withU32(oneDescriptor(), 4, additional);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
    }

    @ParameterizedTest
    @ValueSource(longs = {0, 4, 20, 25, 28, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL})
    void additionalDescriptorLengthThatDisagreesWithTheTransportIdIsInvalid(long length) {
        byte[] b = withU32(oneDescriptor(), 8 + 20, length);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
    }

    @Test
    void transportIdShorterThanItsDescriptorLengthIsInvalid() {
        byte[] padded = concat(withU32(withU32(oneDescriptor(), 4, 52), 8 + 20, 28), new byte[4]);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(padded));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 2, 4, 9, 0xF})
    void holderWithUnknownTypeIsInvalid(int type) {
        byte[] b = withByte(oneDescriptor(), 8 + 13, type);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
    }

    @Test
    void unknownProtocolInADescriptorIsInvalid() {
        byte[] b = withByte(oneDescriptor(), 8 + 24, 0x0B);
        assertInvalidFieldInParameterList(() -> ReadFullStatusData.decode(b));
    }

    @Test
    void descriptorReportsTypeAndScopeExactlyForHolders() {
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, false, true, 0, Optional.empty(), 1, X));
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, false, false, 0, Optional.of(ReservationType.WRITE_EXCLUSIVE), 1, X));
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, false, false, 2, Optional.empty(), 1, X));
    }

    @Test
    void descriptorWithAllTgPtHasNoRelativeTargetPortId() {
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, true, false, 0, Optional.empty(), 1, X));
    }

    @Test
    void descriptorRejectsFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, false, true, 0x10, Optional.of(ReservationType.WRITE_EXCLUSIVE), 1, X));
        assertThrows(IllegalArgumentException.class,
                () -> new Descriptor(1, false, false, 0, Optional.empty(), 0x10000, X));
        assertThrows(NullPointerException.class, () -> new Descriptor(1, false, false, 0, Optional.empty(), 1, null));
    }
}
