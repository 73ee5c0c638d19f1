package org.prsidecar.scsi;

import java.util.ArrayList;
import java.util.List;

/**
 * READ KEYS data: PRGENERATION, ADDITIONAL LENGTH = 8 x keys, then one key per registration
 * (a key registered by several I_T nexuses appears once for each).
 */
public record ReadKeysData(int generation, List<Long> keys) implements PrInData {

    public ReadKeysData {
        keys = List.copyOf(keys);
    }

    @Override
    public byte[] encode() {
        byte[] b = new byte[8 + 8 * keys.size()];
        BigEndian.put32(b, 0, generation);
        BigEndian.put32(b, 4, 8L * keys.size());
        int at = 8;
        for (long k : keys) {
            BigEndian.put64(b, at, k);
            at += 8;
        }
        return b;
    }

    /** Decodes a complete answer (the allocation length was large enough). */
    public static ReadKeysData decode(byte[] b) throws ScsiException {
        if (b.length < 8) {
            throw ScsiException.invalidFieldInParameterList("READ KEYS data shorter than 8 bytes: " + b.length);
        }
        long additional = BigEndian.u32(b, 4);
        if (additional % 8 != 0 || additional > b.length - 8) {
            throw ScsiException.invalidFieldInParameterList("READ KEYS ADDITIONAL LENGTH " + additional
                    + " is not a multiple of 8 within the " + (b.length - 8) + " bytes received");
        }
        List<Long> keys = new ArrayList<>((int) (additional / 8));
        for (int at = 8; at < 8 + additional; at += 8) {
            keys.add(BigEndian.u64(b, at));
        }
        return new ReadKeysData((int) BigEndian.u32(b, 0), keys);
    }
}
