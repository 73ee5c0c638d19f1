package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.hex;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Sense data: fixed format out (SPC reference 7.8), fixed or descriptor format in. */
class SenseDataTest {

    @Test
    void fixedFormatIs70hWithKeyAtTwoAdditionalLengthTenAtSevenAndAscAscqAtTwelveAndThirteen() {
        //           70 rs key info........ len csi........ ASC ASCQ FRU sks.....
        assertBytes("70 00 05 00 00 00 00 0A 00 00 00 00 24 00 00 00 00 00",
                SenseData.INVALID_FIELD_IN_CDB.encode());
        assertBytes("70 00 06 00 00 00 00 0A 00 00 00 00 2A 03 00 00 00 00",
                SenseData.RESERVATIONS_PREEMPTED.encode());
        assertEquals(18, SenseData.FIXED_LENGTH);
    }

    @Test
    void encodeIntoOverwritesAStaleBufferAndLeavesTheRestAlone() {
        // regression: only five bytes were written, so a reused sense buffer kept stale
        // INFORMATION, COMMAND-SPECIFIC, FRU and SENSE-KEY-SPECIFIC bytes
        byte[] buffer = new byte[96];
        Arrays.fill(buffer, (byte) 0xEE);
        SenseData.REGISTRATIONS_PREEMPTED.encodeInto(buffer);
        assertArrayEquals(SenseData.REGISTRATIONS_PREEMPTED.encode(), Arrays.copyOf(buffer, 18));
        for (int i = 18; i < 96; i++) {
            assertEquals((byte) 0xEE, buffer[i]);
        }
        assertThrows(IllegalArgumentException.class, () -> SenseData.INVALID_FIELD_IN_CDB.encodeInto(new byte[17]));
    }

    @Test
    void theSenseCodesTheReferenceNames() {
        assertSense(SenseKey.ILLEGAL_REQUEST, 0x20, 0x00, SenseData.INVALID_COMMAND_OPERATION_CODE);
        assertSense(SenseKey.ILLEGAL_REQUEST, 0x24, 0x00, SenseData.INVALID_FIELD_IN_CDB);
        assertSense(SenseKey.ILLEGAL_REQUEST, 0x26, 0x00, SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        assertSense(SenseKey.ILLEGAL_REQUEST, 0x1A, 0x00, SenseData.PARAMETER_LIST_LENGTH_ERROR);
        assertSense(SenseKey.ILLEGAL_REQUEST, 0x26, 0x04, SenseData.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        assertSense(SenseKey.UNIT_ATTENTION, 0x2A, 0x03, SenseData.RESERVATIONS_PREEMPTED);
        assertSense(SenseKey.UNIT_ATTENTION, 0x2A, 0x04, SenseData.RESERVATIONS_RELEASED);
        assertSense(SenseKey.UNIT_ATTENTION, 0x2A, 0x05, SenseData.REGISTRATIONS_PREEMPTED);
        assertSense(SenseKey.UNIT_ATTENTION, 0x2F, 0x00, SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
        assertEquals(0x5, SenseKey.ILLEGAL_REQUEST.code());
        assertEquals(0x6, SenseKey.UNIT_ATTENTION.code());
        assertEquals(0x7, SenseKey.DATA_PROTECT.code());
    }

    private static void assertSense(SenseKey key, int asc, int ascq, SenseData s) {
        assertEquals(new SenseData(key, asc, ascq), s);
    }

    @Test
    void decodeReadsFixedFormat() throws ScsiException {
        assertEquals(SenseData.INVALID_FIELD_IN_CDB, SenseData.decode(SenseData.INVALID_FIELD_IN_CDB.encode()));
        // VALID bit set, deferred error (71h), FILEMARK/EOM/ILI bits around the key, trailing bytes
        byte[] deferred = Arrays.copyOf(hex("F1 00 E6 00 00 00 00 0A 00 00 00 00 2A 05 00 00 00 00"), 96);
        assertEquals(SenseData.REGISTRATIONS_PREEMPTED, SenseData.decode(deferred));
    }

    @Test
    void decodeReadsDescriptorFormat() throws ScsiException {
        assertEquals(SenseData.INVALID_FIELD_IN_PARAMETER_LIST, SenseData.decode(hex("72 05 26 00 00 00 00 00")));
        assertEquals(SenseData.RESERVATIONS_RELEASED, SenseData.decode(hex("73 06 2A 04 00 00 00 00")));
        assertEquals(new SenseData(SenseKey.NOT_READY, 0x04, 0x01), SenseData.decode(hex("72 F2 04 01")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 13})
    void fixedFormatShorterThanFourteenBytesIsAScsiException(int length) {
        byte[] b = Arrays.copyOf(SenseData.INVALID_FIELD_IN_CDB.encode(), length);
        assertThrows(ScsiException.class, () -> SenseData.decode(b));
    }

    @Test
    void descriptorFormatShorterThanFourBytesIsAScsiException() {
        assertThrows(ScsiException.class, () -> SenseData.decode(hex("72 05 24")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x01, 0x6F, 0x74, 0x7F, 0xFF})
    void unknownResponseCodeIsAScsiException(int code) {
        byte[] b = SenseData.INVALID_FIELD_IN_CDB.encode();
        b[0] = (byte) code;
        assertThrows(ScsiException.class, () -> SenseData.decode(b));
    }

    @Test
    void senseKeysPrsidecarDoesNotModelAreAScsiException() {
        // 8h BLANK CHECK, 9h vendor specific, Ah COPY ABORTED, Dh VOLUME OVERFLOW, Eh MISCOMPARE, Fh
        for (int key : new int[] {0x8, 0x9, 0xA, 0xC, 0xD, 0xE, 0xF}) {
            assertThrows(ScsiException.class, () -> SenseData.decode(hex(String.format("72 %02X 00 00", key))));
        }
    }

    @Test
    void toStringReadsLikeTheStandard() {
        assertEquals("ILLEGAL_REQUEST 24/00 INVALID FIELD IN CDB", SenseData.INVALID_FIELD_IN_CDB.toString());
        assertEquals("UNIT_ATTENTION 2A/05 REGISTRATIONS PREEMPTED", SenseData.REGISTRATIONS_PREEMPTED.toString());
        assertEquals("ILLEGAL_REQUEST 26/04 INVALID RELEASE OF PERSISTENT RESERVATION",
                SenseData.INVALID_RELEASE_OF_PERSISTENT_RESERVATION.toString());
        assertTrue(new SenseData(SenseKey.MEDIUM_ERROR, 0x11, 0x00).toString().endsWith("ASC 11h ASCQ 00h"));
    }

    @Test
    void constructorRejectsCodesThatDoNotFit() {
        assertThrows(IllegalArgumentException.class, () -> new SenseData(SenseKey.NO_SENSE, 0x100, 0));
        assertThrows(IllegalArgumentException.class, () -> new SenseData(SenseKey.NO_SENSE, 0, -1));
        assertThrows(NullPointerException.class, () -> new SenseData(null, 0, 0));
    }

    @Test
    void reservationConflictCarriesNoSense() {
        // SPC reference 2.10: RESERVATION CONFLICT is status 18h with no sense data
        ScsiException e = new ScsiException(ScsiStatus.RESERVATION_CONFLICT, null, "conflict");
        assertEquals(0x18, e.status().code());
        assertEquals(Optional.empty(), e.sense());
        assertThrows(IllegalArgumentException.class, () -> new ScsiException(ScsiStatus.CHECK_CONDITION, null, "x"));
    }

    @Test
    void statusCodes() {
        assertEquals(0x00, ScsiStatus.GOOD.code());
        assertEquals(0x02, ScsiStatus.CHECK_CONDITION.code());
        assertEquals(0x08, ScsiStatus.BUSY.code());
        assertEquals(0x18, ScsiStatus.RESERVATION_CONFLICT.code());
        assertEquals(0x28, ScsiStatus.TASK_SET_FULL.code());
        assertEquals(Optional.of(ScsiStatus.RESERVATION_CONFLICT), ScsiStatus.fromCode(0x18));
        assertEquals(Optional.empty(), ScsiStatus.fromCode(0x04));
    }

    @Test
    void exceptionFactoriesCarryTheirSense() {
        assertEquals(SenseData.INVALID_FIELD_IN_CDB, ScsiException.invalidFieldInCdb("x").sense().orElseThrow());
        assertEquals(SenseData.INVALID_FIELD_IN_PARAMETER_LIST,
                ScsiException.invalidFieldInParameterList("x").sense().orElseThrow());
        assertEquals(SenseData.PARAMETER_LIST_LENGTH_ERROR,
                ScsiException.parameterListLengthError("x").sense().orElseThrow());
        ScsiException withCause = new ScsiException(ScsiStatus.CHECK_CONDITION, SenseData.INTERNAL_TARGET_FAILURE,
                "io", new java.io.IOException("disk"));
        assertEquals("disk", withCause.getCause().getMessage());
        assertEquals(ScsiStatus.CHECK_CONDITION, withCause.status());
    }
}
