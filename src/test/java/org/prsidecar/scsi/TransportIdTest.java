package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.concat;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withByte;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** TransportIDs of the protocols other than iSCSI, and the protocol dispatch (SPC reference 1.4). */
class TransportIdTest {

    @Test
    void fibreChannelIsTwentyFourBytesWithNPortNameAtEightToFifteen() throws ScsiException {
        String wire = "00 00 00 00 00 00 00 00 21 00 00 24 FF 4B 5C 6D 00 00 00 00 00 00 00 00";
        FibreChannelTransportId fc = new FibreChannelTransportId(0x21000024FF4B5C6DL);
        assertBytes(wire, fc.encode());
        assertEquals(fc, TransportId.decode(hex(wire)));
        assertEquals(TransportId.PROTOCOL_FC, fc.protocolIdentifier());
        assertEquals("fc:0x21000024ff4b5c6d", fc.text());
    }

    @Test
    void sasIsTwentyFourBytesWithSasAddressAtFourToEleven() throws ScsiException {
        String wire = "06 00 00 00 50 06 05 B0 00 C7 A0 B1 00 00 00 00 00 00 00 00 00 00 00 00";
        SasTransportId sas = new SasTransportId(0x500605B000C7A0B1L);
        assertBytes(wire, sas.encode());
        assertEquals(sas, TransportId.decode(hex(wire)));
        assertEquals(TransportId.PROTOCOL_SAS, sas.protocolIdentifier());
        assertEquals("sas:0x500605b000c7a0b1", sas.text());
    }

    @Test
    void srpIsTwentyFourBytesWithTheSixteenBytePortIdAtEightToTwentyThree() throws ScsiException {
        String port = "FE 80 00 00 00 00 00 00 00 02 C9 03 00 0E 5A 41";
        String wire = "04 00 00 00 00 00 00 00" + port;
        SrpTransportId srp = new SrpTransportId(hex(port));
        assertBytes(wire, srp.encode());
        assertEquals(srp, TransportId.decode(hex(wire)));
        assertEquals(TransportId.PROTOCOL_SRP, srp.protocolIdentifier());
        assertEquals("srp:0xfe800000000000000002c903000e5a41", srp.text());
    }

    @Test
    void ieee1394IsTwentyFourBytesWithEui64AtEightToFifteen() throws ScsiException {
        String wire = "03 00 00 00 00 00 00 00 00 30 E0 F2 11 22 33 44 00 00 00 00 00 00 00 00";
        Ieee1394TransportId sbp = new Ieee1394TransportId(0x0030E0F211223344L);
        assertBytes(wire, sbp.encode());
        assertEquals(sbp, TransportId.decode(hex(wire)));
        assertEquals(TransportId.PROTOCOL_IEEE1394, sbp.protocolIdentifier());
        assertEquals("sbp:0x0030e0f211223344", sbp.text());
    }

    @Test
    void protocolIdentifiersAreTheStandardsCodes() {
        assertEquals(0x0, TransportId.PROTOCOL_FC);
        assertEquals(0x3, TransportId.PROTOCOL_IEEE1394);
        assertEquals(0x4, TransportId.PROTOCOL_SRP);
        assertEquals(0x5, TransportId.PROTOCOL_ISCSI);
        assertEquals(0x6, TransportId.PROTOCOL_SAS);
        assertEquals(0x5, new IscsiTransportId("iqn.x").protocolIdentifier());
    }

    @Test
    void bytesOutsideTheIdentifierAreIgnored() throws ScsiException {
        // reserved bytes: an FC TransportID with garbage in 1-7 and 16-23 is the same port
        byte[] b = hex("00 FF FF FF FF FF FF FF 21 00 00 24 FF 4B 5C 6D FF FF FF FF FF FF FF FF");
        assertEquals(new FibreChannelTransportId(0x21000024FF4B5C6DL), TransportId.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x03, 0x04, 0x06})
    void twentyFourByteTransportIdTruncatedIsInvalidFieldInParameterList(int protocol) {
        for (int n = 0; n < 24; n++) {
            byte[] b = new byte[n];
            if (n > 0) {
                b[0] = (byte) protocol;
            }
            assertInvalidFieldInParameterList(() -> TransportId.decode(b));
        }
    }

    @Test
    void trailingBytesAfterAWholeTransportIdAreInvalidFieldInParameterList() {
        byte[] b = concat(new FibreChannelTransportId(1).encode(), new byte[4]);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x40, 0x80, 0xC0, 0x43, 0x84, 0xC6})
    void nonZeroFormatForFcSasSrpOr1394IsInvalidFieldInParameterList(int byte0) {
        byte[] b = withByte(new byte[24], 0, byte0);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x1, 0x2, 0x7, 0x8, 0x9, 0xA, 0xB, 0xC, 0xD, 0xE, 0xF})
    void unknownProtocolIdentifierIsInvalidFieldInParameterList(int protocol) {
        byte[] b = withByte(new byte[24], 0, protocol);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b));
        byte[] longer = withByte(new byte[64], 0, protocol);
        assertInvalidFieldInParameterList(() -> TransportId.decode(longer, 0, 64));
    }

    @Test
    void decodeOfARangeReportsTheBytesItUsed() throws ScsiException {
        byte[] b = concat(new byte[5], new SasTransportId(7).encode(), new byte[9]);
        TransportId.Decoded d = TransportId.decode(b, 5, b.length);
        assertEquals(new SasTransportId(7), d.id());
        assertEquals(24, d.length());
        assertInvalidFieldInParameterList(() -> TransportId.decode(b, 5, 28));
    }

    @Test
    void aBadRangeIsAProgrammingError() {
        byte[] b = new byte[24];
        assertThrows(IllegalArgumentException.class, () -> TransportId.decode(b, -1, 24));
        assertThrows(IllegalArgumentException.class, () -> TransportId.decode(b, 0, 25));
        assertThrows(IllegalArgumentException.class, () -> TransportId.decode(b, 10, 9));
    }

    @Test
    void textFormsParseBack() {
        for (TransportId id : new TransportId[] {new FibreChannelTransportId(0x21000024FF4B5C6DL),
                new FibreChannelTransportId(0), new FibreChannelTransportId(-1), new SasTransportId(Long.MIN_VALUE),
                new Ieee1394TransportId(42), new SrpTransportId(new byte[16])}) {
            assertEquals(id, TransportId.parse(id.text()));
        }
    }

    @Test
    void parseAcceptsPrefixesInAnyCaseAndHexWithoutZeroX() {
        assertEquals(new FibreChannelTransportId(0x1F), TransportId.parse("FC:1f"));
        assertEquals(new SasTransportId(0x5000), TransportId.parse("Sas:0X5000"));
        assertEquals(new Ieee1394TransportId(1), TransportId.parse("SBP:1"));
        assertEquals(new SrpTransportId(hex("000102030405060708090A0B0C0D0E0F")),
                TransportId.parse("srp:000102030405060708090a0b0c0d0e0f"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"fc:", "fc:0x", "fc:0x12345678901234567", "fc:xyz", "sas:-1", "sbp:0x1g",
            "srp:0x00", "srp:0x000102030405060708090a0b0c0d0e0", "srp:0x000102030405060708090a0b0c0d0e0g"})
    void malformedTextIsIllegalArgument(String text) {
        assertThrows(IllegalArgumentException.class, () -> TransportId.parse(text));
    }

    @Test
    void srpPortIdIsCopiedInAndOut() {
        byte[] port = new byte[16];
        SrpTransportId srp = new SrpTransportId(port);
        port[0] = 1;
        assertEquals(0, srp.portId()[0]);
        srp.portId()[1] = 1;
        assertEquals(0, srp.portId()[1]);
        assertEquals(new SrpTransportId(new byte[16]).hashCode(), srp.hashCode());
        assertNotEquals(new SrpTransportId(Arrays.copyOf(new byte[] {1}, 16)), srp);
        assertThrows(IllegalArgumentException.class, () -> new SrpTransportId(new byte[15]));
    }

    @Test
    void identicalIdentifiersOfDifferentProtocolsDiffer() {
        assertNotEquals(new FibreChannelTransportId(1), new Ieee1394TransportId(1));
        assertNotEquals(new FibreChannelTransportId(1), new SasTransportId(1));
        assertArrayEquals(new FibreChannelTransportId(1).encode(),
                withByte(new Ieee1394TransportId(1).encode(), 0, 0));
    }
}
