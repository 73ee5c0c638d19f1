package org.prsidecar.scsi;

import static org.quicktheories.generators.SourceDSL.booleans;
import static org.quicktheories.generators.SourceDSL.integers;
import static org.quicktheories.generators.SourceDSL.lists;
import static org.quicktheories.generators.SourceDSL.longs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.prsidecar.scsi.ReadFullStatusData.Descriptor;
import org.prsidecar.scsi.ReadReservationData.Reserved;
import org.quicktheories.api.Pair;
import org.quicktheories.core.Gen;
import org.quicktheories.generators.Generate;

/**
 * QuickTheories generators for the scsi wire structures, for this package's property tests and
 * for anyone else's (the reservation engine's stateful tests, the helper's framing tests).
 *
 * <p>Every generator yields <em>valid</em> values: they construct without exception and
 * {@code decode(encode(x))} equals {@code x}. Interesting values (0, all ones, 0xFFFF, the
 * 223-byte iSCSI name limit, multi-byte UTF-8, case mixes) come up often rather than by luck.
 * For malformed input, start from valid encodings and use {@link #mutationsOf(Gen)}, or use
 * {@link #byteArrays(int)}.
 *
 * <pre>{@code
 * qt().withExamples(2000).forAll(ScsiGenerators.transportIds())
 *     .check(id -> TransportId.decode(id.encode()).equals(id));
 * }</pre>
 */
public final class ScsiGenerators {

    private ScsiGenerators() {
    }

    // ---------------------------------------------------------------- numbers

    /** Any 64-bit reservation key, 0 included; 0, 1, -1 and the extremes come up often. */
    public static Gen<Long> reservationKeys() {
        return weighted(List.of(
                Pair.of(1, Generate.pick(List.of(0L, 1L, -1L, Long.MIN_VALUE, Long.MAX_VALUE, 0x0102030405060708L))),
                Pair.of(2, longs().between(0, 0xFFFF)),
                Pair.of(6, longs().all())));
    }

    /** A registrable key: any 64-bit value but 0 (reference 5.1: no registration has key 0). */
    public static Gen<Long> nonZeroReservationKeys() {
        return reservationKeys().map(k -> k == 0 ? 1L : k);
    }

    /** A PRgeneration: any 32-bit value (it wraps), 0 and 0xFFFFFFFF often. */
    public static Gen<Integer> generations() {
        return weighted(List.of(
                Pair.of(1, Generate.pick(List.of(0, 1, -1, Integer.MAX_VALUE, Integer.MIN_VALUE))),
                Pair.of(3, integers().between(0, 1000)),
                Pair.of(4, integers().all())));
    }

    /** One of the six reservation types. */
    public static Gen<ReservationType> reservationTypes() {
        return Generate.enumValues(ReservationType.class);
    }

    /** A relative target port identifier, 0..0xFFFF; 1 (prsidecar's one port) often. */
    public static Gen<Integer> relativeTargetPortIds() {
        return weighted(List.of(
                Pair.of(3, Generate.constant(1)),
                Pair.of(1, Generate.pick(List.of(0, 2, 0xFFFF))),
                Pair.of(3, integers().between(0, 0xFFFF))));
    }

    /** A SCOPE nibble: 0 (LU_SCOPE, the only valid one) most of the time, else any of 1..15. */
    public static Gen<Integer> scopes() {
        return weighted(List.of(Pair.of(4, Generate.constant(0)), Pair.of(1, integers().between(1, 15))));
    }

    // ---------------------------------------------------------------- iSCSI names

    /**
     * Valid iSCSI names: an {@code iqn.}, {@code eui.} or {@code naa.} prefix, then ASCII,
     * Latin, Greek (final sigma included), Cyrillic, CJK, Deseret and emoji code points (1 to
     * 4 bytes of UTF-8), with upper and lower case mixed, from a handful of bytes up to exactly
     * {@link IscsiTransportId#MAX_NAME_BYTES} (223) bytes.
     */
    public static Gen<String> iscsiNames() {
        Gen<String> prefixes = weighted(List.of(
                Pair.of(4, integers().between(1990, 2099).zip(integers().between(1, 12), domains(),
                        (y, m, d) -> String.format("iqn.%d-%02d.%s:", y, m, d))),
                Pair.of(1, hexDigits(16).map(h -> "eui." + h)),
                Pair.of(1, Generate.pick(List.of(16, 32)).flatMap(n -> hexDigits(n).map(h -> "naa." + h)))));
        Gen<List<Integer>> bodies = lists().of(nameCodePoints()).ofSizeBetween(0, 64);
        Gen<Boolean> fillToLimit = weighted(List.of(Pair.of(1, Generate.constant(true)),
                Pair.of(4, Generate.constant(false))));
        Gen<String> names = prefixes.zip(bodies, fillToLimit, ScsiGenerators::assembleName);
        return names.flatMap(ScsiGenerators::caseVariantsOf);
    }

    /**
     * Names that differ from {@code name} only in case: each code point kept, upper-cased or
     * lower-cased, where that keeps its UTF-8 length (so the 223-byte limit still holds). Such
     * names are the same initiator (reference 1.4: names compare case-insensitively).
     */
    public static Gen<String> caseVariantsOf(String name) {
        // one draw seeds the case of every code point: cheaper than a draw each, and a case
        // pattern is nothing QuickTheories could usefully shrink
        return longs().all().map(seed -> {
            SplittableRandom random = new SplittableRandom(seed);
            StringBuilder b = new StringBuilder(name.length());
            name.codePoints().forEach(c -> {
                int v = switch (random.nextInt(3)) {
                    case 1 -> Character.toUpperCase(c);
                    case 2 -> Character.toLowerCase(c);
                    default -> c;
                };
                b.appendCodePoint(utf8Length(v) == utf8Length(c) ? v : c);
            });
            return b.toString();
        });
    }

    /** Twelve hex digits of an ISID, upper and lower case mixed. */
    public static Gen<String> isids() {
        return lists().of(Generate.pick(chars("0123456789abcdefABCDEF"))).ofSize(12).map(ScsiGenerators::join);
    }

    // ---------------------------------------------------------------- TransportIDs

    /** iSCSI TransportIDs: format 00b (a name) and 01b (name and ISID) about equally. */
    public static Gen<IscsiTransportId> iscsiTransportIds() {
        return iscsiNames().zip(booleans().all(), isids(),
                (name, port, isid) -> new IscsiTransportId(name, port ? Optional.of(isid) : Optional.empty()));
    }

    /** Fibre Channel TransportIDs with any N_PORT_NAME. */
    public static Gen<FibreChannelTransportId> fibreChannelTransportIds() {
        return reservationKeys().map(FibreChannelTransportId::new);
    }

    /** SAS TransportIDs with any SAS address. */
    public static Gen<SasTransportId> sasTransportIds() {
        return reservationKeys().map(SasTransportId::new);
    }

    /** SRP TransportIDs with any 16-byte initiator port identifier. */
    public static Gen<SrpTransportId> srpTransportIds() {
        return fixedByteArrays(16).map(SrpTransportId::new);
    }

    /** IEEE 1394 TransportIDs with any EUI-64. */
    public static Gen<Ieee1394TransportId> ieee1394TransportIds() {
        return reservationKeys().map(Ieee1394TransportId::new);
    }

    /** TransportIDs of every protocol the codec knows; iSCSI (what prsidecar uses) half the time. */
    public static Gen<TransportId> transportIds() {
        return weighted(List.of(
                Pair.of(4, iscsiTransportIds().map(TransportId.class::cast)),
                Pair.of(1, fibreChannelTransportIds().map(TransportId.class::cast)),
                Pair.of(1, sasTransportIds().map(TransportId.class::cast)),
                Pair.of(1, srpTransportIds().map(TransportId.class::cast)),
                Pair.of(1, ieee1394TransportIds().map(TransportId.class::cast))));
    }

    // ---------------------------------------------------------------- CDBs

    /** PERSISTENT RESERVE IN CDBs: every service action, any allocation length and CONTROL. */
    public static Gen<PersistentReserveInCdb> prInCdbs() {
        Gen<Integer> allocation = weighted(List.of(
                Pair.of(1, Generate.pick(List.of(0, 1, 7, 8, 24, 0xFFFF))),
                Pair.of(3, integers().between(0, 0xFFFF))));
        return Generate.enumValues(PrInServiceAction.class).zip(allocation, controls(),
                PersistentReserveInCdb::new);
    }

    /**
     * Decodable PERSISTENT RESERVE OUT CDBs: every service action, raw SCOPE and TYPE nibbles
     * (mostly LU scope and a valid type), PARAMETER LIST LENGTH 0..0xFFFF (24 often; a longer
     * one is 1A/00 by reference 7.7), any CONTROL.
     */
    public static Gen<PersistentReserveOutCdb> prOutCdbs() {
        Gen<Integer> types = weighted(List.of(
                Pair.of(4, reservationTypes().map(ReservationType::code)),
                Pair.of(1, integers().between(0, 15))));
        Gen<Long> lengths = weighted(List.of(
                Pair.of(3, Generate.constant(24L)),
                Pair.of(1, Generate.pick(List.of(0L, 28L, 0xFFFFL))),
                Pair.of(2, longs().between(0, 0xFFFF))));
        return Generate.enumValues(PrOutServiceAction.class).zip(scopes(), types, lengths.zip(controls(), Pair::of),
                (sa, scope, type, lc) -> new PersistentReserveOutCdb(sa, scope, type, lc._1, lc._2));
    }

    // ---------------------------------------------------------------- parameter lists

    /** Basic PR OUT parameter lists, with SPEC_I_PT (and TransportIDs) about one time in four. */
    public static Gen<BasicParameterList> basicParameterLists() {
        Gen<BasicParameterList> plain = reservationKeys().zip(reservationKeys(), booleans().all(), booleans().all(),
                (rk, sark, allTgPt, aptpl) -> new BasicParameterList(rk, sark, false, allTgPt, aptpl, List.of()));
        return weighted(List.of(Pair.of(3, plain), Pair.of(1, specIptParameterLists())));
    }

    /** Basic PR OUT parameter lists with SPEC_I_PT set and 0 to 6 TransportIDs of any protocol. */
    public static Gen<BasicParameterList> specIptParameterLists() {
        Gen<List<TransportId>> ids = lists().of(transportIds()).ofSizeBetween(0, 6);
        return reservationKeys().zip(reservationKeys(), booleans().all().zip(booleans().all(), Pair::of), ids,
                (rk, sark, flags, list) -> new BasicParameterList(rk, sark, true, flags._1, flags._2, list));
    }

    /** REGISTER AND MOVE parameter lists with a destination of any protocol. */
    public static Gen<RegisterAndMoveParameterList> registerAndMoveParameterLists() {
        return reservationKeys().zip(reservationKeys(), booleans().all().zip(booleans().all(), Pair::of),
                relativeTargetPortIds().zip(transportIds(), Pair::of),
                (rk, sark, flags, dest) -> new RegisterAndMoveParameterList(rk, sark, flags._1, flags._2, dest._1,
                        dest._2));
    }

    // ---------------------------------------------------------------- PR IN data

    /** READ KEYS data with 0 to 32 keys, duplicates included (one key per registration). */
    public static Gen<ReadKeysData> readKeysData() {
        Gen<Long> keys = weighted(List.of(Pair.of(3, nonZeroReservationKeys()),
                Pair.of(1, Generate.pick(List.of(0xAL, 0xBL)))));
        return generations().zip(lists().of(keys).ofSizeBetween(0, 32), ReadKeysData::new);
    }

    /** READ RESERVATION data: no reservation a third of the time, else a key, scope and type. */
    public static Gen<ReadReservationData> readReservationData() {
        Gen<Optional<Reserved>> reserved = reservationKeys().zip(scopes(), reservationTypes(), Reserved::new)
                .toOptionals(33);
        return generations().zip(reserved, ReadReservationData::new);
    }

    /** REPORT CAPABILITIES data with any combination of bits and any subset of the six types. */
    public static Gen<ReportCapabilitiesData> reportCapabilitiesData() {
        Gen<boolean[]> bits = lists().of(booleans().all()).ofSize(8).map(l -> {
            boolean[] b = new boolean[l.size()];
            for (int i = 0; i < b.length; i++) {
                b[i] = l.get(i);
            }
            return b;
        });
        Gen<EnumSet<ReservationType>> masks = lists().of(booleans().all()).ofSize(6).map(l -> {
            EnumSet<ReservationType> s = EnumSet.noneOf(ReservationType.class);
            ReservationType[] all = ReservationType.values();
            for (int i = 0; i < all.length; i++) {
                if (l.get(i)) {
                    s.add(all[i]);
                }
            }
            return s;
        });
        return bits.zip(integers().between(0, 7), masks, (b, allow, mask) -> new ReportCapabilitiesData(b[0], b[1],
                b[2], b[3], b[4], b[5], allow, b[6], mask));
    }

    /**
     * READ FULL STATUS descriptors: holders with a type and scope, non-holders without; a
     * relative target port id exactly when ALL_TG_PT is clear; a TransportID of any protocol.
     */
    public static Gen<Descriptor> fullStatusDescriptors() {
        Gen<Optional<Pair<Integer, ReservationType>>> holding = scopes().zip(reservationTypes(), Pair::of)
                .toOptionals(50);
        Gen<Optional<Integer>> ports = relativeTargetPortIds().toOptionals(25); // empty: ALL_TG_PT
        return nonZeroReservationKeys().zip(holding, ports, transportIds(), (key, h, port, id) -> new Descriptor(key,
                port.isEmpty(), h.isPresent(), h.map(p -> p._1).orElse(0), h.map(p -> p._2), port.orElse(0), id));
    }

    /** READ FULL STATUS data with 0 to 8 descriptors. */
    public static Gen<ReadFullStatusData> readFullStatusData() {
        return generations().zip(lists().of(fullStatusDescriptors()).ofSizeBetween(0, 8), ReadFullStatusData::new);
    }

    /** Any of the four kinds of PR IN data. */
    public static Gen<PrInData> prInData() {
        return weighted(List.of(
                Pair.of(1, readKeysData().map(PrInData.class::cast)),
                Pair.of(1, readReservationData().map(PrInData.class::cast)),
                Pair.of(1, reportCapabilitiesData().map(PrInData.class::cast)),
                Pair.of(1, readFullStatusData().map(PrInData.class::cast))));
    }

    /** Sense data with any modelled sense key and any ASC/ASCQ. */
    public static Gen<SenseData> senseData() {
        return Generate.enumValues(SenseKey.class).zip(integers().between(0, 0xFF), integers().between(0, 0xFF),
                SenseData::new);
    }

    // ---------------------------------------------------------------- raw and malformed bytes

    /** Random byte arrays of 0 to {@code maxLength} bytes. */
    public static Gen<byte[]> byteArrays(int maxLength) {
        return Generate.byteArrays(integers().between(0, maxLength), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE,
                (byte) 0)).describedAs(ScsiGenerators::hex);
    }

    /**
     * Malformed variants of valid encodings: one to three mutations, each a flip of 1-4 bits,
     * a truncation, an extension by 1-64 random bytes, a random byte overwritten, or a 1-, 2- or
     * 4-byte big-endian word overwritten with an extreme value (0, all ones, 0x7F.., 0x80..,
     * the array's length and its neighbours) - which is how length fields get 0xFFFFFFFF.
     */
    public static Gen<byte[]> mutationsOf(Gen<byte[]> valid) {
        Gen<byte[]> once = valid.flatMap(ScsiGenerators::mutationOf);
        Gen<byte[]> twice = once.flatMap(ScsiGenerators::mutationOf);
        Gen<byte[]> thrice = twice.flatMap(ScsiGenerators::mutationOf);
        return weighted(List.of(Pair.of(4, once), Pair.of(2, twice), Pair.of(1, thrice))).describedAs(ScsiGenerators::hex);
    }

    private static Gen<byte[]> mutationOf(byte[] b) {
        List<Pair<Integer, Gen<byte[]>>> options = new ArrayList<>();
        options.add(Pair.of(2, byteArrays(64).map(tail -> {
            byte[] c = Arrays.copyOf(b, b.length + tail.length);
            System.arraycopy(tail, 0, c, b.length, tail.length);
            return c;
        })));
        if (b.length > 0) {
            options.add(Pair.of(3, lists().of(integers().between(0, b.length * 8 - 1)).ofSizeBetween(1, 4)
                    .map(bits -> {
                        byte[] c = b.clone();
                        for (int bit : bits) {
                            c[bit / 8] ^= (byte) (1 << (bit % 8));
                        }
                        return c;
                    })));
            options.add(Pair.of(2, integers().between(0, b.length - 1).map(n -> Arrays.copyOf(b, n))));
            options.add(Pair.of(1, integers().between(0, b.length - 1).zip(integers().between(0, 255),
                    (at, v) -> overwrite(b, at, 1, v))));
            Gen<Long> extremes = Generate.pick(List.of(0L, 0xFFFF_FFFFL, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFFL, 0xFFL,
                    0x7FL, 0x80L, (long) b.length, b.length - 1L, b.length + 1L, b.length - 8L, b.length - 24L, 20L,
                    24L));
            options.add(Pair.of(3, integers().between(0, b.length - 1).zip(Generate.pick(List.of(1, 2, 4)), extremes,
                    (at, width, value) -> overwrite(b, at, width, value))));
        }
        return weighted(options);
    }

    private static byte[] overwrite(byte[] b, int at, int width, long value) {
        byte[] c = b.clone();
        for (int i = 0; i < width && at + i < c.length; i++) {
            c[at + i] = (byte) (value >>> (8 * (width - 1 - i)));
        }
        return c;
    }

    // ---------------------------------------------------------------- helpers

    /** Like Generate.frequency, without a generic varargs array. */
    private static <T> Gen<T> weighted(List<Pair<Integer, Gen<T>>> options) {
        return Generate.frequency(options);
    }

    private static Gen<Integer> controls() {
        return weighted(List.of(Pair.of(3, Generate.constant(0)), Pair.of(1, integers().between(0, 0xFF))));
    }

    private static Gen<byte[]> fixedByteArrays(int n) {
        return Generate.byteArrays(Generate.constant(n), Generate.bytes(Byte.MIN_VALUE, Byte.MAX_VALUE, (byte) 0));
    }

    private static Gen<String> hexDigits(int n) {
        return lists().of(Generate.pick(chars("0123456789ABCDEF"))).ofSize(n).map(ScsiGenerators::join);
    }

    private static Gen<String> domains() {
        Gen<String> label = lists().of(Generate.pick(chars("abcdefghijklmnopqrstuvwxyz0123456789-"))).ofSizeBetween(1,
                12).map(ScsiGenerators::join);
        return lists().of(label).ofSizeBetween(1, 4).map(ls -> String.join(".", ls));
    }

    /** Code points a name may hold, from every UTF-8 length, cased and uncased scripts. */
    private static Gen<Integer> nameCodePoints() {
        return weighted(List.of(
                Pair.of(6, Generate.pick(chars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.:"))
                        .map(c -> (int) c)),
                Pair.of(1, Generate.pick(chars("!\"#$%&'()*+/;<=>?@[\\]^_`{|}~")).map(c -> (int) c)),
                Pair.of(1, integers().between(0xC0, 0x17F)), // Latin-1 and Extended-A: é, ß, İ, ı, ſ
                Pair.of(1, integers().between(0x391, 0x3C9)), // Greek, final sigma included
                Pair.of(1, integers().between(0x410, 0x44F)), // Cyrillic
                Pair.of(1, Generate.pick(List.of(0x212A, 0x2126, 0x212B, 0x1E9E))), // Kelvin, Ohm, Angstrom, ẞ
                Pair.of(1, integers().between(0x4E00, 0x4FFF)), // CJK: 3 bytes
                Pair.of(1, integers().between(0x10400, 0x1044F)), // Deseret: 4 bytes, cased
                Pair.of(1, integers().between(0x1F600, 0x1F64F)))); // emoji: 4 bytes
    }

    private static String assembleName(String prefix, List<Integer> body, boolean fillToLimit) {
        StringBuilder b = new StringBuilder(prefix);
        int bytes = prefix.getBytes(StandardCharsets.UTF_8).length;
        for (int c : body) {
            int n = utf8Length(c);
            if (bytes + n > IscsiTransportId.MAX_NAME_BYTES) {
                break;
            }
            b.appendCodePoint(c);
            bytes += n;
        }
        while (fillToLimit && bytes < IscsiTransportId.MAX_NAME_BYTES) {
            b.append('z');
            bytes++;
        }
        return b.toString();
    }

    private static int utf8Length(int codePoint) {
        return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
    }

    private static List<Character> chars(String s) {
        List<Character> l = new ArrayList<>(s.length());
        for (char c : s.toCharArray()) {
            l.add(c);
        }
        return l;
    }

    private static String join(List<Character> cs) {
        StringBuilder b = new StringBuilder(cs.size());
        cs.forEach(b::append);
        return b.toString();
    }

    /** Hex of an encoding, for failure reports. */
    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
