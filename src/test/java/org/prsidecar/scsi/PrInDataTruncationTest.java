package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.scsi.ReadFullStatusData.Descriptor;

/**
 * Allocation length, SPC reference 1.5: min(allocation length, available) bytes, a prefix of
 * the whole answer, header lengths describing the whole answer, allocation below 8 not an error.
 */
class PrInDataTruncationTest {

    static Stream<Arguments> answers() {
        IscsiTransportId a = new IscsiTransportId("iqn.2026-11.org.prsidecar:a");
        IscsiTransportId b = new IscsiTransportId("iqn.2026-11.org.prsidecar:b", Optional.of("0123456789ab"));
        return Stream.of(
                Arguments.of("READ KEYS, none", new ReadKeysData(3, List.of())),
                Arguments.of("READ KEYS, three", new ReadKeysData(3, List.of(0xAL, 0xBL, 0xAL))),
                Arguments.of("READ RESERVATION, none", new ReadReservationData(3, Optional.empty())),
                Arguments.of("READ RESERVATION, held", new ReadReservationData(3, Optional.of(
                        new ReadReservationData.Reserved(0xA, 0, ReservationType.WRITE_EXCLUSIVE)))),
                Arguments.of("REPORT CAPABILITIES", new ReportCapabilitiesData(false, false, true, true, true, true, 0,
                        true, EnumSet.allOf(ReservationType.class))),
                Arguments.of("READ FULL STATUS, none", new ReadFullStatusData(3, List.of())),
                Arguments.of("READ FULL STATUS, two", new ReadFullStatusData(3, List.of(
                        new Descriptor(0xA, false, true, 0, Optional.of(ReservationType.EXCLUSIVE_ACCESS), 1, a),
                        new Descriptor(0xB, true, false, 0, Optional.empty(), 0, b)))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void truncatedAnswerIsAPrefixOfMinAllocationAndAvailable(String name, PrInData data) {
        byte[] full = data.encode();
        for (int n = 0; n <= full.length + 16; n++) {
            byte[] got = data.encode(n);
            assertArrayEquals(Arrays.copyOf(full, Math.min(n, full.length)), got, name + " at " + n);
        }
        assertArrayEquals(full, data.encode(0xFFFF));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void headerLengthFieldsDescribeTheWholeAnswer(String name, PrInData data) {
        byte[] full = data.encode();
        // REPORT CAPABILITIES has LENGTH at 0-1; the others ADDITIONAL LENGTH at 4-7
        int from = data instanceof ReportCapabilitiesData ? 0 : 4;
        int to = data instanceof ReportCapabilitiesData ? 2 : 8;
        long announced = 0;
        for (int i = from; i < to; i++) {
            announced = announced << 8 | (full[i] & 0xFF);
        }
        assertEquals(data instanceof ReportCapabilitiesData ? full.length : full.length - 8, announced, name);
        for (int n = to; n < full.length; n++) {
            assertArrayEquals(Arrays.copyOfRange(full, from, to), Arrays.copyOfRange(data.encode(n), from, to),
                    name + " at " + n);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void allocationLengthBelowEightIsNotAnError(String name, PrInData data) {
        for (int n = 0; n < 8; n++) {
            assertEquals(n, data.encode(n).length, name);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("answers")
    void negativeAllocationLengthIsAProgrammingError(String name, PrInData data) {
        assertThrows(IllegalArgumentException.class, () -> data.encode(-1));
    }
}
