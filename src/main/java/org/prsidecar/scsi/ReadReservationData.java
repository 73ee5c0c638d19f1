package org.prsidecar.scsi;

import java.util.Objects;
import java.util.Optional;

/**
 * READ RESERVATION data: 8 bytes when there is no reservation, else 24 with the holder's key
 * (0 for the all-registrants types 7 and 8) and SCOPE|TYPE at byte 21.
 */
public record ReadReservationData(int generation, Optional<Reserved> reservation) implements PrInData {

    /** The reservation as READ RESERVATION reports it. */
    public record Reserved(long key, int scope, ReservationType type) {
        public Reserved {
            Objects.requireNonNull(type, "type");
            if (scope < 0 || scope > 0xF) {
                throw new IllegalArgumentException("scope out of range: " + scope);
            }
        }
    }

    public ReadReservationData {
        Objects.requireNonNull(reservation, "reservation");
    }

    @Override
    public byte[] encode() {
        if (reservation.isEmpty()) {
            byte[] b = new byte[8];
            BigEndian.put32(b, 0, generation);
            return b;
        }
        Reserved r = reservation.get();
        byte[] b = new byte[24];
        BigEndian.put32(b, 0, generation);
        BigEndian.put32(b, 4, 16);
        BigEndian.put64(b, 8, r.key());
        b[21] = (byte) (r.scope() << 4 | r.type().code());
        return b;
    }

    public static ReadReservationData decode(byte[] b) throws ScsiException {
        if (b.length < 8) {
            throw ScsiException.invalidFieldInParameterList(
                    "READ RESERVATION data shorter than 8 bytes: " + b.length);
        }
        int generation = (int) BigEndian.u32(b, 0);
        long additional = BigEndian.u32(b, 4);
        if (additional == 0) {
            return new ReadReservationData(generation, Optional.empty());
        }
        if (additional != 16 || b.length < 24) {
            throw ScsiException.invalidFieldInParameterList("READ RESERVATION ADDITIONAL LENGTH " + additional
                    + " with " + b.length + " bytes received; expected 0, or 16 with 24 bytes");
        }
        int typeCode = b[21] & 0x0F;
        ReservationType type = ReservationType.fromCode(typeCode).orElseThrow(() ->
                ScsiException.invalidFieldInParameterList("READ RESERVATION reports unknown type " + typeCode));
        return new ReadReservationData(generation,
                Optional.of(new Reserved(BigEndian.u64(b, 8), (b[21] & 0xF0) >>> 4, type)));
    }
}
