package org.prsidecar.scsi;

/** SAS (protocol 6h): the SAS address at bytes 4-11. */
public record SasTransportId(long sasAddress) implements TransportId {

    @Override
    public int protocolIdentifier() {
        return PROTOCOL_SAS;
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[24];
        b[0] = (byte) PROTOCOL_SAS;
        BigEndian.put64(b, 4, sasAddress);
        return b;
    }

    @Override
    public String text() {
        return String.format("sas:0x%016x", sasAddress);
    }

    @Override
    public String toString() {
        return text();
    }
}
