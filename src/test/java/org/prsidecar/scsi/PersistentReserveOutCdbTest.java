package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInCdb;
import static org.prsidecar.scsi.Wire.assertParameterListLengthError;
import static org.prsidecar.scsi.Wire.assertSense;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withU32;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** PERSISTENT RESERVE OUT CDB, SPC reference 1.1 and 7.7. */
class PersistentReserveOutCdbTest {

    private static final byte[] REGISTER_24 = hex("5F 00 00 00 00 00 00 00 18 00");

    @Test
    void prOutCdbIsTenBytesWithOpcode5FhAndParameterListLengthAtBytesFiveToEight() {
        PersistentReserveOutCdb cdb = new PersistentReserveOutCdb(PrOutServiceAction.PREEMPT_AND_ABORT, 0, 5, 24, 0x04);
        //           op SA S|T       length      control
        assertBytes("5F 05 05 00 00 00 00 00 18 04", cdb.encode());
    }

    @Test
    void scopeIsByteTwoBitsSevenToFourAndTypeBitsThreeToZero() throws ScsiException {
        assertBytes("5F 01 28 00 00 00 00 00 18 00",
                new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 2, 8, 24, 0).encode());
        PersistentReserveOutCdb cdb = PersistentReserveOutCdb.decode(hex("5F 01 F3 00 00 00 00 00 18 00"));
        assertEquals(15, cdb.scope());
        assertEquals(3, cdb.typeCode());
        assertEquals(Optional.of(ReservationType.EXCLUSIVE_ACCESS), cdb.type());
    }

    @Test
    void parameterListLengthIsEncodedAsBigEndianU32() {
        byte[] b = new PersistentReserveOutCdb(PrOutServiceAction.REGISTER, 0, 0, 0x01020304L, 0).encode();
        assertBytes("01 02 03 04", Arrays.copyOfRange(b, 5, 9));
    }

    @Test
    void decodeReadsTheParameterListLengthFromBytesFiveToEight() throws ScsiException {
        assertEquals(24, PersistentReserveOutCdb.decode(REGISTER_24).parameterListLength());
        assertEquals(0xFFFF, PersistentReserveOutCdb.decode(withU32(REGISTER_24, 5, 0xFFFF)).parameterListLength());
        assertEquals(0, PersistentReserveOutCdb.decode(withU32(REGISTER_24, 5, 0)).parameterListLength());
    }

    @ParameterizedTest
    @ValueSource(longs = {0x1_0000L, 0x1_0018L, 0x0100_0018L, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL})
    void prOutCdbWithNonZeroBytesFiveAndSixIsParameterListLengthError(long length) {
        // SPC reference 7.7: QEMU frames the list by bytes 7-8; bytes 5-6 not zero -> 1A/00
        assertParameterListLengthError(() -> PersistentReserveOutCdb.decode(withU32(REGISTER_24, 5, length)));
    }

    @Test
    void decodeReadsEveryField() throws ScsiException {
        assertEquals(new PersistentReserveOutCdb(PrOutServiceAction.REGISTER_AND_MOVE, 0, 6, 0x30, 0xC0),
                PersistentReserveOutCdb.decode(hex("5F 07 06 00 00 00 00 00 30 C0")));
    }

    @ParameterizedTest
    @EnumSource(PrOutServiceAction.class)
    void serviceActionIsByteOneBitsFourToZero(PrOutServiceAction sa) throws ScsiException {
        int expected = switch (sa) {
            case REGISTER -> 0;
            case RESERVE -> 1;
            case RELEASE -> 2;
            case CLEAR -> 3;
            case PREEMPT -> 4;
            case PREEMPT_AND_ABORT -> 5;
            case REGISTER_AND_IGNORE_EXISTING_KEY -> 6;
            case REGISTER_AND_MOVE -> 7;
            case REPLACE_LOST_RESERVATION -> 8;
        };
        assertEquals(expected, sa.code());
        byte[] b = PersistentReserveOutCdb.of(sa, ReservationType.WRITE_EXCLUSIVE, 24).encode();
        assertEquals(expected, b[1]);
        assertEquals(sa, PersistentReserveOutCdb.decode(b).serviceAction());
    }

    @Test
    void everyReservedServiceActionIsInvalidFieldInCdb() {
        for (int sa = 9; sa <= 0x1F; sa++) {
            byte[] cdb = REGISTER_24.clone();
            cdb[1] = (byte) sa;
            assertInvalidFieldInCdb(() -> PersistentReserveOutCdb.decode(cdb));
        }
    }

    @Test
    void prOutCdbWithReservedServiceActionIsInvalidFieldInCdb() {
        assertInvalidFieldInCdb(() -> PersistentReserveOutCdb.decode(hex("5F 09 00 00 00 00 00 00 18 00")));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x2A, 0x5E, 0x60, 0xFF})
    void prOutCdbWithAnotherOpcodeIsInvalidCommandOperationCode(int opcode) {
        byte[] cdb = REGISTER_24.clone();
        cdb[0] = (byte) opcode;
        assertSense(SenseData.INVALID_COMMAND_OPERATION_CODE, () -> PersistentReserveOutCdb.decode(cdb));
    }

    @Test
    void prOutCdbShorterThanTenBytesIsInvalidFieldInCdb() {
        for (int n = 0; n < 10; n++) {
            byte[] shortCdb = Arrays.copyOf(REGISTER_24, n);
            assertInvalidFieldInCdb(() -> PersistentReserveOutCdb.decode(shortCdb));
        }
    }

    @Test
    void scopeAndTypeAreKeptRawForTheEngineToCheck() throws ScsiException {
        // whether SCOPE/TYPE are checked depends on the service action (SPC reference 7.1)
        for (int type = 0; type <= 0xF; type++) {
            byte[] b = REGISTER_24.clone();
            b[2] = (byte) (0x10 | type);
            PersistentReserveOutCdb cdb = PersistentReserveOutCdb.decode(b);
            assertEquals(1, cdb.scope());
            assertEquals(type, cdb.typeCode());
            assertEquals(ReservationType.fromCode(type), cdb.type());
        }
    }

    @Test
    void theSixTypeCodesAreOneThreeFiveSixSevenEight() {
        assertEquals(1, ReservationType.WRITE_EXCLUSIVE.code());
        assertEquals(3, ReservationType.EXCLUSIVE_ACCESS.code());
        assertEquals(5, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY.code());
        assertEquals(6, ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY.code());
        assertEquals(7, ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS.code());
        assertEquals(8, ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS.code());
        for (int code : new int[] {0, 2, 4, 9, 0xA, 0xF}) {
            assertEquals(Optional.empty(), ReservationType.fromCode(code));
        }
    }

    @Test
    void typeFamiliesFollowTheReference() {
        for (ReservationType t : ReservationType.values()) {
            assertEquals(t.code() == 7 || t.code() == 8, t.allRegistrants(), t::name);
            assertEquals(t.code() == 5 || t.code() == 6, t.registrantsOnly(), t::name);
            assertEquals(t.code() == 3 || t.code() == 6 || t.code() == 8, t.exclusiveAccess(), t::name);
        }
    }

    @Test
    void ofWithoutTypeWritesTypeZeroAndLuScope() {
        assertBytes("5F 03 00 00 00 00 00 00 18 00",
                PersistentReserveOutCdb.of(PrOutServiceAction.CLEAR, null, 24).encode());
    }

    @Test
    void constructorRejectsFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0x10, 1, 24, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0, 0x10, 24, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0, 1, 0x1_0000_0000L, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0, 1, -1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0, 1, 24, 0x100));
    }
}
