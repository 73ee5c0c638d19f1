package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeout;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.scsi.Wire.withU16;
import static org.prsidecar.scsi.Wire.withU32;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.prsidecar.scsi.ReadFullStatusData.Descriptor;
import org.prsidecar.scsi.ScsiRoundTripPropertiesTest.Decoder;

/**
 * Every length field of every decoder set to extreme values (0xFFFFFFFF and friends for 32-bit
 * fields, 0xFFFF for 16-bit ones): the decoder answers at once with the right sense and never
 * allocates by the length field (SPC reference 1.1: "never allocate from the length before
 * bounding it"). Allocation is measured per thread, so a 4 GiB or even a 64 KiB allocation
 * sized by the input shows up whatever the heap size.
 */
class ExtremeLengthFieldTest {

    /** A decode of these small inputs allocates a few KiB (the exception and its message). */
    private static final long ALLOCATION_LIMIT = 32 * 1024;

    private static com.sun.management.ThreadMXBean threads;

    @BeforeAll
    static void allocationCounter() {
        if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx
                && mx.isThreadAllocatedMemorySupported()) {
            mx.setThreadAllocatedMemoryEnabled(true);
            threads = mx;
        }
    }

    private static final IscsiTransportId X = new IscsiTransportId("iqn.2026-11.org.prsidecar:x");
    private static final long[] EXTREME_32 = {0xFFFF_FFFFL, 0xFFFF_FFF8L, 0x8000_0000L, 0x7FFF_FFFFL, 0x7FFF_FFF8L};
    private static final int[] EXTREME_16 = {0xFFFF, 0xFFFC, 0x8000};

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        byte[] prOut = PersistentReserveOutCdb.of(PrOutServiceAction.REGISTER, null, 24).encode();
        byte[] specIpt = new BasicParameterList(1, 2, true, false, false, List.of(X)).encode();
        byte[] move = new RegisterAndMoveParameterList(1, 2, false, false, 1, X).encode();
        byte[] keys = new ReadKeysData(1, List.of(0xAL, 0xBL)).encode();
        byte[] reservation = new ReadReservationData(1, Optional.of(
                new ReadReservationData.Reserved(0xA, 0, ReservationType.WRITE_EXCLUSIVE))).encode();
        byte[] status = new ReadFullStatusData(1, List.of(
                new Descriptor(0xA, false, false, 0, Optional.empty(), 1, X))).encode();
        for (long v : EXTREME_32) {
            String hex = String.format("%08X", v);
            cases.add(Arguments.of("PR OUT CDB PARAMETER LIST LENGTH " + hex, withU32(prOut, 5, v),
                    (Decoder<?>) PersistentReserveOutCdb::decode, SenseData.PARAMETER_LIST_LENGTH_ERROR));
            cases.add(Arguments.of("SPEC_I_PT TRANSPORTID PARAMETER DATA LENGTH " + hex, withU32(specIpt, 24, v),
                    (Decoder<?>) BasicParameterList::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("REGISTER AND MOVE TRANSPORTID PARAMETER DATA LENGTH " + hex, withU32(move, 20, v),
                    (Decoder<?>) RegisterAndMoveParameterList::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("READ KEYS ADDITIONAL LENGTH " + hex, withU32(keys, 4, v),
                    (Decoder<?>) ReadKeysData::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("READ RESERVATION ADDITIONAL LENGTH " + hex, withU32(reservation, 4, v),
                    (Decoder<?>) ReadReservationData::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("READ FULL STATUS ADDITIONAL LENGTH " + hex, withU32(status, 4, v),
                    (Decoder<?>) ReadFullStatusData::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("READ FULL STATUS ADDITIONAL DESCRIPTOR LENGTH " + hex, withU32(status, 28, v),
                    (Decoder<?>) ReadFullStatusData::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
        }
        for (int v : EXTREME_16) {
            String hex = String.format("%04X", v);
            cases.add(Arguments.of("iSCSI ADDITIONAL LENGTH " + hex, withU16(X.encode(), 2, v),
                    (Decoder<?>) TransportId::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("iSCSI ADDITIONAL LENGTH in a SPEC_I_PT list " + hex, withU16(specIpt, 28 + 2, v),
                    (Decoder<?>) BasicParameterList::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("iSCSI ADDITIONAL LENGTH in REGISTER AND MOVE " + hex, withU16(move, 24 + 2, v),
                    (Decoder<?>) RegisterAndMoveParameterList::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("iSCSI ADDITIONAL LENGTH in READ FULL STATUS " + hex,
                    withU16(status, 8 + 24 + 2, v), (Decoder<?>) ReadFullStatusData::decode,
                    SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
            cases.add(Arguments.of("REPORT CAPABILITIES LENGTH " + hex,
                    withU16(new ReportCapabilitiesData(false, false, true, true, true, true, 0, false,
                            java.util.Set.of()).encode(), 0, v),
                    (Decoder<?>) ReportCapabilitiesData::decode, SenseData.INVALID_FIELD_IN_PARAMETER_LIST));
        }
        // not errors: a 16-bit allocation length is whatever the initiator wants, and the sense
        // ADDITIONAL LENGTH only says how much follows
        cases.add(Arguments.of("PR IN CDB ALLOCATION LENGTH FFFF",
                PersistentReserveInCdb.of(PrInServiceAction.READ_FULL_STATUS, 0xFFFF).encode(),
                (Decoder<?>) PersistentReserveInCdb::decode, null));
        cases.add(Arguments.of("fixed sense ADDITIONAL LENGTH FF",
                Wire.withByte(SenseData.INVALID_FIELD_IN_CDB.encode(), 7, 0xFF), (Decoder<?>) SenseData::decode,
                null));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void extremeLengthIsAnsweredAtOnceWithoutAllocatingByIt(String field, byte[] input, Decoder<?> decoder,
            SenseData expected) {
        decode(decoder, input, expected); // warm up: class loading and JIT stubs allocate too
        long allocated = assertTimeout(Duration.ofSeconds(1), () -> {
            long before = threads == null ? 0 : threads.getCurrentThreadAllocatedBytes();
            decode(decoder, input, expected);
            return threads == null ? 0 : threads.getCurrentThreadAllocatedBytes() - before;
        }, field);
        assertTrue(threads != null, "this JVM cannot count allocated bytes per thread (com.sun.management"
                + ".ThreadMXBean): run the tests on HotSpot");
        assertTrue(allocated < ALLOCATION_LIMIT + input.length, field + " allocated " + allocated + " bytes");
    }

    private static void decode(Decoder<?> decoder, byte[] input, SenseData expected) {
        try {
            decoder.decode(input);
            assertEquals(null, expected, "decoded, but " + expected + " expected");
        } catch (ScsiException e) {
            assertEquals(ScsiStatus.CHECK_CONDITION, e.status());
            assertEquals(expected, e.sense().orElseThrow(), e::getMessage);
        }
    }
}
