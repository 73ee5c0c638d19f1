package org.prsidecar.scsi;

import java.util.Objects;

/** PERSISTENT RESERVE IN CDB (opcode 5Eh, 10 bytes; SPC reference 1.1). */
public record PersistentReserveInCdb(PrInServiceAction serviceAction, int allocationLength, int control) {

    public static final int OPCODE = 0x5E;
    public static final int LENGTH = 10;

    public PersistentReserveInCdb {
        Objects.requireNonNull(serviceAction, "serviceAction");
        if (allocationLength < 0 || allocationLength > 0xFFFF) {
            throw new IllegalArgumentException("allocation length out of range: " + allocationLength);
        }
        if (control < 0 || control > 0xFF) {
            throw new IllegalArgumentException("control out of range: " + control);
        }
    }

    public static PersistentReserveInCdb of(PrInServiceAction serviceAction, int allocationLength) {
        return new PersistentReserveInCdb(serviceAction, allocationLength, 0);
    }

    /** Decodes the first 10 bytes of {@code cdb}; more (QEMU's zero padding to 16) are ignored. */
    public static PersistentReserveInCdb decode(byte[] cdb) throws ScsiException {
        if (cdb.length < LENGTH) {
            throw ScsiException.invalidFieldInCdb("PR IN CDB shorter than 10 bytes: " + cdb.length);
        }
        if (BigEndian.u8(cdb, 0) != OPCODE) {
            throw ScsiException.checkCondition(SenseData.INVALID_COMMAND_OPERATION_CODE,
                    String.format("not a PERSISTENT RESERVE IN CDB: opcode %02Xh", cdb[0] & 0xFF));
        }
        int sa = cdb[1] & 0x1F;
        PrInServiceAction action = PrInServiceAction.fromCode(sa)
                .orElseThrow(() -> ScsiException.invalidFieldInCdb(
                        String.format("PR IN service action %02Xh is reserved", sa)));
        return new PersistentReserveInCdb(action, BigEndian.u16(cdb, 7), BigEndian.u8(cdb, 9));
    }

    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        b[0] = (byte) OPCODE;
        b[1] = (byte) serviceAction.code();
        BigEndian.put16(b, 7, allocationLength);
        b[9] = (byte) control;
        return b;
    }
}
