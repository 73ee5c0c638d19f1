package org.prsidecar.scsi;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * iSCSI TransportID (protocol 5h). Format 00b names an initiator device ({@code isid} empty);
 * format 01b names one initiator port: {@code name,i,0x<ISID>}. Names compare
 * case-insensitively (SPC reference 1.4); equality and hashing follow that.
 */
public record IscsiTransportId(String name, Optional<String> isid) implements TransportId {

    /** iSCSI names are at most 223 bytes of UTF-8 (RFC 7143). */
    public static final int MAX_NAME_BYTES = 223;
    private static final String ISID_SEPARATOR = ",i,0x";
    private static final int MIN_ADDITIONAL_LENGTH = 20;

    public IscsiTransportId {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(isid, "isid");
        String why = invalidName(name);
        if (why != null) {
            throw new IllegalArgumentException(why);
        }
        if (isid.isPresent()) {
            String i = isid.get();
            if (i.length() != 12 || !i.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
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
        if (name.getBytes(StandardCharsets.UTF_8).length > MAX_NAME_BYTES) {
            return "iSCSI name longer than " + MAX_NAME_BYTES + " bytes: " + name;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= 0x20 || c == 0x7F || c == ',') {
                return String.format("iSCSI name has a forbidden character %s at %d: %s",
                        c == ',' ? "','" : String.format("U+%04X", (int) c), i, name);
            }
        }
        return null;
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
        String s = new String(b, start, nul - start, StandardCharsets.UTF_8);
        try {
            IscsiTransportId id = format == 0 ? new IscsiTransportId(s) : parseWithIsid(s);
            return new Decoded(id, 4 + additional);
        } catch (IllegalArgumentException e) {
            throw ScsiException.invalidFieldInParameterList("malformed iSCSI TransportID: " + e.getMessage());
        }
    }

    private static IscsiTransportId parseWithIsid(String s) {
        int sep = s.toLowerCase(Locale.ROOT).lastIndexOf(ISID_SEPARATOR);
        if (sep < 0) {
            throw new IllegalArgumentException("format 01b without \",i,0x\": " + s);
        }
        return new IscsiTransportId(s.substring(0, sep), Optional.of(s.substring(sep + ISID_SEPARATOR.length())));
    }

    static IscsiTransportId parse(String text) {
        return text.toLowerCase(Locale.ROOT).contains(ISID_SEPARATOR) ? parseWithIsid(text)
                : new IscsiTransportId(text);
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

    private String foldedName() {
        return name.toLowerCase(Locale.ROOT);
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
