package org.prsidecar.scsi;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** READ FULL STATUS data: PRGENERATION, ADDITIONAL LENGTH, one descriptor per registration. */
public record ReadFullStatusData(int generation, List<Descriptor> descriptors) implements PrInData {

    private static final int DESCRIPTOR_HEADER = 24;

    /**
     * One registration. {@code type} and {@code scope} are reported only for a holder (a
     * non-holder has no type and scope 0); {@code relativeTargetPortId} only when
     * {@code allTargetPorts} is clear (with it set, the id must be 0). A descriptor holds
     * exactly what the wire carries, so decode(encode(d)) equals d.
     */
    public record Descriptor(long key, boolean allTargetPorts, boolean holder, int scope,
            Optional<ReservationType> type, int relativeTargetPortId, TransportId transportId) {
        public Descriptor {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(transportId, "transportId");
            if (holder != type.isPresent()) {
                throw new IllegalArgumentException("a type is reported exactly for holders");
            }
            if (!holder && scope != 0) {
                throw new IllegalArgumentException("a scope is reported only for holders: " + scope);
            }
            if (allTargetPorts && relativeTargetPortId != 0) {
                throw new IllegalArgumentException(
                        "no relative target port id is reported with ALL_TG_PT: " + relativeTargetPortId);
            }
            if (scope < 0 || scope > 0xF || relativeTargetPortId < 0 || relativeTargetPortId > 0xFFFF) {
                throw new IllegalArgumentException("scope or relative target port id out of range");
            }
        }
    }

    public ReadFullStatusData {
        descriptors = List.copyOf(descriptors);
    }

    @Override
    public byte[] encode() {
        List<byte[]> ids = new ArrayList<>(descriptors.size());
        long total = 0;
        for (Descriptor d : descriptors) {
            byte[] id = d.transportId().encode();
            ids.add(id);
            total += DESCRIPTOR_HEADER + id.length;
        }
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("READ FULL STATUS data over 2 GiB");
        }
        byte[] b = new byte[8 + (int) total];
        BigEndian.put32(b, 0, generation);
        BigEndian.put32(b, 4, total);
        int at = 8;
        for (int i = 0; i < descriptors.size(); i++) {
            Descriptor d = descriptors.get(i);
            byte[] id = ids.get(i);
            BigEndian.put64(b, at, d.key());
            b[at + 12] = (byte) ((d.allTargetPorts() ? 0x02 : 0) | (d.holder() ? 0x01 : 0));
            if (d.holder()) {
                b[at + 13] = (byte) (d.scope() << 4 | d.type().orElseThrow().code());
            }
            if (!d.allTargetPorts()) {
                BigEndian.put16(b, at + 18, d.relativeTargetPortId());
            }
            BigEndian.put32(b, at + 20, id.length);
            System.arraycopy(id, 0, b, at + DESCRIPTOR_HEADER, id.length);
            at += DESCRIPTOR_HEADER + id.length;
        }
        return b;
    }

    /** Decodes a complete answer (the allocation length was large enough). */
    public static ReadFullStatusData decode(byte[] b) throws ScsiException {
        if (b.length < 8) {
            throw ScsiException.invalidFieldInParameterList(
                    "READ FULL STATUS data shorter than 8 bytes: " + b.length);
        }
        long additional = BigEndian.u32(b, 4);
        if (additional > b.length - 8) {
            throw ScsiException.invalidFieldInParameterList("READ FULL STATUS ADDITIONAL LENGTH " + additional
                    + " exceeds the " + (b.length - 8) + " bytes received");
        }
        int end = 8 + (int) additional;
        List<Descriptor> out = new ArrayList<>();
        int at = 8;
        while (at < end) {
            if (end - at < DESCRIPTOR_HEADER) {
                throw ScsiException.invalidFieldInParameterList("READ FULL STATUS descriptor truncated at " + at);
            }
            long idLength = BigEndian.u32(b, at + 20);
            if (idLength > end - at - DESCRIPTOR_HEADER) {
                throw ScsiException.invalidFieldInParameterList(
                        "ADDITIONAL DESCRIPTOR LENGTH " + idLength + " overruns the data at " + at);
            }
            int idStart = at + DESCRIPTOR_HEADER;
            TransportId.Decoded id = TransportId.decode(b, idStart, idStart + (int) idLength);
            if (id.length() != idLength) {
                throw ScsiException.invalidFieldInParameterList("TransportID of " + id.length()
                        + " bytes in a descriptor that announces " + idLength);
            }
            boolean allTgPt = (b[at + 12] & 0x02) != 0;
            boolean holder = (b[at + 12] & 0x01) != 0;
            Optional<ReservationType> type = Optional.empty();
            int scope = 0;
            if (holder) {
                int code = b[at + 13] & 0x0F;
                type = Optional.of(ReservationType.fromCode(code).orElseThrow(() ->
                        ScsiException.invalidFieldInParameterList("READ FULL STATUS reports unknown type " + code)));
                scope = (b[at + 13] & 0xF0) >>> 4;
            }
            out.add(new Descriptor(BigEndian.u64(b, at), allTgPt, holder, scope, type,
                    allTgPt ? 0 : BigEndian.u16(b, at + 18), id.id()));
            at = idStart + (int) idLength;
        }
        return new ReadFullStatusData((int) BigEndian.u32(b, 0), out);
    }
}
