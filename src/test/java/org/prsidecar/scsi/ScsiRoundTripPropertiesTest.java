package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.scsi.ScsiGenerators.basicParameterLists;
import static org.prsidecar.scsi.ScsiGenerators.caseVariantsOf;
import static org.prsidecar.scsi.ScsiGenerators.iscsiNames;
import static org.prsidecar.scsi.ScsiGenerators.iscsiTransportIds;
import static org.prsidecar.scsi.ScsiGenerators.prInCdbs;
import static org.prsidecar.scsi.ScsiGenerators.prInData;
import static org.prsidecar.scsi.ScsiGenerators.prOutCdbs;
import static org.prsidecar.scsi.ScsiGenerators.readFullStatusData;
import static org.prsidecar.scsi.ScsiGenerators.readKeysData;
import static org.prsidecar.scsi.ScsiGenerators.readReservationData;
import static org.prsidecar.scsi.ScsiGenerators.registerAndMoveParameterLists;
import static org.prsidecar.scsi.ScsiGenerators.reportCapabilitiesData;
import static org.prsidecar.scsi.ScsiGenerators.senseData;
import static org.prsidecar.scsi.ScsiGenerators.specIptParameterLists;
import static org.prsidecar.scsi.ScsiGenerators.transportIds;
import static org.quicktheories.generators.SourceDSL.integers;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.quicktheories.QuickTheory;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * decode(encode(x)) equals x, and encode(decode(canonical bytes)) gives the same bytes, for
 * every structure; plus the length rules every encoding obeys.
 */
class ScsiRoundTripPropertiesTest {

    static final int EXAMPLES = 2000;

    static QuickTheory qt() {
        return QuickTheory.qt().withExamples(EXAMPLES);
    }

    /** A decoder as a function; ScsiException is the only checked exception decoders throw. */
    @FunctionalInterface
    interface Decoder<T> {
        T decode(byte[] b) throws ScsiException;
    }

    static <T> void assertRoundTrip(T x, Function<T, byte[]> encode, Decoder<T> decode) {
        byte[] bytes = encode.apply(x);
        T back;
        try {
            back = decode.decode(bytes);
        } catch (ScsiException e) {
            throw new AssertionError("valid encoding refused: " + e.getMessage() + " " + Wire.hex(bytes), e);
        }
        assertEquals(x, back);
        assertArrayEquals(bytes, encode.apply(back), "canonical encoding is stable");
    }

    @Test
    void prInCdbRoundTrips() {
        qt().forAll(prInCdbs()).checkAssert(c -> assertRoundTrip(c, PersistentReserveInCdb::encode,
                PersistentReserveInCdb::decode));
    }

    @Test
    void prOutCdbRoundTrips() {
        qt().forAll(prOutCdbs()).checkAssert(c -> assertRoundTrip(c, PersistentReserveOutCdb::encode,
                PersistentReserveOutCdb::decode));
    }

    @Test
    void basicParameterListRoundTrips() {
        qt().forAll(basicParameterLists()).checkAssert(l -> assertRoundTrip(l, BasicParameterList::encode,
                BasicParameterList::decode));
    }

    @Test
    void specIptListAnnouncesExactlyItsTransportIds() {
        qt().forAll(specIptParameterLists()).checkAssert(l -> {
            byte[] b = l.encode();
            int ids = l.transportIds().stream().mapToInt(id -> id.encode().length).sum();
            assertEquals(28 + ids, b.length);
            assertEquals(ids, u32(b, 24));
            assertEquals(0x08, b[20] & 0x08);
        });
    }

    @Test
    void registerAndMoveParameterListRoundTrips() {
        qt().forAll(registerAndMoveParameterLists()).checkAssert(l -> {
            assertRoundTrip(l, RegisterAndMoveParameterList::encode, RegisterAndMoveParameterList::decode);
            byte[] b = l.encode();
            long tpdl = u32(b, 20);
            assertEquals(b.length - 24, tpdl);
            assertTrue(tpdl >= 24 && tpdl % 4 == 0, "TRANSPORTID PARAMETER DATA LENGTH >= 24, multiple of 4");
        });
    }

    @Test
    void transportIdRoundTrips() {
        qt().forAll(transportIds()).checkAssert(id -> assertRoundTrip(id, TransportId::encode, TransportId::decode));
    }

    @Test
    void everyTransportIdIsAMultipleOfFourOfAtLeast24BytesWithItsProtocolInByteZero() {
        qt().forAll(transportIds()).checkAssert(id -> {
            byte[] b = id.encode();
            assertTrue(b.length >= 24 && b.length % 4 == 0, "length " + b.length);
            assertEquals(id.protocolIdentifier(), b[0] & 0x0F);
            if (!(id instanceof IscsiTransportId)) {
                assertEquals(24, b.length);
                assertEquals(0, b[0] & 0xF0, "format 00b");
            }
        });
    }

    @Test
    void iscsiTransportIdIsNulTerminatedAndPaddedWithAdditionalLengthAtLeast20() {
        qt().forAll(iscsiTransportIds()).checkAssert(id -> {
            byte[] b = id.encode();
            byte[] s = id.text().getBytes(StandardCharsets.UTF_8);
            int additional = (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
            assertEquals(b.length - 4, additional);
            assertTrue(additional >= 20 && additional % 4 == 0, "additional length " + additional);
            assertEquals(Math.max(20, (s.length + 1 + 3) / 4 * 4), additional, "smallest that holds the NUL");
            assertArrayEquals(s, Arrays.copyOfRange(b, 4, 4 + s.length), "the name's bytes, unchanged");
            for (int i = 4 + s.length; i < b.length; i++) {
                assertEquals(0, b[i], "NUL and padding");
            }
            assertEquals(id.isid().isPresent() ? 0x45 : 0x05, b[0] & 0xFF);
        });
    }

    @Test
    void iscsiNamesStayWithinTheLimitAndReachIt() {
        int[] longest = {0};
        qt().forAll(iscsiNames()).checkAssert(name -> {
            int bytes = name.getBytes(StandardCharsets.UTF_8).length;
            assertTrue(bytes <= IscsiTransportId.MAX_NAME_BYTES, bytes + " bytes");
            longest[0] = Math.max(longest[0], bytes);
        });
        assertEquals(IscsiTransportId.MAX_NAME_BYTES, longest[0], "the generator reaches the 223-byte limit");
    }

    @Test
    void transportIdTextParsesBack() {
        qt().forAll(transportIds()).checkAssert(id -> {
            TransportId back = TransportId.parse(id.text());
            assertEquals(id, back);
            assertArrayEquals(id.encode(), back.encode(), "the same bytes, case included");
        });
    }

    @Test
    void iscsiNamesDifferingOnlyInCaseAreOneInitiator() {
        Gen<Pair<IscsiTransportId, IscsiTransportId>> pairs = iscsiTransportIds().flatMap(id ->
                caseVariantsOf(id.name()).map(v -> Pair.of(id, new IscsiTransportId(v, id.isid()))));
        qt().forAll(pairs).checkAssert(p -> {
            assertEquals(p._1, p._2);
            assertEquals(p._1.hashCode(), p._2.hashCode());
            assertEquals(p._1, TransportId.parse(p._2.text()));
        });
    }

    @Test
    void readKeysRoundTripsWithAdditionalLengthEightPerKey() {
        qt().forAll(readKeysData()).checkAssert(d -> {
            assertRoundTrip(d, ReadKeysData::encode, ReadKeysData::decode);
            byte[] b = d.encode();
            assertEquals(8L * d.keys().size(), u32(b, 4));
            assertEquals(8 + 8 * d.keys().size(), b.length);
        });
    }

    @Test
    void readReservationRoundTripsAsEightOrTwentyFourBytes() {
        qt().forAll(readReservationData()).checkAssert(d -> {
            assertRoundTrip(d, ReadReservationData::encode, ReadReservationData::decode);
            byte[] b = d.encode();
            assertEquals(d.reservation().isPresent() ? 24 : 8, b.length);
            assertEquals(d.reservation().isPresent() ? 16 : 0, u32(b, 4));
        });
    }

    @Test
    void reportCapabilitiesRoundTripsAsEightBytes() {
        qt().forAll(reportCapabilitiesData()).checkAssert(d -> {
            assertRoundTrip(d, ReportCapabilitiesData::encode, ReportCapabilitiesData::decode);
            assertEquals(8, d.encode().length);
        });
    }

    @Test
    void readFullStatusRoundTripsWithOneDescriptorPerRegistration() {
        qt().forAll(readFullStatusData()).checkAssert(d -> {
            assertRoundTrip(d, ReadFullStatusData::encode, ReadFullStatusData::decode);
            byte[] b = d.encode();
            assertEquals(b.length - 8, u32(b, 4), "ADDITIONAL LENGTH is the sum of the descriptors");
            int at = 8;
            for (ReadFullStatusData.Descriptor desc : d.descriptors()) {
                int idLength = desc.transportId().encode().length;
                assertEquals(idLength, u32(b, at + 20), "ADDITIONAL DESCRIPTOR LENGTH");
                assertEquals((desc.allTargetPorts() ? 2 : 0) | (desc.holder() ? 1 : 0), b[at + 12]);
                at += 24 + idLength;
            }
            assertEquals(b.length, at);
        });
    }

    @Test
    void senseRoundTrips() {
        qt().forAll(senseData()).checkAssert(s -> {
            assertRoundTrip(s, SenseData::encode, SenseData::decode);
            byte[] descriptorFormat = {0x72, (byte) s.key().code(), (byte) s.asc(), (byte) s.ascq(), 0, 0, 0, 0};
            try {
                assertEquals(s, SenseData.decode(descriptorFormat));
            } catch (ScsiException e) {
                throw new AssertionError(e);
            }
        });
    }

    @Test
    void truncatedPrInDataIsAPrefixWithUnchangedHeader() {
        Gen<Integer> allocation = Generate.frequency(List.of(
                Pair.of(2, integers().between(0, 8)),
                Pair.of(3, integers().between(0, 700)),
                Pair.of(1, integers().between(0, 0xFFFF))));
        qt().forAll(prInData(), allocation).checkAssert((d, n) -> {
            byte[] full = d.encode();
            byte[] got = d.encode(n);
            assertArrayEquals(Arrays.copyOf(full, Math.min(n, full.length)), got);
            int headerEnd = d instanceof ReportCapabilitiesData ? 2 : 8;
            for (int i = 0; i < Math.min(headerEnd, got.length); i++) {
                assertEquals(full[i], got[i], "header byte " + i);
            }
        });
    }

    private static long u32(byte[] b, int off) {
        return (b[off] & 0xFFL) << 24 | (b[off + 1] & 0xFF) << 16 | (b[off + 2] & 0xFF) << 8 | (b[off + 3] & 0xFF);
    }
}
