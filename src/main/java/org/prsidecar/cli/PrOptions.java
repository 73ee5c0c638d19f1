package org.prsidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.TransportId;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The PR OUT parameters, with sg_persist's names and short options, as small mixins: each
 * command takes exactly the ones its service action uses, so its --help lists only those.
 */
final class PrOptions {
    private PrOptions() {
    }

    /** A reservation key in hex, "0x" optional (or a trailing "h"), as sg_persist reads it. */
    static long parseKey(String v) {
        String s = v.strip().toLowerCase(Locale.ROOT);
        if (s.startsWith("0x")) {
            s = s.substring(2);
        } else if (s.endsWith("h")) {
            s = s.substring(0, s.length() - 1);
        }
        if (s.isEmpty() || s.length() > 16 || !s.chars().allMatch(c -> c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
            throw new TypeConversionException("'" + v + "' is not a reservation key: up to 16 hex digits, 0x optional"
                    + " (keys are always hex, as in sg_persist)");
        }
        return Long.parseUnsignedLong(s, 16);
    }

    /**
     * A TYPE: a number 0-15 (1, 3, 5, 6, 7, 8 are the defined types; others are sent as they
     * are and answered 24/00) or a name: WE, EA, WE_RO, EA_RO, WE_AR, EA_AR, or the full name
     * such as WRITE_EXCLUSIVE_REGISTRANTS_ONLY.
     */
    static int parseType(String v) {
        String s = v.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        if (!s.isEmpty() && s.chars().allMatch(Character::isDigit) && s.length() <= 2) {
            int n = Integer.parseInt(s);
            if (n <= 15) {
                return n;
            }
        }
        ReservationType t = switch (s) {
            case "WE" -> ReservationType.WRITE_EXCLUSIVE;
            case "EA" -> ReservationType.EXCLUSIVE_ACCESS;
            case "WE_RO", "WERO" -> ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY;
            case "EA_RO", "EARO" -> ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY;
            case "WE_AR", "WEAR" -> ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS;
            case "EA_AR", "EAAR" -> ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS;
            default -> {
                try {
                    yield ReservationType.valueOf(s);
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException("'" + v + "' is not a reservation type: 1 (WE), 3 (EA), 5 (WE_RO),"
                            + " 6 (EA_RO), 7 (WE_AR) or 8 (EA_AR)");
                }
            }
        };
        return t.code();
    }

    static final class KeyConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parseKey(value);
        }
    }

    static final class TypeConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            return parseType(value);
        }
    }

    static final class Rk {
        @Option(names = {"-K", "--param-rk"}, paramLabel = "RK", converter = KeyConverter.class, order = 10,
                description = "Reservation key of this initiator, in hex (default 0).")
        long rk;
    }

    static final class Sark {
        @Option(names = {"-S", "--param-sark"}, paramLabel = "SARK", converter = KeyConverter.class, order = 11,
                description = "Service action reservation key, in hex (default 0).")
        long sark;
    }

    static final class Type {
        @Option(names = {"-T", "--prout-type"}, paramLabel = "TYPE", converter = TypeConverter.class, order = 12,
                description = "Reservation type: 1|WE, 3|EA, 5|WE_RO, 6|EA_RO, 7|WE_AR, 8|EA_AR.")
        Integer type;
    }

    static final class Aptpl {
        @Option(names = {"-Z", "--param-aptpl"}, order = 13,
                description = "Set APTPL: registrations and the reservation survive an emulated power-cycle.")
        boolean aptpl;
    }

    static final class AllTgPt {
        @Option(names = {"-Y", "--param-alltgpt"}, order = 14, description = "Set ALL_TG_PT (all target ports).")
        boolean allTgPt;
    }

    static final class Unreg {
        @Option(names = {"-U", "--unreg"}, order = 15,
                description = "Unregister this initiator once the reservation has moved.")
        boolean unreg;
    }

    static final class RelativePort {
        @Option(names = {"-Q", "--relative-port"}, paramLabel = "RTPI", order = 16, defaultValue = "1",
                description = "Relative target port of the destination (default 1, the one emulated port).")
        int port;
    }

    static final class TransportIds {
        @Option(names = {"-X", "--transport-id"}, paramLabel = "TID", order = 17,
                description = "An initiator's TransportID: an iSCSI name (iqn.…, or NAME,i,0xISID). Repeatable.")
        List<String> ids = new ArrayList<>();

        List<TransportId> parse() {
            List<TransportId> out = new ArrayList<>();
            for (String id : ids) {
                try {
                    out.add(TransportId.parse(id));
                } catch (IllegalArgumentException e) {
                    throw new TypeConversionException("--transport-id '" + id + "': " + e.getMessage());
                }
            }
            return out;
        }
    }
}
