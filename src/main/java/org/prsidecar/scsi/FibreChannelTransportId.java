package org.prsidecar.scsi;

/** Fibre Channel (protocol 0h): the N_PORT_NAME at bytes 8-15. */
public record FibreChannelTransportId(long nPortName) implements TransportId {

    @Override
    public int protocolIdentifier() {
        return PROTOCOL_FC;
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[24];
        b[0] = (byte) PROTOCOL_FC;
        BigEndian.put64(b, 8, nPortName);
        return b;
    }

    @Override
    public String text() {
        return String.format("fc:0x%016x", nPortName);
    }

    @Override
    public String toString() {
        return text();
    }
}
