package org.prsidecar.scsi;

import java.util.Arrays;

/** Parameter data returned by PERSISTENT RESERVE IN. */
public sealed interface PrInData permits ReadKeysData, ReadReservationData, ReportCapabilitiesData, ReadFullStatusData {

    /** The complete answer, as if the allocation length were unlimited. */
    byte[] encode();

    /**
     * The answer for this allocation length: a prefix of {@link #encode()}, at most
     * {@code allocationLength} bytes. Header length fields still describe the whole answer
     * (SPC reference 1.5), and an allocation length below 8 is not an error.
     */
    default byte[] encode(int allocationLength) {
        return truncate(encode(), allocationLength);
    }

    static byte[] truncate(byte[] full, int allocationLength) {
        if (allocationLength < 0) {
            throw new IllegalArgumentException("negative allocation length " + allocationLength);
        }
        return full.length <= allocationLength ? full : Arrays.copyOf(full, allocationLength);
    }
}
