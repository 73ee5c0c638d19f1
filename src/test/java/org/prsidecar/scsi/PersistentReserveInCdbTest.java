package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInCdb;
import static org.prsidecar.scsi.Wire.assertSense;
import static org.prsidecar.scsi.Wire.hex;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** PERSISTENT RESERVE IN CDB, SPC reference 1.1. */
class PersistentReserveInCdbTest {

    @Test
    void prInCdbIsTenBytesWithOpcode5EhServiceActionAllocationLengthAndControl() {
        PersistentReserveInCdb cdb = new PersistentReserveInCdb(PrInServiceAction.READ_FULL_STATUS, 0x1234, 0x04);
        //           op SA                allocation control
        assertBytes("5E 03 00 00 00 00 00 12 34      04", cdb.encode());
    }

    @ParameterizedTest
    @EnumSource(PrInServiceAction.class)
    void serviceActionIsByteOneBitsFourToZero(PrInServiceAction sa) {
        int expected = switch (sa) {
            case READ_KEYS -> 0;
            case READ_RESERVATION -> 1;
            case REPORT_CAPABILITIES -> 2;
            case READ_FULL_STATUS -> 3;
        };
        assertEquals(expected, sa.code());
        byte[] b = PersistentReserveInCdb.of(sa, 8).encode();
        assertEquals(expected, b[1]);
    }

    @Test
    void allocationLengthIsBigEndianU16AtBytesSevenAndEight() throws ScsiException {
        PersistentReserveInCdb cdb = PersistentReserveInCdb.decode(hex("5E 00 00 00 00 00 00 FF FE 00"));
        assertEquals(0xFFFE, cdb.allocationLength());
        assertEquals(0xFFFF, PersistentReserveInCdb.decode(hex("5E 00 00 00 00 00 00 FF FF 00")).allocationLength());
        assertEquals(0, PersistentReserveInCdb.decode(hex("5E 00 00 00 00 00 00 00 00 00")).allocationLength());
    }

    @Test
    void decodeReadsEveryField() throws ScsiException {
        PersistentReserveInCdb cdb = PersistentReserveInCdb.decode(hex("5E 01 00 00 00 00 00 02 00 80"));
        assertEquals(new PersistentReserveInCdb(PrInServiceAction.READ_RESERVATION, 0x200, 0x80), cdb);
    }

    @Test
    void bytesAfterTheTenthAreIgnoredAsQemuPadsCdbsToSixteen() throws ScsiException {
        byte[] sixteen = Arrays.copyOf(hex("5E 00 00 00 00 00 00 00 18 00"), 16);
        Arrays.fill(sixteen, 10, 16, (byte) 0xAA);
        assertEquals(PersistentReserveInCdb.of(PrInServiceAction.READ_KEYS, 24), PersistentReserveInCdb.decode(sixteen));
    }

    @ParameterizedTest
    @ValueSource(ints = {4, 5, 8, 0x10, 0x1F})
    void prInCdbWithReservedServiceActionIsInvalidFieldInCdb(int sa) {
        byte[] cdb = hex("5E 00 00 00 00 00 00 10 00 00");
        cdb[1] = (byte) sa;
        assertInvalidFieldInCdb(() -> PersistentReserveInCdb.decode(cdb));
    }

    @Test
    void everyReservedServiceActionIsInvalidFieldInCdb() {
        for (int sa = 4; sa <= 0x1F; sa++) {
            byte[] cdb = hex("5E 00 00 00 00 00 00 10 00 00");
            cdb[1] = (byte) sa;
            assertInvalidFieldInCdb(() -> PersistentReserveInCdb.decode(cdb));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0x00, 0x12, 0x5D, 0x5F, 0xA3, 0xFF})
    void prInCdbWithAnotherOpcodeIsInvalidCommandOperationCode(int opcode) {
        byte[] cdb = hex("5E 00 00 00 00 00 00 10 00 00");
        cdb[0] = (byte) opcode;
        assertSense(SenseData.INVALID_COMMAND_OPERATION_CODE, () -> PersistentReserveInCdb.decode(cdb));
    }

    @Test
    void prInCdbShorterThanTenBytesIsInvalidFieldInCdb() {
        byte[] full = hex("5E 00 00 00 00 00 00 10 00 00");
        for (int n = 0; n < 10; n++) {
            byte[] shortCdb = Arrays.copyOf(full, n);
            assertInvalidFieldInCdb(() -> PersistentReserveInCdb.decode(shortCdb));
        }
    }

    @Test
    void constructorRejectsFieldsThatDoNotFit() {
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveInCdb(PrInServiceAction.READ_KEYS, 0x10000, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveInCdb(PrInServiceAction.READ_KEYS, -1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> new PersistentReserveInCdb(PrInServiceAction.READ_KEYS, 8, 0x100));
        assertThrows(NullPointerException.class, () -> new PersistentReserveInCdb(null, 8, 0));
    }

    @Test
    void serviceActionCodesMapBothWays() {
        for (PrInServiceAction sa : PrInServiceAction.values()) {
            assertEquals(sa, PrInServiceAction.fromCode(sa.code()).orElseThrow());
        }
        assertEquals(java.util.Optional.empty(), PrInServiceAction.fromCode(4));
    }
}
