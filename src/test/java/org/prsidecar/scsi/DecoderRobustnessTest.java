package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;
import static org.prsidecar.scsi.ScsiGenerators.byteArrays;
import static org.prsidecar.scsi.ScsiGenerators.mutationsOf;
import static org.quicktheories.generators.SourceDSL.integers;

import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.prsidecar.scsi.ScsiRoundTripPropertiesTest.Decoder;
import org.quicktheories.core.Gen;

/**
 * Random bytes and mutated valid encodings (bit flips, truncations, extensions, length fields
 * set to extreme values) never make a decoder throw anything but a ScsiException, and that
 * exception is CHECK CONDITION, ILLEGAL REQUEST with one of the codes a malformed command
 * gets. When a mutant does decode, re-encoding it gives a canonical form that is stable.
 */
class DecoderRobustnessTest {

    private static final Set<SenseData> MALFORMED = Set.of(SenseData.INVALID_COMMAND_OPERATION_CODE,
            SenseData.INVALID_FIELD_IN_CDB, SenseData.INVALID_FIELD_IN_PARAMETER_LIST,
            SenseData.PARAMETER_LIST_LENGTH_ERROR);

    /** One structure: its decoder, its encoder and valid values to start mutating from. */
    record Codec<T>(String name, Decoder<T> decoder, Function<T, byte[]> encoder, Gen<T> values) {
        Gen<byte[]> encodings() {
            return values.map(encoder);
        }

        /** Decodes; on success checks that the canonical form is stable. */
        void check(byte[] b) {
            T decoded;
            try {
                decoded = decoder.decode(b);
            } catch (ScsiException e) {
                assertEquals(ScsiStatus.CHECK_CONDITION, e.status(), e::getMessage);
                SenseData sense = e.sense().orElseThrow();
                assertTrue(MALFORMED.contains(sense), () -> "unexpected sense " + sense + ": " + e.getMessage());
                return;
            }
            byte[] canonical = encoder.apply(decoded);
            T again;
            try {
                again = decoder.decode(canonical);
            } catch (ScsiException e) {
                throw new AssertionError(name + " refused its own encoding of " + decoded + ": " + e.getMessage(), e);
            }
            assertEquals(decoded, again, name);
            assertArrayEquals(canonical, encoder.apply(again), name);
        }
    }

    static List<Codec<?>> codecs() {
        return List.of(
                new Codec<>("PR IN CDB", PersistentReserveInCdb::decode, PersistentReserveInCdb::encode,
                        ScsiGenerators.prInCdbs()),
                new Codec<>("PR OUT CDB", PersistentReserveOutCdb::decode, PersistentReserveOutCdb::encode,
                        ScsiGenerators.prOutCdbs()),
                new Codec<>("basic parameter list", BasicParameterList::decode, BasicParameterList::encode,
                        ScsiGenerators.basicParameterLists()),
                new Codec<>("SPEC_I_PT parameter list", BasicParameterList::decode, BasicParameterList::encode,
                        ScsiGenerators.specIptParameterLists()),
                new Codec<>("REGISTER AND MOVE parameter list", RegisterAndMoveParameterList::decode,
                        RegisterAndMoveParameterList::encode, ScsiGenerators.registerAndMoveParameterLists()),
                new Codec<>("TransportID", TransportId::decode, TransportId::encode, ScsiGenerators.transportIds()),
                new Codec<>("READ KEYS", ReadKeysData::decode, ReadKeysData::encode, ScsiGenerators.readKeysData()),
                new Codec<>("READ RESERVATION", ReadReservationData::decode, ReadReservationData::encode,
                        ScsiGenerators.readReservationData()),
                new Codec<>("REPORT CAPABILITIES", ReportCapabilitiesData::decode, ReportCapabilitiesData::encode,
                        ScsiGenerators.reportCapabilitiesData()),
                new Codec<>("READ FULL STATUS", ReadFullStatusData::decode, ReadFullStatusData::encode,
                        ScsiGenerators.readFullStatusData()),
                new Codec<>("sense", SenseData::decode, SenseData::encode, ScsiGenerators.senseData()));
    }

    @TestFactory
    Stream<DynamicTest> randomBytesGiveOnlyScsiExceptions() {
        return codecs().stream().map(c -> dynamicTest(c.name(), () ->
                ScsiRoundTripPropertiesTest.qt().forAll(byteArrays(300)).checkAssert(c::check)));
    }

    @TestFactory
    Stream<DynamicTest> mutatedEncodingsGiveOnlyScsiExceptions() {
        return codecs().stream().map(c -> dynamicTest(c.name(), () ->
                ScsiRoundTripPropertiesTest.qt().forAll(mutationsOf(c.encodings())).checkAssert(c::check)));
    }

    @Test
    void transportIdsAnywhereInABufferGiveOnlyScsiExceptions() {
        Gen<byte[]> buffers = mutationsOf(ScsiGenerators.transportIds().map(TransportId::encode));
        ScsiRoundTripPropertiesTest.qt().forAll(buffers, integers().between(0, 64), integers().between(0, 64))
                .checkAssert((b, from, cut) -> {
                    int offset = Math.min(from, b.length);
                    int limit = Math.max(offset, b.length - cut);
                    try {
                        TransportId.Decoded d = TransportId.decode(b, offset, limit);
                        assertTrue(d.length() >= 4 && d.length() <= limit - offset, "length " + d.length());
                    } catch (ScsiException e) {
                        assertEquals(SenseData.INVALID_FIELD_IN_PARAMETER_LIST, e.sense().orElseThrow());
                    }
                });
    }
}
