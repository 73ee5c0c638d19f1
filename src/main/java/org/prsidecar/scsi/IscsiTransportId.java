package org.prsidecar.scsi;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * iSCSI TransportID (protocol 5h). Format 00b names an initiator device ({@code isid} empty);
 * format 01b names one initiator port: {@code name,i,0x<ISID>}. Names compare
 * case-insensitively (SPC reference 1.4), code point by code point as
 * {@link String#equalsIgnoreCase} does; equality and hashing follow that. {@link #name()}
 * keeps the case it was given or received.
 *
 * <p>A name is at most 223 bytes of UTF-8 and has no comma, no space, separator or control
 * character and no unpaired surrogate (RFC 3720 3.2.6.2, RFC 3722 prohibited output). It may
 * not start with {@code fc:}, {@code sas:}, {@code sbp:} or {@code srp:} in any case: those
 * are never iSCSI names (they start with {@code iqn.}, {@code eui.} or {@code naa.}) and their
 * {@link #text()} would be read back as another protocol's TransportID.
 */
public record IscsiTransportId(String name, Optional<String> isid) implements TransportId {

    /** iSCSI names are at most 223 bytes of UTF-8 (RFC 7143). */
    public static final int MAX_NAME_BYTES = 223;
    private static final String ISID_SEPARATOR = ",i,0x";
    private static final int MIN_ADDITIONAL_LENGTH = 20;
    private static final String[] OTHER_PROTOCOL_PREFIXES = {"fc:", "sas:", "sbp:", "srp:"};

    public IscsiTransportId {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(isid, "isid");
        String why = invalidName(name);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        if (isid.isPresent()) {
            String i = isid.get();
            if (i.length() != 12 || !i.chars().allMatch(IscsiTransportId::isAsciiHexDigit)) {
                throw new IllegalArgumentException("ISID must be 12 hex digits: " + i);
            }
            isid = Optional.of(i.toLowerCase(Locale.ROOT));
        }
    }

    /** Format 00b: the initiator device named {@code name}. */
    public IscsiTransportId(String name) {
        this(name, Optional.empty());
    }

    private static String invalidName(String name) {
        if (name.isEmpty()) {
            return "iSCSI name is empty";
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                return String.format("iSCSI name has an unpaired surrogate U+%04X at %d", c, i);
            }
            if (c == ',' || Character.isISOControl(c) || Character.isWhitespace(c) || Character.isSpaceChar(c)) {
                return String.format("iSCSI name has a forbidden character %s at %d: %s",
                        c == ',' ? "','" : String.format("U+%04X", c), i, name);
            }
            i += Character.charCount(c);
        }
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "iSCSI name longer than " + MAX_NAME_BYTES + " bytes: " + name;
        }
        for (String prefix : OTHER_PROTOCOL_PREFIXES) {
            if (name.regionMatches(true, 0, prefix, 0, prefix.length())) {
                return "iSCSI name starts like another protocol's TransportID text (" + prefix + "): " + name;
            }
        }
        return null;
    }

    private static boolean isAsciiHexDigit(int c) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
    }

    @Override
    public int protocolIdentifier() {
        return PROTOCOL_ISCSI;
    }

    private String wireString() {
        return isid.map(i -> name + ISID_SEPARATOR + i).orElse(name);
    }

    @Override
    public byte[] encode() {
        byte[] s = wireString().getBytes(StandardCharsets.UTF_8);
        // NUL-terminated, padded to a multiple of 4, additional length at least 20
        int additional = Math.max(MIN_ADDITIONAL_LENGTH, (s.length + 1 + 3) & ~3);
        byte[] b = new byte[4 + additional];
        b[0] = (byte) ((isid.isPresent() ? 0x40 : 0x00) | PROTOCOL_ISCSI);
        BigEndian.put16(b, 2, additional);
        System.arraycopy(s, 0, b, 4, s.length);
        return b;
    }

    static Decoded decodeBody(byte[] b, int offset, int limit, int format) throws ScsiException {
        if (format > 1) {
            throw ScsiException.invalidFieldInParameterList("iSCSI TransportID format " + format + " is reserved");
        }
        int additional = BigEndian.u16(b, offset + 2);
        if (additional < MIN_ADDITIONAL_LENGTH || additional % 4 != 0) {
            throw ScsiException.invalidFieldInParameterList(
                    "iSCSI TransportID additional length " + additional + " is not a multiple of 4 of at least 20");
        }
        if (additional > limit - offset - 4) {
            throw ScsiException.invalidFieldInParameterList("iSCSI TransportID additional length " + additional
                    + " overruns the " + (limit - offset - 4) + " bytes left");
        }
        int start = offset + 4;
        int end = start + additional;
        int nul = start;
        while (nul < end && b[nul] != 0) {
            nul++;
        }
        if (nul == end) {
            throw ScsiException.invalidFieldInParameterList("iSCSI name is not NUL-terminated");
        }
        String s;
        try {
            // strict: a malformed byte sequence is a malformed name, never U+FFFD (two different
            // byte strings must not become one initiator port)
            s = StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(b, start, nul - start)).toString();
        } catch (CharacterCodingException e) {
            throw ScsiException.invalidFieldInParameterList("iSCSI name is not valid UTF-8");
        }
        try {
            IscsiTransportId id = format == 0 ? new IscsiTransportId(s) : parseWithIsid(s);
            return new Decoded(id, 4 + additional);
        } catch (IllegalArgumentException e) {
            throw ScsiException.invalidFieldInParameterList("malformed iSCSI TransportID: " + e.getMessage());
        }
    }

    private static IscsiTransportId parseWithIsid(String s) {
        int sep = lastSeparator(s);
        if (sep < 0) {
            throw new IllegalArgumentException("format 01b without \",i,0x\": " + s);
        }
        return new IscsiTransportId(s.substring(0, sep), Optional.of(s.substring(sep + ISID_SEPARATOR.length())));
    }

    /**
     * Index of the last ",i,0x" in {@code s}, ASCII letters in either case, or -1. Indexes into
     * {@code s} itself: a lower-cased copy can have another length (U+0130 becomes two chars).
     */
    private static int lastSeparator(String s) {
        for (int at = s.length() - ISID_SEPARATOR.length(); at >= 0; at--) {
            boolean match = true;
            for (int k = 0; k < ISID_SEPARATOR.length() && match; k++) {
                char c = s.charAt(at + k);
                char want = ISID_SEPARATOR.charAt(k);
                match = c == want || want >= 'a' && want <= 'z' && c == want - 'a' + 'A';
            }
            if (match) {
                return at;
            }
        }
        return -1;
    }

    static IscsiTransportId parse(String text) {
        return lastSeparator(text) >= 0 ? parseWithIsid(text) : new IscsiTransportId(text);
    }

    @Override
    public String text() {
        return wireString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IscsiTransportId other && foldedName().equals(other.foldedName())
                && isid.equals(other.isid);
    }

    @Override
    public int hashCode() {
        return foldedName().hashCode() * 31 + isid.hashCode();
    }

    /**
     * The name with each code point folded as {@link String#equalsIgnoreCase} folds it (upper,
     * then lower case). Not {@code toLowerCase(Locale.ROOT)}: that maps a final capital sigma
     * by context, so "AΣ" and "aσ" would differ.
     */
    private String foldedName() {
        StringBuilder folded = new StringBuilder(name.length());
        name.codePoints().forEach(c -> folded.appendCodePoint(Character.toLowerCase(Character.toUpperCase(c))));
        return folded.toString();
    }

    @Override
    public String toString() {
        return text();
    }

    /** The ISID as six bytes, when this is format 01b. */
    public Optional<byte[]> isidBytes() {
        return isid.map(HexFormat.of()::parseHex);
    }
}
