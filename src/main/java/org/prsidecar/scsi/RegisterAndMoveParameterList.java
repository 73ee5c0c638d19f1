package org.prsidecar.scsi;

import java.util.Objects;

/** The PR OUT REGISTER AND MOVE parameter list (SPC reference 1.3). */
public record RegisterAndMoveParameterList(long reservationKey, long serviceActionKey, boolean unregister,
        boolean activatePersistThroughPowerLoss, int relativeTargetPortId, TransportId destination) {

    public static final int HEADER_LENGTH = 24;

    public RegisterAndMoveParameterList {
        Objects.requireNonNull(destination, "destination");
        if (relativeTargetPortId < 0 || relativeTargetPortId > 0xFFFF) {
            throw new IllegalArgumentException("relative target port id out of range: " + relativeTargetPortId);
        }
    }

    public static RegisterAndMoveParameterList decode(byte[] b) throws ScsiException {
        if (b.length < HEADER_LENGTH) {
            throw ScsiException.parameterListLengthError(
                    "REGISTER AND MOVE parameter list is " + b.length + " bytes, at least 24 needed");
        }
        long tpdl = BigEndian.u32(b, 20);
        long available = b.length - HEADER_LENGTH;
        if (tpdl > available) {
            throw ScsiException.invalidFieldInParameterList(
                    "TRANSPORTID PARAMETER DATA LENGTH " + tpdl + " overruns the " + available + " bytes sent");
        }
        if (tpdl < available) {
            throw ScsiException.parameterListLengthError("parameter list has " + (available - tpdl)
                    + " bytes beyond its TRANSPORTID PARAMETER DATA LENGTH " + tpdl);
        }
        if (tpdl < 24 || tpdl % 4 != 0) {
            throw ScsiException.invalidFieldInParameterList(
                    "TRANSPORTID PARAMETER DATA LENGTH " + tpdl + " is not a multiple of 4 of at least 24");
        }
        TransportId.Decoded d = TransportId.decode(b, HEADER_LENGTH, b.length);
        if (d.length() != tpdl) {
            throw ScsiException.invalidFieldInParameterList(
                    "destination TransportID is " + d.length() + " bytes, TRANSPORTID PARAMETER DATA LENGTH " + tpdl);
        }
        return new RegisterAndMoveParameterList(BigEndian.u64(b, 0), BigEndian.u64(b, 8), (b[17] & 0x02) != 0,
                (b[17] & 0x01) != 0, BigEndian.u16(b, 18), d.id());
    }

    public byte[] encode() {
        byte[] id = destination.encode();
        byte[] b = new byte[HEADER_LENGTH + id.length];
        BigEndian.put64(b, 0, reservationKey);
        BigEndian.put64(b, 8, serviceActionKey);
        b[17] = (byte) ((unregister ? 0x02 : 0) | (activatePersistThroughPowerLoss ? 0x01 : 0));
        BigEndian.put16(b, 18, relativeTargetPortId);
        BigEndian.put32(b, 20, id.length);
        System.arraycopy(id, 0, b, HEADER_LENGTH, id.length);
        return b;
    }
}
