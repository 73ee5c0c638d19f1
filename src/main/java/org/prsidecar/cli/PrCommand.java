package org.prsidecar.cli;

import java.io.PrintWriter;
import java.util.Optional;
import java.util.List;
import java.util.concurrent.Callable;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;
import org.prsidecar.scsi.TransportId;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * A PERSISTENT RESERVE IN or OUT command run by an operator as a named initiator: through
 * the daemon's engine ({@link PersistentReservations}) and store ({@link SidecarStore}), so
 * that it is exactly what that initiator's guest would get, and answered as sg_persist
 * answers (its exit statuses, see {@link ScsiExit}).
 */
abstract class PrCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--initiator", paramLabel = "NAME", order = 1,
            description = "Required. The initiator to act as: an iSCSI name, as 'prsidecar show' lists it"
                    + " (e.g. iqn.2026-11.org.prsidecar:vm:UUID).")
    String initiator;

    @Parameters(index = "0", paramLabel = "DISK",
            description = "The disk: its image file, its device, or its sidecar.")
    String diskArgument;

    @Mixin
    DiskOptions diskOptions;

    @Mixin
    HelpOption help;

    /** sg_persist's exit statuses this command can end with ("0:GOOD"...), for its --help (Main sets them). */
    abstract List<String> exitCodes();

    /** How sg_persist names the service action: "Register", "Read keys". */
    abstract String title();

    /** "PR out" or "PR in". */
    abstract String direction();

    /** The command this initiator sends. */
    abstract Request request(Nexus nexus);

    /** Runs the request against the disk's table through the store. */
    abstract Outcome execute(SidecarStore store, PersistentReservations engine, Disk disk, Request request)
            throws StoreException;

    /** Prints a GOOD answer ({@code what} is "PR out (Register)"); PR IN decodes its data. */
    abstract void printGood(PrintWriter out, String what, Outcome o);

    @Override
    public Integer call() throws Exception {
        try (ToolLogging logging = ToolLogging.configure(diskOptions.verbosity())) {
            return runCommand();
        } catch (ParameterException e) {
            throw e; // a syntax error: picocli prints it with the usage and exits 1
        } catch (Exception e) {
            // 1 is sg_persist's syntax error: anything unexpected is "other"
            spec.commandLine().getErr().println("prsidecar " + spec.name() + ": failed: " + e);
            spec.commandLine().getErr().flush();
            return ScsiExit.OTHER;
        }
    }

    private Integer runCommand() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Nexus nexus = nexus();
        Request request;
        try {
            request = request(nexus);
        } catch (TypeConversionException | IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage());
        }
        ServeSettings settings;
        try {
            settings = diskOptions.settings();
        } catch (ConfigException e) {
            err.println("prsidecar " + spec.name() + ": " + e.getMessage());
            return ScsiExit.SYNTAX_ERROR;
        }
        Disk disk;
        try {
            disk = new DiskTargets(settings).resolve(diskArgument).disk();
        } catch (ToolException e) {
            err.println("prsidecar " + spec.name() + ": " + e.getMessage());
            return ScsiExit.FILE_ERROR;
        }
        SidecarStore store = new SidecarStore(Tools.storeOptions(settings, spec.name()));
        PersistentReservations engine = new PersistentReservations(settings.maxRegistrations());
        String what = direction() + " (" + title() + ")";
        Outcome o;
        try {
            o = execute(store, engine, disk, request);
        } catch (StoreException e) {
            err.println(what + ": " + ScsiExit.describe(e.status(), e.sense()));
            err.println("  " + e.getMessage());
            return ScsiExit.of(e.status(), e.sense());
        }
        if (o.isGood()) {
            printGood(out, what, o);
            out.flush();
        } else {
            err.println(what + ": " + ScsiExit.describe(o.status(), o.sense()));
            if (o.sense().map(s -> s.key() == SenseKey.UNIT_ATTENTION).orElse(false)) {
                err.println("  the command was not run: a unit attention pending for " + nexus + " is reported"
                        + " first, as to its guest (and is now consumed); run the command again");
            } else {
                err.println("  " + detail(o));
            }
            err.flush();
        }
        return ScsiExit.of(o.status(), o.sense());
    }

    private Nexus nexus() {
        if (initiator == null || initiator.isBlank()) {
            throw new ParameterException(spec.commandLine(), "Missing --initiator NAME: the initiator this command is"
                    + " sent as, e.g. --initiator iqn.2026-11.org.prsidecar:vm:UUID ('prsidecar show DISK' lists the"
                    + " registered ones)");
        }
        try {
            return Nexus.of(TransportId.parse(initiator));
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--initiator '" + initiator + "' is not an initiator"
                    + " name: " + e.getMessage());
        }
    }

    /** The engine's account without the status it repeats. */
    static String detail(Outcome o) {
        String d = o.detail();
        if (o.status() == ScsiStatus.RESERVATION_CONFLICT && d.startsWith("RESERVATION CONFLICT: ")) {
            return d.substring("RESERVATION CONFLICT: ".length());
        }
        Optional<SenseData> s = o.sense();
        if (s.isPresent() && d.startsWith(s.get() + ": ")) {
            return d.substring((s.get() + ": ").length());
        }
        return d;
    }
}
