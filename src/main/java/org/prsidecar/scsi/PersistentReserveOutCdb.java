package org.prsidecar.scsi;

import java.util.Objects;
import java.util.Optional;

/**
 * PERSISTENT RESERVE OUT CDB (opcode 5Fh, 10 bytes; SPC reference 1.1). SCOPE and TYPE are
 * kept raw: whether they are checked depends on the service action (reference 7.1).
 */
public record PersistentReserveOutCdb(PrOutServiceAction serviceAction, int scope, int typeCode,
        long parameterListLength, int control) {

    public static final int OPCODE = 0x5F;
    public static final int LENGTH = 10;
    /** The only valid SCOPE: the logical unit. */
    public static final int LU_SCOPE = 0;

    public PersistentReserveOutCdb {
        Objects.requireNonNull(serviceAction, "serviceAction");
        if (scope < 0 || scope > 0xF || typeCode < 0 || typeCode > 0xF) {
            throw new IllegalArgumentException("scope/type out of range: " + scope + "/" + typeCode);
        }
        if (parameterListLength < 0 || parameterListLength > 0xFFFF_FFFFL) {
            throw new IllegalArgumentException("parameter list length out of range: " + parameterListLength);
        }
        if (control < 0 || control > 0xFF) {
            throw new IllegalArgumentException("control out of range: " + control);
        }
    }

    /** A CDB with LU scope, control 0 and the given type (ignored by some service actions). */
    public static PersistentReserveOutCdb of(PrOutServiceAction serviceAction, ReservationType type,
            int parameterListLength) {
        return new PersistentReserveOutCdb(serviceAction, LU_SCOPE, type == null ? 0 : type.code(),
                parameterListLength, 0);
    }

    /**
     * Decodes the first 10 bytes of {@code cdb}. A PARAMETER LIST LENGTH above 0xFFFF (bytes 5-6
     * not zero) is 1A/00: QEMU frames the parameter list by bytes 7-8 only (SPC reference 7.7).
     * The constructor still accepts any 32-bit length, so tests can encode such a CDB.
     */
    public static PersistentReserveOutCdb decode(byte[] cdb) throws ScsiException {
        if (cdb.length < LENGTH) {
            throw ScsiException.invalidFieldInCdb("PR OUT CDB shorter than 10 bytes: " + cdb.length);
        }
        if (BigEndian.u8(cdb, 0) != OPCODE) {
            throw ScsiException.checkCondition(SenseData.INVALID_COMMAND_OPERATION_CODE,
                    String.format("not a PERSISTENT RESERVE OUT CDB: opcode %02Xh", cdb[0] & 0xFF));
        }
        int sa = cdb[1] & 0x1F;
        PrOutServiceAction action = PrOutServiceAction.fromCode(sa)
                .orElseThrow(() -> ScsiException.invalidFieldInCdb(
                        String.format("PR OUT service action %02Xh is reserved", sa)));
        long length = BigEndian.u32(cdb, 5);
        if (length > 0xFFFF) {
            // SPC reference 7.7: bytes 5-6 not zero -> 1A/00
            throw ScsiException.parameterListLengthError(String.format(
                    "PARAMETER LIST LENGTH %d: bytes 5-6 are not zero, QEMU frames the list by bytes 7-8", length));
        }
        int scope = (cdb[2] & 0xF0) >>> 4;
        int type = cdb[2] & 0x0F;
        return new PersistentReserveOutCdb(action, scope, type, length, BigEndian.u8(cdb, 9));
    }

    public byte[] encode() {
        byte[] b = new byte[LENGTH];
        b[0] = (byte) OPCODE;
        b[1] = (byte) serviceAction.code();
        b[2] = (byte) (scope << 4 | typeCode);
        BigEndian.put32(b, 5, parameterListLength);
        b[9] = (byte) control;
        return b;
    }

    /** The TYPE field as a reservation type, if it names one. */
    public Optional<ReservationType> type() {
        return ReservationType.fromCode(typeCode);
    }
}
