package org.prsidecar.helper;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.stream.Collectors;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReservationType;

/**
 * A stand-in for a QEMU process in tests: {@code FakeQemuMain SOCKET IMAGE [qemu options]}.
 * Its own argv carries {@code -uuid} and {@code -name} where a test wants them, so that
 * /proc/PID/cmdline looks like a QEMU's to the helper. Commands, one per stdin line, each
 * answered by one stdout line:
 *
 * <pre>
 * connect                      CONNECTED | REFUSED reason
 * register RK SARK             STATUS n (hex keys; likewise below)
 * riek SARK | reserve K TYPE | release K TYPE | preempt RK SARK TYPE
 * readkeys                     KEYS generation k1,k2,...   | STATUS n
 * readres [ALLOC]              RES generation key type | RES generation none
 * fullstatus                   FULL generation initiator=key[*] ...   (* = holder)
 * </pre>
 */
public final class FakeQemuMain {
    private FakeQemuMain() {
    }

    public static void main(String[] args) throws Exception {
        Path socket = Path.of(args[0]);
        PosixFile disk = PosixFile.open(Path.of(args[1]), OpenMode.READ_WRITE, 0);
        HelperClient client = null;
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        System.out.println("STARTED " + ProcessHandle.current().pid());
        System.out.flush();
        String line;
        while ((line = in.readLine()) != null) {
            String[] w = line.strip().split("\\s+");
            String answer;
            try {
                if (w[0].equals("connect")) {
                    try {
                        client = HelperClient.connect(socket, Duration.ofSeconds(30));
                        answer = "CONNECTED";
                    } catch (Exception e) {
                        answer = "REFUSED " + e.getMessage();
                    }
                } else {
                    answer = execute(client, disk.fd(), w);
                }
            } catch (Exception e) {
                answer = "ERROR " + e;
            }
            System.out.println(answer);
            System.out.flush();
        }
        if (client != null) {
            client.close();
        }
        disk.close();
    }

    private static long key(String s) {
        return Long.parseUnsignedLong(s, 16);
    }

    private static ReservationType type(String s) {
        return ReservationType.fromCode(Integer.parseInt(s)).orElseThrow();
    }

    private static String execute(HelperClient c, int fd, String[] w) throws Exception {
        HelperTestSupport.Guest g = new HelperTestSupport.Guest(c, fd);
        HelperResponse r;
        switch (w[0]) {
            case "register" -> r = g.register(key(w[1]), key(w[2]));
            case "riek" -> r = g.out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, 0, key(w[1]));
            case "reserve" -> r = g.reserve(key(w[1]), type(w[2]));
            case "release" -> r = g.out(PrOutServiceAction.RELEASE, type(w[2]), key(w[1]), 0);
            case "preempt" -> r = g.preempt(key(w[1]), key(w[2]), type(w[3]));
            case "readkeys" -> {
                r = g.in(PrInServiceAction.READ_KEYS, 8192);
                if (r.result() == 0) {
                    ReadKeysData k = ReadKeysData.decode(r.data());
                    return "KEYS " + k.generation() + " "
                            + k.keys().stream().map(Long::toHexString).collect(Collectors.joining(","));
                }
            }
            case "readres" -> {
                r = g.in(PrInServiceAction.READ_RESERVATION, w.length > 1 ? Integer.parseInt(w[1]) : 8192);
                if (r.result() == 0) {
                    ReadReservationData d = ReadReservationData.decode(r.data());
                    return "RES " + d.generation() + " " + d.reservation()
                            .map(x -> Long.toHexString(x.key()) + " " + x.type().code()).orElse("none");
                }
            }
            case "fullstatus" -> {
                r = g.in(PrInServiceAction.READ_FULL_STATUS, 8192);
                if (r.result() == 0) {
                    ReadFullStatusData d = ReadFullStatusData.decode(r.data());
                    return "FULL " + d.generation() + " " + d.descriptors().stream()
                            .map(x -> x.transportId().text() + "=" + Long.toHexString(x.key()) + (x.holder() ? "*" : ""))
                            .sorted().collect(Collectors.joining(" "));
                }
            }
            default -> {
                return "ERROR unknown command " + w[0];
            }
        }
        String sense = r.senseData().map(s -> " " + s.key() + "/" + HexFormat.of().toHexDigits((byte) s.asc()) + "/"
                + HexFormat.of().toHexDigits((byte) s.ascq())).orElse("");
        return "STATUS " + r.result() + sense;
    }
}
