package org.prsidecar.scsi;

import java.util.Arrays;
import java.util.HexFormat;

/** SCSI RDMA (protocol 4h): the 16-byte initiator port identifier at bytes 8-23. */
public record SrpTransportId(byte[] portId) implements TransportId {

    public SrpTransportId {
        if (portId.length != 16) {
            throw new IllegalArgumentException("SRP port identifier must be 16 bytes, not " + portId.length);
        }
        portId = portId.clone();
    }

    @Override
    public byte[] portId() {
        return portId.clone();
    }

    @Override
    public int protocolIdentifier() {
        return PROTOCOL_SRP;
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[24];
        b[0] = (byte) PROTOCOL_SRP;
        System.arraycopy(portId, 0, b, 8, 16);
        return b;
    }

    @Override
    public String text() {
        return "srp:0x" + HexFormat.of().formatHex(portId);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SrpTransportId other && Arrays.equals(portId, other.portId);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(portId);
    }

    @Override
    public String toString() {
        return text();
    }
}
