package org.prsidecar.scsi;

import java.util.HexFormat;
import java.util.Locale;

/**
 * A TransportID: how SCSI names an initiator port (SPC reference 1.4). Byte 0 holds FORMAT
 * (bits 7:6) and PROTOCOL IDENTIFIER (bits 3:0).
 *
 * <p>Text form, used in logs, the CLI and the sidecar: an iSCSI name as is
 * ({@code iqn.2026-11.org.prsidecar:vm}), with {@code ,i,0x} and twelve hex digits for format
 * 01b; {@code fc:}, {@code sas:}, {@code sbp:} or {@code srp:} followed by the hex identifier.
 */
public sealed interface TransportId
        permits IscsiTransportId, FibreChannelTransportId, SasTransportId, SrpTransportId, Ieee1394TransportId {

    int PROTOCOL_FC = 0x0;
    int PROTOCOL_IEEE1394 = 0x3;
    int PROTOCOL_SRP = 0x4;
    int PROTOCOL_ISCSI = 0x5;
    int PROTOCOL_SAS = 0x6;

    /** The PROTOCOL IDENTIFIER of byte 0. */
    int protocolIdentifier();

    /** The canonical encoding: what {@link #decode} reads back to an equal TransportID. */
    byte[] encode();

    /** The text form (see the class comment); {@link #parse} reads it back. */
    String text();

    /** A decoded TransportID and the number of bytes it occupied on the wire. */
    record Decoded(TransportId id, int length) {
    }

    /**
     * Decodes one TransportID from {@code b[offset .. limit)}. Anything malformed, truncated
     * or of a protocol prsidecar does not know is ILLEGAL REQUEST 26/00 (a TransportID only
     * ever arrives in a parameter list).
     */
    static Decoded decode(byte[] b, int offset, int limit) throws ScsiException {
        if (offset < 0 || limit > b.length || offset > limit) {
            throw new IllegalArgumentException("bad range " + offset + ".." + limit + " of " + b.length);
        }
        if (limit - offset < 4) {
            throw ScsiException.invalidFieldInParameterList(
                    "TransportID truncated: " + (limit - offset) + " bytes left, at least 4 needed");
        }
        int format = (b[offset] & 0xC0) >>> 6;
        int protocol = b[offset] & 0x0F;
        if (protocol == PROTOCOL_ISCSI) {
            return IscsiTransportId.decodeBody(b, offset, limit, format);
        }
        if (format != 0) {
            throw ScsiException.invalidFieldInParameterList(String.format(
                    "TransportID format %d is not defined for protocol identifier %Xh", format, protocol));
        }
        if (limit - offset < 24) {
            throw ScsiException.invalidFieldInParameterList(String.format(
                    "TransportID of protocol %Xh needs 24 bytes, %d left", protocol, limit - offset));
        }
        TransportId id = switch (protocol) {
            case PROTOCOL_FC -> new FibreChannelTransportId(BigEndian.u64(b, offset + 8));
            case PROTOCOL_SAS -> new SasTransportId(BigEndian.u64(b, offset + 4));
            case PROTOCOL_IEEE1394 -> new Ieee1394TransportId(BigEndian.u64(b, offset + 8));
            case PROTOCOL_SRP -> new SrpTransportId(java.util.Arrays.copyOfRange(b, offset + 8, offset + 24));
            default -> throw ScsiException.invalidFieldInParameterList(
                    String.format("TransportID protocol identifier %Xh is not supported", protocol));
        };
        return new Decoded(id, 24);
    }

    /** Decodes exactly one TransportID occupying all of {@code b}. */
    static TransportId decode(byte[] b) throws ScsiException {
        Decoded d = decode(b, 0, b.length);
        if (d.length() != b.length) {
            throw ScsiException.invalidFieldInParameterList(
                    "TransportID is " + d.length() + " bytes, " + b.length + " given");
        }
        return d.id();
    }

    /** Parses the text form; throws {@link IllegalArgumentException} saying what is wrong. */
    static TransportId parse(String text) {
        String t = text.strip();
        String lower = t.toLowerCase(Locale.ROOT);
        if (lower.startsWith("fc:")) {
            return new FibreChannelTransportId(parseHex64(t.substring(3), text));
        }
        if (lower.startsWith("sas:")) {
            return new SasTransportId(parseHex64(t.substring(4), text));
        }
        if (lower.startsWith("sbp:")) {
            return new Ieee1394TransportId(parseHex64(t.substring(4), text));
        }
        if (lower.startsWith("srp:")) {
            String hex = stripHexPrefix(t.substring(4));
            if (hex.length() != 32) {
                throw new IllegalArgumentException("SRP port identifier needs 32 hex digits: " + text);
            }
            try {
                return new SrpTransportId(HexFormat.of().parseHex(hex));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("SRP port identifier is not hex: " + text, e);
            }
        }
        return IscsiTransportId.parse(t);
    }

    private static long parseHex64(String s, String whole) {
        String hex = stripHexPrefix(s);
        if (hex.isEmpty() || hex.length() > 16) {
            throw new IllegalArgumentException("need 1 to 16 hex digits: " + whole);
        }
        try {
            return Long.parseUnsignedLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a hex number: " + whole, e);
        }
    }

    private static String stripHexPrefix(String s) {
        return s.startsWith("0x") || s.startsWith("0X") ? s.substring(2) : s;
    }
}
