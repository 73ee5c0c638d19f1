import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import org.prsidecar.helper.FrameException;
import org.prsidecar.helper.HelperClient;
import org.prsidecar.helper.HelperResponse;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * A tiny sg_persist for a pr-manager helper socket: sends ONE persistent-reservation command
 * exactly as QEMU does (handshake, the CDB with the disk's fd by SCM_RIGHTS, the parameter
 * list) and prints the answer. Run it with the single-file source launcher of a JDK 17+:
 *
 * <pre>java -cp 'PRSIDECAR/lib/*' PrClient.java SOCKET DISK COMMAND [ARGS]</pre>
 *
 * Each run is a new connection from a new process, as a restarted QEMU would be.
 * Exit status: 0 GOOD, 24 RESERVATION CONFLICT, 6 UNIT ATTENTION, 5 ILLEGAL REQUEST,
 * 2 NOT READY, 11 ABORTED COMMAND (the sg_persist codes), 8 BUSY, 1 anything else.
 */
public final class PrClient {

    private static final String USAGE = """
            usage: PrClient SOCKET DISK COMMAND [ARGS]   (keys in hex, TYPE 1,3,5,6,7,8)
              read-keys | read-reservation | read-full-status | report-capabilities
              register SARK | register-ignore SARK | unregister RK
              reserve RK TYPE | release RK TYPE | clear RK
              preempt RK SARK TYPE | preempt-abort RK SARK TYPE""";

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println(USAGE);
            System.exit(1);
        }
        Path socket = Path.of(args[0]);
        Path disk = Path.of(args[1]).toAbsolutePath();
        String command = args[2];
        byte[] cdb;
        byte[] params = new byte[0];
        PrInServiceAction in = switch (command) {
            case "read-keys" -> PrInServiceAction.READ_KEYS;
            case "read-reservation" -> PrInServiceAction.READ_RESERVATION;
            case "read-full-status" -> PrInServiceAction.READ_FULL_STATUS;
            case "report-capabilities" -> PrInServiceAction.REPORT_CAPABILITIES;
            default -> null;
        };
        if (in != null) {
            cdb = PersistentReserveInCdb.of(in, 8192).encode();
        } else {
            long rk = 0;
            long sark = 0;
            ReservationType type = null;
            PrOutServiceAction sa;
            switch (command) {
                case "register" -> { sa = PrOutServiceAction.REGISTER; sark = key(args, 3); }
                case "register-ignore" -> { sa = PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY; sark = key(args, 3); }
                case "unregister" -> { sa = PrOutServiceAction.REGISTER; rk = key(args, 3); }
                case "reserve" -> { sa = PrOutServiceAction.RESERVE; rk = key(args, 3); type = type(args, 4); }
                case "release" -> { sa = PrOutServiceAction.RELEASE; rk = key(args, 3); type = type(args, 4); }
                case "clear" -> { sa = PrOutServiceAction.CLEAR; rk = key(args, 3); }
                case "preempt", "preempt-abort" -> {
                    sa = command.equals("preempt") ? PrOutServiceAction.PREEMPT : PrOutServiceAction.PREEMPT_AND_ABORT;
                    rk = key(args, 3);
                    sark = key(args, 4);
                    type = type(args, 5);
                }
                default -> throw usage("unknown command " + command);
            }
            params = BasicParameterList.of(rk, sark).encode();
            cdb = PersistentReserveOutCdb.of(sa, type, params.length).encode();
        }

        // QEMU passes its own O_RDWR fd of the host device; here the disk may be a device,
        // or an image file, which prsidecar identifies by its path (sidecar beside it)
        HelperResponse r;
        try (PosixFile fd = PosixFile.open(disk, OpenMode.READ_WRITE, 0);
                HelperClient client = HelperClient.connect(socket, Duration.ofSeconds(30))) {
            r = client.execute(cdb, fd.fd(), params);
        } catch (IOException | FrameException e) {
            // e.g. the helper refused this peer (it closes before the handshake) or is not running
            System.out.println(command + ": no answer: " + e.getMessage());
            System.exit(1);
            return;
        }
        System.exit(print(command, r));
    }

    private static int print(String command, HelperResponse r) throws Exception {
        ScsiStatus status = r.status().orElse(null);
        if (status == ScsiStatus.CHECK_CONDITION) {
            SenseData s = r.senseData().orElse(null);
            System.out.println(command + ": CHECK CONDITION " + (s == null ? "(undecodable sense)" : s));
            if (s == null) {
                return 1;
            }
            return switch (s.key()) {
                case UNIT_ATTENTION -> 6;
                case ILLEGAL_REQUEST -> 5;
                case NOT_READY -> 2;
                case ABORTED_COMMAND -> 11;
                default -> 1;
            };
        }
        if (status != ScsiStatus.GOOD) {
            System.out.println(command + ": " + (status == null ? "status " + r.result() : status.name().replace('_', ' ')));
            return status == ScsiStatus.RESERVATION_CONFLICT ? 24 : status == ScsiStatus.BUSY ? 8 : 1;
        }
        byte[] data = r.data();
        switch (command) {
            case "read-keys" -> {
                ReadKeysData k = ReadKeysData.decode(data);
                System.out.println(command + ": generation " + gen(k.generation()) + ", " + k.keys().size()
                        + " registered key(s)" + (k.keys().isEmpty() ? "" : ":"));
                k.keys().forEach(key -> System.out.println("    " + hex(key)));
            }
            case "read-reservation" -> {
                ReadReservationData d = ReadReservationData.decode(data);
                System.out.println(command + ": generation " + gen(d.generation()) + ", " + d.reservation()
                        .map(x -> "reserved by key " + hex(x.key()) + ", type " + x.type().code() + " ("
                                + x.type().title() + ")")
                        .orElse("no reservation"));
            }
            case "read-full-status" -> {
                ReadFullStatusData d = ReadFullStatusData.decode(data);
                System.out.println(command + ": generation " + gen(d.generation()) + ", " + d.descriptors().size()
                        + " registration(s)" + (d.descriptors().isEmpty() ? "" : ":"));
                for (ReadFullStatusData.Descriptor x : d.descriptors()) {
                    System.out.println("    key " + hex(x.key()) + "  " + x.transportId().text()
                            + (x.holder() ? "  HOLDER of type " + x.type().orElseThrow().code() : ""));
                }
            }
            case "report-capabilities" -> {
                ReportCapabilitiesData c = ReportCapabilitiesData.decode(data);
                System.out.println(command + ": SIP_C " + bit(c.specifyInitiatorPortsCapable()) + ", ATP_C "
                        + bit(c.allTargetPortsCapable()) + ", PTPL_C " + bit(c.persistThroughPowerLossCapable())
                        + ", PTPL_A " + bit(c.persistThroughPowerLossActivated()) + ", types " + c.typeMask().stream()
                        .map(t -> Integer.toString(t.code())).sorted().toList());
            }
            default -> System.out.println(command + ": GOOD");
        }
        return 0;
    }

    private static long key(String[] args, int i) {
        if (args.length <= i) {
            throw usage("missing key");
        }
        String s = args[i].toLowerCase(Locale.ROOT);
        return Long.parseUnsignedLong(s.startsWith("0x") ? s.substring(2) : s, 16);
    }

    private static ReservationType type(String[] args, int i) {
        if (args.length <= i) {
            throw usage("missing TYPE");
        }
        return ReservationType.fromCode(Integer.parseInt(args[i])).orElseThrow(() -> usage("bad TYPE " + args[i]));
    }

    private static IllegalArgumentException usage(String why) {
        System.err.println("PrClient: " + why + "\n" + USAGE);
        System.exit(1);
        return new IllegalArgumentException(why);
    }

    private static String hex(long key) {
        return String.format("0x%x", key);
    }

    private static String gen(int g) {
        return Integer.toUnsignedString(g);
    }

    private static String bit(boolean b) {
        return b ? "1" : "0";
    }
}
