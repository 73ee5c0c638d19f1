package org.prsidecar.scsi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.scsi.Wire.assertBytes;
import static org.prsidecar.scsi.Wire.assertInvalidFieldInParameterList;
import static org.prsidecar.scsi.Wire.concat;
import static org.prsidecar.scsi.Wire.hex;
import static org.prsidecar.scsi.Wire.withByte;
import static org.prsidecar.scsi.Wire.withU16;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** iSCSI TransportIDs (protocol 5h), formats 00b and 01b, SPC reference 1.4 and 7.3. */
class IscsiTransportIdTest {

    /** A hand-built iSCSI TransportID: byte 0, additional length, then the string and NUL padding. */
    private static byte[] iscsi(int byte0, String s, int additionalLength) {
        byte[] b = new byte[4 + additionalLength];
        b[0] = (byte) byte0;
        b[2] = (byte) (additionalLength >>> 8);
        b[3] = (byte) additionalLength;
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(utf8, 0, b, 4, Math.min(utf8.length, additionalLength));
        return b;
    }

    @Test
    void format00bIsByteZero05hAdditionalLengthAtTwoAndANulTerminatedName() {
        //           fmt/proto rs len    i  q  n  .  x  NUL and padding to 20 additional bytes
        assertBytes("05 00 00 14 69 71 6E 2E 78 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
                new IscsiTransportId("iqn.x").encode());
    }

    @Test
    void format01bIsByteZero45hWithCommaIComma0xAndTwelveIsidDigits() {
        IscsiTransportId id = new IscsiTransportId("iqn.y", Optional.of("0123456789AB"));
        assertBytes("45 00 00 18 69 71 6E 2E 79 2C 69 2C 30 78 30 31 32 33 34 35 36 37 38 39 61 62 00 00",
                id.encode());
        assertEquals("iqn.y,i,0x0123456789ab", id.text());
    }

    @Test
    void additionalLengthIsAtLeast20AMultipleOfFourAndHoldsTheNul() {
        for (int n = 1; n <= 60; n++) {
            byte[] b = new IscsiTransportId("iqn." + "a".repeat(n)).encode();
            int nameBytes = 4 + n;
            int additional = (b[2] & 0xFF) << 8 | (b[3] & 0xFF);
            assertEquals(b.length - 4, additional);
            assertTrue(additional >= 20, "at least 20");
            assertEquals(0, additional % 4, "multiple of 4");
            assertEquals(Math.max(20, (nameBytes + 1 + 3) / 4 * 4), additional, "smallest that holds name + NUL");
            for (int i = 4 + nameBytes; i < b.length; i++) {
                assertEquals(0, b[i], "NUL and zero padding");
            }
        }
    }

    @Test
    void nineteenByteNameFitsTheMinimumAndTwentyNeedsTheNextMultipleOfFour() {
        assertEquals(24, new IscsiTransportId("iqn." + "a".repeat(15)).encode().length);
        assertEquals(28, new IscsiTransportId("iqn." + "a".repeat(16)).encode().length);
    }

    @Test
    void decodeReadsBothFormats() throws ScsiException {
        assertEquals(new IscsiTransportId("iqn.x"), TransportId.decode(iscsi(0x05, "iqn.x", 20)));
        TransportId port = TransportId.decode(iscsi(0x45, "iqn.y,i,0x400001370000", 24));
        assertEquals(new IscsiTransportId("iqn.y", Optional.of("400001370000")), port);
        assertArrayEquals(hex("40 00 01 37 00 00"), ((IscsiTransportId) port).isidBytes().orElseThrow());
    }

    @Test
    void decodeAcceptsPaddingBeyondTheMinimum() throws ScsiException {
        TransportId.Decoded d = TransportId.decode(iscsi(0x05, "iqn.x", 64), 0, 68);
        assertEquals(new IscsiTransportId("iqn.x"), d.id());
        assertEquals(68, d.length());
    }

    @Test
    void decodeStopsAtItsAdditionalLengthInsideALargerBuffer() throws ScsiException {
        byte[] two = concat(new byte[3], iscsi(0x05, "iqn.x", 20), iscsi(0x05, "iqn.z", 20));
        TransportId.Decoded first = TransportId.decode(two, 3, two.length);
        assertEquals(new IscsiTransportId("iqn.x"), first.id());
        assertEquals(24, first.length());
        assertEquals(new IscsiTransportId("iqn.z"), TransportId.decode(two, 27, two.length).id());
    }

    @Test
    void namesCompareCaseInsensitivelyAndKeepTheirCase() throws ScsiException {
        IscsiTransportId upper = new IscsiTransportId("IQN.2026-11.ORG.PRSIDECAR:VM-A");
        IscsiTransportId lower = new IscsiTransportId("iqn.2026-11.org.prsidecar:vm-a");
        assertEquals(upper, lower);
        assertEquals(upper.hashCode(), lower.hashCode());
        assertEquals("IQN.2026-11.ORG.PRSIDECAR:VM-A", ((IscsiTransportId) TransportId.decode(upper.encode())).name());
    }

    @Test
    void nonAsciiNamesCompareCaseInsensitivelyCodePointByCodePoint() {
        // regression: toLowerCase(Locale.ROOT) turns a final capital sigma into ς, not σ
        IscsiTransportId a = new IscsiTransportId("iqn.2026-11.gr.example:ΑΣ");
        IscsiTransportId b = new IscsiTransportId("iqn.2026-11.gr.example:ασ");
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertEquals(new IscsiTransportId("iqn.x:ÉTÉ"), new IscsiTransportId("iqn.x:été"));
        assertEquals(new IscsiTransportId("iqn.x:\uD801\uDC00"), new IscsiTransportId("iqn.x:\uD801\uDC28"));
        assertNotEquals(new IscsiTransportId("iqn.x:a"), new IscsiTransportId("iqn.x:b"));
    }

    @Test
    void isidComparesCaseInsensitivelyAndFormatsDiffer() {
        IscsiTransportId a = new IscsiTransportId("iqn.x", Optional.of("ABCDEF012345"));
        assertEquals(a, new IscsiTransportId("iqn.x", Optional.of("abcdef012345")));
        assertEquals(Optional.of("abcdef012345"), a.isid());
        assertNotEquals(a, new IscsiTransportId("iqn.x"));
        assertNotEquals(a, new IscsiTransportId("iqn.x", Optional.of("abcdef012346")));
    }

    @Test
    void nameOf223BytesIsTheLimit() throws ScsiException {
        String ascii = "iqn." + "a".repeat(219);
        assertEquals(ascii, ((IscsiTransportId) TransportId.decode(new IscsiTransportId(ascii).encode())).name());
        String multiByte = "iqn." + "é".repeat(109) + "a"; // 4 + 218 + 1 = 223 bytes
        assertEquals(223, multiByte.getBytes(StandardCharsets.UTF_8).length);
        assertEquals(new IscsiTransportId(multiByte), TransportId.decode(new IscsiTransportId(multiByte).encode()));
        IscsiTransportId longestPort = new IscsiTransportId(ascii, Optional.of("0123456789ab"));
        assertEquals(longestPort, TransportId.decode(longestPort.encode()));
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId(ascii + "a"));
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId("iqn." + "é".repeat(110)));
    }

    @Test
    void nameOver223BytesOnTheWireIsInvalidFieldInParameterList() {
        String name = "iqn." + "a".repeat(220);
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x05, name, 228)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 4, 16, 19})
    void additionalLengthBelow20IsInvalidFieldInParameterList(int additional) {
        byte[] b = iscsi(0x05, "iqn.x", 20);
        assertInvalidFieldInParameterList(() -> TransportId.decode(withU16(b, 2, additional), 0, b.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {21, 22, 23, 25, 30})
    void additionalLengthNotAMultipleOfFourIsInvalidFieldInParameterList(int additional) {
        byte[] b = iscsi(0x05, "iqn.x", additional);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b, 0, b.length));
    }

    @ParameterizedTest
    @ValueSource(ints = {24, 28, 0x100, 0xFFFC, 0xFFFF})
    void additionalLengthThatOverrunsIsInvalidFieldInParameterList(int additional) {
        byte[] b = withU16(iscsi(0x05, "iqn.x", 20), 2, additional);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b, 0, b.length));
    }

    @Test
    void nameWithoutNulIsInvalidFieldInParameterList() {
        byte[] b = iscsi(0x05, "iqn.abcdefghijklmnop", 20);
        assertInvalidFieldInParameterList(() -> TransportId.decode(b));
    }

    @Test
    void emptyNameIsInvalidFieldInParameterList() {
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x05, "", 20)));
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x45, ",i,0x0123456789ab", 20)));
    }

    @ParameterizedTest
    @ValueSource(ints = {0x85, 0xC5})
    void reservedFormatsIsInvalidFieldInParameterList(int byte0) {
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(byte0, "iqn.x", 20)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"iqn.x", "iqn.x,i,0x", "iqn.x,i,0x0123456789a", "iqn.x,i,0x0123456789abc",
            "iqn.x,i,0x0123456789ag", "iqn.x,i,0x01234567-9ab", "iqn.x,i,0x+123456789ab"})
    void format01bWithoutTwelveIsidHexDigitsIsInvalidFieldInParameterList(String s) {
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x45, s, 28)));
    }

    @Test
    void isidWithNonAsciiDigitsIsInvalid() {
        // regression: Character.digit accepted fullwidth and other scripts' digits, which then
        // went on the wire as multi-byte UTF-8 and broke isidBytes()
        String fullwidth = "\uFF11\uFF12\uFF13\uFF14\uFF15\uFF16\uFF17\uFF18\uFF19\uFF10ab";
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId("iqn.x", Optional.of(fullwidth)));
        String arabicIndic = "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669ab";
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x45, "iqn.x,i,0x" + arabicIndic, 40)));
    }

    @Test
    void format00bNameWithTheIsidSeparatorIsInvalidFieldInParameterList() {
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x05, "iqn.x,i,0x0123456789ab", 24)));
    }

    @Test
    void format01bNameWithLengthChangingCaseMappingsDecodes() throws ScsiException {
        // regression: the separator was searched in a lower-cased copy; U+0130 lower-cases to two
        // chars, which shifted the split and threw StringIndexOutOfBoundsException from decode
        for (int n = 1; n <= 30; n++) {
            String name = "iqn.x:" + "\u0130".repeat(n);
            IscsiTransportId expected = new IscsiTransportId(name, Optional.of("0123456789ab"));
            byte[] wire = iscsi(0x45, name + ",i,0x0123456789ab", 100);
            IscsiTransportId got = (IscsiTransportId) TransportId.decode(wire);
            assertEquals(name, got.name());
            assertEquals(expected, got);
        }
    }

    @Test
    void uppercaseSeparatorIsAcceptedAndWrittenBackInLowerCase() throws ScsiException {
        IscsiTransportId got = (IscsiTransportId) TransportId.decode(iscsi(0x45, "iqn.x,I,0X0123456789AB", 24));
        assertEquals(new IscsiTransportId("iqn.x", Optional.of("0123456789ab")), got);
        assertEquals("iqn.x,i,0x0123456789ab", got.text());
    }

    @Test
    void dotlessIIsNotTheSeparator() {
        // only ASCII letters match ",i,0x" in either case; U+0131 upper-cases to 'I'
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x45, "iqn.x,\u0131,0x0123456789ab", 28)));
    }

    @Test
    void nameThatIsNotUtf8IsInvalidFieldInParameterList() {
        // regression: malformed UTF-8 became U+FFFD, so different byte strings were one initiator
        byte[] good = iscsi(0x05, "iqn.xy", 20);
        for (String bad : new String[] {"C3", "FF", "80", "C0 AF", "ED A0 80", "F4 90 80 80", "E2 82"}) {
            byte[] seq = hex(bad);
            byte[] b = good.clone();
            System.arraycopy(seq, 0, b, 8, seq.length);
            assertInvalidFieldInParameterList(() -> TransportId.decode(b));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"iqn.a b", "iqn.a\tb", "iqn.a\u007Fb", "iqn.a\u0085b", "iqn.a\u00A0b", "iqn.a\u3000b",
            "iqn.a,b", "\u2003iqn.x"})
    void nameWithSpaceControlOrCommaIsInvalid(String name) {
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId(name));
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x05, name, 32)));
    }

    @Test
    void nameWithAnUnpairedSurrogateIsInvalid() {
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId("iqn.\uD800x"));
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId("iqn.x\uDC00"));
        new IscsiTransportId("iqn.\uD83D\uDE00"); // a pair is one code point, U+1F600
    }

    @ParameterizedTest
    @ValueSource(strings = {"fc:0x1", "SAS:5001020304050607", "sbp:1", "Srp:0x00", "fc:iqn.x"})
    void nameThatReadsAsAnotherProtocolsTextIsInvalid(String name) {
        // regression: the text form of such a name parsed back as an FC/SAS/1394/SRP TransportID
        assertThrows(IllegalArgumentException.class, () -> new IscsiTransportId(name));
        assertInvalidFieldInParameterList(() -> TransportId.decode(iscsi(0x05, name, 32)));
    }

    @Test
    void textFormRoundTripsThroughParse() {
        for (IscsiTransportId id : new IscsiTransportId[] {new IscsiTransportId("iqn.2026-11.org.prsidecar:vm"),
                new IscsiTransportId("IQN.2026-11.Org.Prsidecar:VM", Optional.of("00023D000001")),
                new IscsiTransportId("eui.02004567A425678D"), new IscsiTransportId("naa.52004567BA64678D"),
                new IscsiTransportId("iqn.2026-11.jp.example:日本語"), new IscsiTransportId("iqn.x:\uD83D\uDE00"),
                new IscsiTransportId("iqn.x:a+b/c@d_e;f")}) {
            TransportId back = TransportId.parse(id.text());
            assertEquals(id, back);
            assertArrayEquals(id.encode(), back.encode(), id::text);
        }
    }

    @Test
    void parseTakesTheLastSeparatorAndTrimsSurroundingSpace() {
        assertEquals(new IscsiTransportId("iqn.x", Optional.of("0123456789ab")),
                TransportId.parse("  iqn.x,I,0X0123456789AB\n"));
        assertThrows(IllegalArgumentException.class, () -> TransportId.parse("iqn.x,i,0x12"));
        assertThrows(IllegalArgumentException.class, () -> TransportId.parse(""));
    }

    @Test
    void isidBytesAreTheSixIsidBytes() {
        assertEquals(Optional.empty(), new IscsiTransportId("iqn.x").isidBytes());
        assertArrayEquals(hex("AB CD EF 01 23 45"),
                new IscsiTransportId("iqn.x", Optional.of("abcdef012345")).isidBytes().orElseThrow());
    }

    @Test
    void theWireKeepsTheNameBytesExactly() throws ScsiException {
        String name = "iqn.2026-11.org.prsidecar:Ünïcödé-ВМ-虚拟机";
        byte[] b = new IscsiTransportId(name).encode();
        byte[] utf8 = name.getBytes(StandardCharsets.UTF_8);
        assertArrayEquals(utf8, Arrays.copyOfRange(b, 4, 4 + utf8.length));
        assertEquals(0, b[4 + utf8.length]);
        assertEquals(name, ((IscsiTransportId) TransportId.decode(b)).name());
    }

    @Test
    void reservedBitsOfByteZeroAndByteOneDoNotChangeTheId() throws ScsiException {
        // byte 0 bits 5:4 and byte 1 are reserved
        byte[] b = withByte(withByte(iscsi(0x05, "iqn.x", 20), 0, 0x35), 1, 0xFF);
        assertEquals(new IscsiTransportId("iqn.x"), TransportId.decode(b));
    }
}
