package org.prsidecar.scsi;

/** IEEE 1394 (protocol 3h): the EUI-64 at bytes 8-15. */
public record Ieee1394TransportId(long eui64) implements TransportId {

    @Override
    public int protocolIdentifier() {
        return PROTOCOL_IEEE1394;
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[24];
        b[0] = (byte) PROTOCOL_IEEE1394;
        BigEndian.put64(b, 8, eui64);
        return b;
    }

    @Override
    public String text() {
        return String.format("sbp:0x%016x", eui64);
    }

    @Override
    public String toString() {
        return text();
    }
}
