package org.prsidecar.helper;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/** The Device Identification VPD page (83h): the logical unit's WWID, in sysfs's notation. */
final class Vpd83 {
    private Vpd83() {
    }

    /** Prefers NAA, then EUI-64, then SCSI name string, then T10 vendor id; LU association only. */
    static Optional<String> wwid(byte[] page) {
        if (page.length < 4 || (page[1] & 0xFF) != 0x83) {
            return Optional.empty();
        }
        int end = Math.min(page.length, 4 + ((page[2] & 0xFF) << 8 | (page[3] & 0xFF)));
        String best = null;
        int bestRank = Integer.MAX_VALUE;
        for (int at = 4; at + 4 <= end;) {
            int codeSet = page[at] & 0x0F;
            int association = (page[at + 1] & 0x30) >>> 4;
            int type = page[at + 1] & 0x0F;
            int len = page[at + 3] & 0xFF;
            if (at + 4 + len > end) {
                break;
            }
            if (association == 0) {
                int rank = switch (type) {
                    case 3 -> 0;
                    case 2 -> 1;
                    case 8 -> 2;
                    case 1 -> 3;
                    default -> Integer.MAX_VALUE;
                };
                if (rank < bestRank) {
                    String v = designator(type, codeSet, page, at + 4, len);
                    if (v != null) {
                        best = v;
                        bestRank = rank;
                    }
                }
            }
            at += 4 + len;
        }
        return Optional.ofNullable(best);
    }

    private static String designator(int type, int codeSet, byte[] b, int off, int len) {
        if (len == 0) {
            return null;
        }
        return switch (type) {
            case 3 -> "naa." + HexFormat.of().formatHex(b, off, off + len);
            case 2 -> "eui." + HexFormat.of().formatHex(b, off, off + len);
            case 8, 1 -> codeSet == 2 || codeSet == 3
                    ? (type == 1 ? "t10." : "") + DiskResolver.normalizeWwid(
                            new String(b, off, len, StandardCharsets.UTF_8).replace("\0", ""))
                    : null;
            default -> null;
        };
    }

}
