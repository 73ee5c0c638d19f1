package org.prsidecar.scsi;

import java.util.EnumSet;
import java.util.Set;

/** REPORT CAPABILITIES data, always 8 bytes (SPC reference 1.5). */
public record ReportCapabilitiesData(boolean replaceLostReservationCapable, boolean compatibleReservationHandling,
        boolean specifyInitiatorPortsCapable, boolean allTargetPortsCapable,
        boolean persistThroughPowerLossCapable, boolean typeMaskValid, int allowCommands,
        boolean persistThroughPowerLossActivated, Set<ReservationType> typeMask) implements PrInData {

    public static final int LENGTH = 8;

    public ReportCapabilitiesData {
        if (allowCommands < 0 || allowCommands > 7) {
            throw new IllegalArgumentException("ALLOW COMMANDS is 3 bits: " + allowCommands);
        }
        typeMask = typeMask.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(typeMask));
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        BigEndian.put16(b, 0, LENGTH);
        b[2] = (byte) ((replaceLostReservationCapable ? 0x80 : 0) | (compatibleReservationHandling ? 0x10 : 0)
                | (specifyInitiatorPortsCapable ? 0x08 : 0) | (allTargetPortsCapable ? 0x04 : 0)
                | (persistThroughPowerLossCapable ? 0x01 : 0));
        b[3] = (byte) ((typeMaskValid ? 0x80 : 0) | allowCommands << 4 | (persistThroughPowerLossActivated ? 0x01 : 0));
        for (ReservationType t : typeMask) {
            switch (t) {
                case EXCLUSIVE_ACCESS_ALL_REGISTRANTS -> b[5] |= 0x01;
                default -> b[4] |= (byte) maskBit(t);
            }
        }
        return b;
    }

    private static int maskBit(ReservationType t) {
        return switch (t) {
            case WRITE_EXCLUSIVE_ALL_REGISTRANTS -> 0x80;
            case EXCLUSIVE_ACCESS_REGISTRANTS_ONLY -> 0x40;
            case WRITE_EXCLUSIVE_REGISTRANTS_ONLY -> 0x20;
            case EXCLUSIVE_ACCESS -> 0x08;
            case WRITE_EXCLUSIVE -> 0x02;
            case EXCLUSIVE_ACCESS_ALL_REGISTRANTS -> 0;
        };
    }

    public static ReportCapabilitiesData decode(byte[] b) throws ScsiException {
        if (b.length < LENGTH) {
            throw ScsiException.invalidFieldInParameterList(
                    "REPORT CAPABILITIES data shorter than 8 bytes: " + b.length);
        }
        int length = BigEndian.u16(b, 0);
        if (length != LENGTH) {
            throw ScsiException.invalidFieldInParameterList("REPORT CAPABILITIES LENGTH is " + length + ", not 8");
        }
        EnumSet<ReservationType> mask = EnumSet.noneOf(ReservationType.class);
        for (ReservationType t : ReservationType.values()) {
            boolean set = t == ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS ? (b[5] & 0x01) != 0
                    : (b[4] & maskBit(t)) != 0;
            if (set) {
                mask.add(t);
            }
        }
        return new ReportCapabilitiesData((b[2] & 0x80) != 0, (b[2] & 0x10) != 0, (b[2] & 0x08) != 0,
                (b[2] & 0x04) != 0, (b[2] & 0x01) != 0, (b[3] & 0x80) != 0, (b[3] & 0x70) >>> 4,
                (b[3] & 0x01) != 0, mask);
    }
}
