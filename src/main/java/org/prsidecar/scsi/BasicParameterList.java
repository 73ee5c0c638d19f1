package org.prsidecar.scsi;

import java.util.ArrayList;
import java.util.List;

/**
 * The PR OUT parameter list of every service action but REGISTER AND MOVE (SPC reference
 * 1.2): 24 bytes, plus a TransportID list when SPEC_I_PT is set.
 */
public record BasicParameterList(long reservationKey, long serviceActionKey, boolean specifyInitiatorPorts,
        boolean allTargetPorts, boolean activatePersistThroughPowerLoss, List<TransportId> transportIds) {

    public static final int LENGTH = 24;
    /** Header length of a SPEC_I_PT list: the 24 bytes plus TRANSPORTID PARAMETER DATA LENGTH. */
    public static final int SPEC_I_PT_HEADER_LENGTH = 28;

    private static final int SPEC_I_PT = 0x08;
    private static final int ALL_TG_PT = 0x04;
    private static final int APTPL = 0x01;

    public BasicParameterList {
        transportIds = List.copyOf(transportIds);
        if (!specifyInitiatorPorts && !transportIds.isEmpty()) {
            throw new IllegalArgumentException("TransportIDs are only sent with SPEC_I_PT");
        }
    }

    /** A list with no flags: RK and SARK only. */
    public static BasicParameterList of(long reservationKey, long serviceActionKey) {
        return new BasicParameterList(reservationKey, serviceActionKey, false, false, false, List.of());
    }

    public static BasicParameterList decode(byte[] b) throws ScsiException {
        if (b.length < LENGTH) {
            throw ScsiException.parameterListLengthError(
                    "PR OUT parameter list is " + b.length + " bytes, 24 needed");
        }
        long rk = BigEndian.u64(b, 0);
        long sark = BigEndian.u64(b, 8);
        int flags = b[20];
        boolean specIpt = (flags & SPEC_I_PT) != 0;
        boolean allTgPt = (flags & ALL_TG_PT) != 0;
        boolean aptpl = (flags & APTPL) != 0;
        if (!specIpt) {
            if (b.length != LENGTH) {
                throw ScsiException.parameterListLengthError(
                        "PR OUT parameter list is " + b.length + " bytes; without SPEC_I_PT it must be 24");
            }
            return new BasicParameterList(rk, sark, false, allTgPt, aptpl, List.of());
        }
        if (b.length < SPEC_I_PT_HEADER_LENGTH) {
            throw ScsiException.parameterListLengthError(
                    "SPEC_I_PT parameter list is " + b.length + " bytes, at least 28 needed");
        }
        long tpdl = BigEndian.u32(b, 24);
        long available = b.length - SPEC_I_PT_HEADER_LENGTH;
        if (tpdl > available) {
            throw ScsiException.invalidFieldInParameterList(
                    "TRANSPORTID PARAMETER DATA LENGTH " + tpdl + " overruns the " + available + " bytes sent");
        }
        if (tpdl < available) {
            throw ScsiException.parameterListLengthError("parameter list has " + (available - tpdl)
                    + " bytes beyond its TRANSPORTID PARAMETER DATA LENGTH " + tpdl);
        }
        List<TransportId> ids = new ArrayList<>();
        int at = SPEC_I_PT_HEADER_LENGTH;
        while (at < b.length) {
            TransportId.Decoded d = TransportId.decode(b, at, b.length);
            ids.add(d.id());
            at += d.length();
        }
        return new BasicParameterList(rk, sark, true, allTgPt, aptpl, ids);
    }

    public byte[] encode() {
        List<byte[]> encoded = transportIds.stream().map(TransportId::encode).toList();
        int idBytes = encoded.stream().mapToInt(e -> e.length).sum();
        byte[] b = new byte[specifyInitiatorPorts ? SPEC_I_PT_HEADER_LENGTH + idBytes : LENGTH];
        BigEndian.put64(b, 0, reservationKey);
        BigEndian.put64(b, 8, serviceActionKey);
        b[20] = (byte) ((specifyInitiatorPorts ? SPEC_I_PT : 0) | (allTargetPorts ? ALL_TG_PT : 0)
                | (activatePersistThroughPowerLoss ? APTPL : 0));
        if (specifyInitiatorPorts) {
            BigEndian.put32(b, 24, idBytes);
            int at = SPEC_I_PT_HEADER_LENGTH;
            for (byte[] e : encoded) {
                System.arraycopy(e, 0, b, at, e.length);
                at += e.length;
            }
        }
        return b;
    }
}
