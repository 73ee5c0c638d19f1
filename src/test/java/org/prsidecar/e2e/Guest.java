package org.prsidecar.e2e;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * What to boot: an immutable description of one guest, built fluently:
 * {@code guest("nodeA").uuid(A_UUID).lines("sg_persist --in --read-keys /dev/sda")}.
 * The name and uuid become QEMU's {@code -name} and {@code -uuid}, which a helper sees in
 * {@code /proc/<peer pid>/cmdline} of the connecting QEMU (SO_PEERCRED).
 *
 * @param name         QEMU {@code -name}; also names the run's log directory, so unique within a group
 * @param uuid         QEMU {@code -uuid}, or null for none
 * @param script       what the guest runs
 * @param timeout      QEMU is killed after this long (run-guest.sh {@code --timeout}); the guest then
 *                     counts as not finished
 * @param serveQmp     serve QMP on a Unix socket: {@link #withQmp()}, then {@link RunningGuest#qmp()}
 * @param files        extra files for the guest, at
 *                     {@code /sys/firmware/qemu_fw_cfg/by_name/opt/pr-e2e/f/NAME/raw}
 * @param verboseKernel all kernel messages on the console (loglevel 7): {@link #withKernelLog()}
 * @param append       extra kernel command line, or empty
 * @param qemuArgs     extra QEMU arguments
 */
public record Guest(String name, String uuid, GuestScript script, Duration timeout, boolean serveQmp,
                    Map<String, Path> files, boolean verboseKernel, String append, List<String> qemuArgs) {

    /** Default QEMU timeout: a guest boots in 3-5 s on 2 cores under TCG; this is only a safety net. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(90);

    public Guest {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
            throw new IllegalArgumentException("guest name must be [A-Za-z0-9._-]+ (it names a directory): " + name);
        }
        Objects.requireNonNull(timeout, "timeout");
        files = Map.copyOf(files);
        append = append == null ? "" : append;
        qemuArgs = List.copyOf(qemuArgs);
    }

    /** A guest with no script yet, no uuid and the default timeout. */
    public static Guest guest(String name) {
        return new Guest(name, null, null, DEFAULT_TIMEOUT, false, Map.of(), false, "", List.of());
    }

    public Guest uuid(String value) {
        return new Guest(name, value, script, timeout, serveQmp, files, verboseKernel, append, qemuArgs);
    }

    public Guest uuid(UUID value) {
        return uuid(value.toString());
    }

    public Guest script(GuestScript value) {
        return new Guest(name, uuid, value, timeout, serveQmp, files, verboseKernel, append, qemuArgs);
    }

    /** Shorthand for {@code script(GuestScript.lines(commands))}. */
    public Guest lines(String... commands) {
        return script(GuestScript.lines(commands));
    }

    /** Shorthand for {@code script(GuestScript.shell(body))}. */
    public Guest shell(String body) {
        return script(GuestScript.shell(body));
    }

    public Guest timeout(Duration value) {
        return new Guest(name, uuid, script, value, serveQmp, files, verboseKernel, append, qemuArgs);
    }

    /** Serve QMP for this guest; connect with {@link RunningGuest#qmp()}. */
    public Guest withQmp() {
        return new Guest(name, uuid, script, timeout, true, files, verboseKernel, append, qemuArgs);
    }

    /** Ship a host file to the guest, readable there at {@code .../opt/pr-e2e/f/FILENAME/raw}. */
    public Guest file(String fileName, Path path) {
        Map<String, Path> f = new LinkedHashMap<>(files);
        f.put(fileName, path);
        return new Guest(name, uuid, script, timeout, serveQmp, f, verboseKernel, append, qemuArgs);
    }

    public Guest withKernelLog() {
        return new Guest(name, uuid, script, timeout, serveQmp, files, true, append, qemuArgs);
    }

    public Guest append(String kernelArgs) {
        return new Guest(name, uuid, script, timeout, serveQmp, files, verboseKernel, kernelArgs, qemuArgs);
    }

    public Guest withQemuArgs(String... args) {
        List<String> a = new ArrayList<>(qemuArgs);
        a.addAll(List.of(args));
        return new Guest(name, uuid, script, timeout, serveQmp, files, verboseKernel, append, a);
    }
}
