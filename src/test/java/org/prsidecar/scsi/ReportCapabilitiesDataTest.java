package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withU16;

import java.util.EnumSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** REPORT CAPABILITIES data, SPC reference 1.5: the codec owns the bit positions. */
class ReportCapabilitiesDataTest {

    private static final Set<ReservationType> ALL_SIX = EnumSet.allOf(ReservationType.class);

    private static ReportCapabilitiesData caps(boolean rlrC, boolean crh, boolean sipC, boolean atpC, boolean ptplC,
            boolean tmv, int allow, boolean ptplA, Set<ReservationType> mask) {
        return new ReportCapabilitiesData(rlrC, crh, sipC, atpC, ptplC, tmv, allow, ptplA, mask);
    }

    private static final ReportCapabilitiesData NOTHING = caps(false, false, false, false, false, false, 0, false,
            Set.of());

    @Test
    void reportCapabilitiesIsAlwaysEightBytesWithLengthEight() {
        assertBytes("00 08 00 00 00 00 00 00", NOTHING.encode());
    }

    @Test
    void byteTwoHoldsRlrcBitSevenCrhBitFourSipcBitThreeAtpcBitTwoPtplcBitZero() {
        assertEquals((byte) 0x80, caps(true, false, false, false, false, false, 0, false, Set.of()).encode()[2]);
        assertEquals(0x10, caps(false, true, false, false, false, false, 0, false, Set.of()).encode()[2]);
        assertEquals(0x08, caps(false, false, true, false, false, false, 0, false, Set.of()).encode()[2]);
        assertEquals(0x04, caps(false, false, false, true, false, false, 0, false, Set.of()).encode()[2]);
        assertEquals(0x01, caps(false, false, false, false, true, false, 0, false, Set.of()).encode()[2]);
    }

    @Test
    void byteThreeHoldsTmvBitSevenAllowCommandsBitsSixToFourPtplaBitZero() {
        assertEquals((byte) 0x80, caps(false, false, false, false, false, true, 0, false, Set.of()).encode()[3]);
        assertEquals(0x01, caps(false, false, false, false, false, false, 0, true, Set.of()).encode()[3]);
        for (int allow = 0; allow <= 7; allow++) {
            assertEquals(allow << 4, caps(false, false, false, false, false, false, allow, false, Set.of())
                    .encode()[3]);
        }
    }

    @Test
    void typeMaskOfAllSixIsEaHex01Hex() {
        assertBytes("00 08 00 00 EA 01 00 00",
                caps(false, false, false, false, false, false, 0, false, ALL_SIX).encode());
    }

    @Test
    void eachTypeHasItsOwnMaskBit() {
        assertBytes("80 00", mask(ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS));
        assertBytes("40 00", mask(ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY));
        assertBytes("20 00", mask(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY));
        assertBytes("08 00", mask(ReservationType.EXCLUSIVE_ACCESS));
        assertBytes("02 00", mask(ReservationType.WRITE_EXCLUSIVE));
        assertBytes("00 01", mask(ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS));
    }

    private static byte[] mask(ReservationType t) {
        byte[] b = caps(false, false, false, false, false, false, 0, false, Set.of(t)).encode();
        return new byte[] {b[4], b[5]};
    }

    @Test
    void prsidecarsDecisionEncodesAsTheReferenceDescribes() throws ScsiException {
        // SPC reference 1.5 Decision: RLR_C=0, CRH=0, SIP_C=1, ATP_C=1, PTPL_C=1, TMV=1,
        // ALLOW COMMANDS 000b, PTPL_A = current APTPL, all six types
        ReportCapabilitiesData on = caps(false, false, true, true, true, true, 0, true, ALL_SIX);
        assertBytes("00 08 0D 81 EA 01 00 00", on.encode());
        assertBytes("00 08 0D 80 EA 01 00 00", caps(false, false, true, true, true, true, 0, false, ALL_SIX).encode());
        assertEquals(on, ReportCapabilitiesData.decode(on.encode()));
    }

    @Test
    void decodeReadsEveryBit() throws ScsiException {
        assertEquals(caps(true, true, true, true, true, true, 7, true, ALL_SIX),
                ReportCapabilitiesData.decode(hex("00 08 9D F1 EA 01 00 00")));
        assertEquals(caps(false, false, false, false, false, false, 5, false,
                EnumSet.of(ReservationType.EXCLUSIVE_ACCESS, ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS)),
                ReportCapabilitiesData.decode(hex("00 08 00 50 08 01 00 00")));
    }

    @Test
    void reportCapabilitiesShorterThanEightBytesIsInvalid() {
        for (int n = 0; n < 8; n++) {
            byte[] b = new byte[n];
            assertInvalidFieldInParameterList(() -> ReportCapabilitiesData.decode(b));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 7, 9, 16, 0x8000, 0xFFFF})
    void lengthOtherThanEightIsInvalid(int length) {
        byte[] b = withU16(NOTHING.encode(), 0, length);
        assertInvalidFieldInParameterList(() -> ReportCapabilitiesData.decode(b));
    }

    @Test
    void allowCommandsIsThreeBits() {
        assertThrows(IllegalArgumentException.class,
                () -> caps(false, false, false, false, false, false, 8, false, Set.of()));
        assertThrows(IllegalArgumentException.class,
                () -> caps(false, false, false, false, false, false, -1, false, Set.of()));
    }

    @Test
    void typeMaskIsACopy() {
        EnumSet<ReservationType> mask = EnumSet.of(ReservationType.WRITE_EXCLUSIVE);
        ReportCapabilitiesData d = caps(false, false, false, false, false, false, 0, false, mask);
        mask.add(ReservationType.EXCLUSIVE_ACCESS);
        assertEquals(Set.of(ReservationType.WRITE_EXCLUSIVE), d.typeMask());
        assertThrows(UnsupportedOperationException.class, () -> d.typeMask().clear());
    }
}
