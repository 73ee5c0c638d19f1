package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withU32;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** READ KEYS data, SPC reference 1.5. */
class ReadKeysDataTest {

    @Test
    void readKeysWithoutRegistrationsIsEightBytes() {
        //           PRGENERATION ADDITIONAL LENGTH
        assertBytes("00 00 00 07 00 00 00 00", new ReadKeysData(7, List.of()).encode());
    }

    @Test
    void readKeysHasAdditionalLengthEightTimesTheKeysThenTheKeysBigEndian() {
        ReadKeysData d = new ReadKeysData(0x01020304, List.of(0x0A0B0C0D0E0F1011L, 0x8000000000000001L));
        assertBytes("01 02 03 04 00 00 00 10 0A 0B 0C 0D 0E 0F 10 11 80 00 00 00 00 00 00 01", d.encode());
    }

    @Test
    void aKeyRegisteredByTwoNexusesAppearsTwice() throws ScsiException {
        ReadKeysData d = new ReadKeysData(2, List.of(0xAAL, 0xAAL));
        assertEquals(24, d.encode().length);
        assertEquals(List.of(0xAAL, 0xAAL), ReadKeysData.decode(d.encode()).keys());
    }

    @Test
    void generationIsAnUnsigned32BitCounterThatWraps() throws ScsiException {
        ReadKeysData d = new ReadKeysData(0xFFFFFFFF, List.of());
        assertBytes("FF FF FF FF 00 00 00 00", d.encode());
        assertEquals(-1, ReadKeysData.decode(d.encode()).generation());
    }

    @Test
    void decodeReadsGenerationAndKeys() throws ScsiException {
        assertEquals(new ReadKeysData(0x10, List.of(1L, -1L)),
                ReadKeysData.decode(hex("00 00 00 10 00 00 00 10 00 00 00 00 00 00 00 01 FF FF FF FF FF FF FF FF")));
    }

    @Test
    void readKeysDataShorterThanEightBytesIsInvalid() {
        for (int n = 0; n < 8; n++) {
            byte[] b = new byte[n];
            assertInvalidFieldInParameterList(() -> ReadKeysData.decode(b));
        }
    }

    @ParameterizedTest
    @ValueSource(longs = {1, 4, 7, 9, 15})
    void additionalLengthNotAMultipleOfEightIsInvalid(long additional) {
        byte[] b = withU32(new byte[32], 4, additional);
        assertInvalidFieldInParameterList(() -> ReadKeysData.decode(b));
    }

    @ParameterizedTest
    @ValueSource(longs = {32, 0x7FFF_FFF8L, 0x8000_0000L, 0xFFFF_FFF8L, 0xFFFF_FFFFL})
    void additionalLengthBeyondTheDataIsInvalid(long additional) {
        byte[] b = withU32(new byte[32], 4, additional);
        assertInvalidFieldInParameterList(() -> ReadKeysData.decode(b));
    }
}
