package org.prsidecar.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.Optional;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarDocument;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code prsidecar power-cycle DISK}: what an emulated power loss does to the table. */
@Command(name = "power-cycle", header = "Apply an emulated power loss (the APTPL rule) to a disk's table.", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Apply an emulated power loss and power-on to the disk's table (SPC reference 2.9): with"
                + " APTPL on, the registrations and the reservation survive; with APTPL off, the table empties."
                + " Either way the generation restarts at 0 and pending unit attentions are dropped.",
            "prsidecar keeps every table durable whatever APTPL says; this command is the explicit power cycle."
                + " Prints the table before and after."},
        exitCodeOnInvalidInput = 2,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:done (or, with --dry-run, shown)",
            "1:the DISK could not be resolved, or its table could not be read or written (the message says why)",
            "2:bad option or configuration"})
final class PowerCycleCommand extends DiskTool {

    @Option(names = {"-n", "--dry-run"}, order = 1, description = "Show the result; change nothing.")
    boolean dryRun;

    @Parameters(index = "0", paramLabel = "DISK", description = "Image file, device, or sidecar.")
    String target;

    @Override
    Integer run(ServeSettings settings, PrintWriter out, PrintWriter err) throws Exception {
        Disk disk;
        try {
            disk = new DiskTargets(settings).resolve(target).disk();
        } catch (ToolException e) {
            err.println("prsidecar power-cycle: " + e.getMessage());
            return 1;
        }
        SidecarStore store = new SidecarStore(Tools.storeOptions(settings, "power-cycle"));
        try {
            Optional<SidecarDocument> before = store.readDocument(disk);
            ReservationTable old = before.map(SidecarDocument::table).orElse(ReservationTable.empty());
            out.println("disk " + disk.id() + " (" + disk.sidecar() + ")");
            out.println("before:");
            TableView.brief(out, shown(disk, before), "  ");
            Optional<SidecarDocument> after;
            if (dryRun) {
                ReservationTable next = PersistentReservations.powerCycle(old);
                after = Optional.of(new SidecarDocument(disk.id(), before.map(SidecarDocument::revision).orElse(0L),
                        before.map(SidecarDocument::writer).orElse(new SidecarDocument.Writer("(not written)", 0,
                                java.time.Instant.now(), "dry run")), next));
            } else {
                store.update(disk, t -> {
                    ReservationTable next = PersistentReservations.powerCycle(t);
                    return new TableStore.Change<>(next.equals(t) ? t : next, null);
                });
                after = store.readDocument(disk);
            }
            out.println(dryRun ? "after (dry run, not written):" : "after:");
            TableView.brief(out, shown(disk, after), "  ");
            out.println(old.aptpl()
                    ? "APTPL was on: the registrations and the reservation survive the power cycle; the generation"
                            + " restarts at 0 and pending unit attentions are dropped"
                    : old.registrationCount() == 0 ? "APTPL was off and the table was empty: it stays empty"
                    : "APTPL was off: the power cycle cleared the registrations and the reservation");
        } catch (StoreException e) {
            err.println("prsidecar power-cycle: " + e.getMessage());
            err.flush();
            return 1;
        }
        out.flush();
        return 0;
    }

    private static TableView.Shown shown(Disk disk, Optional<SidecarDocument> doc) {
        return new TableView.Shown(disk.id(), disk.sidecar(), doc.isPresent() ? TableView.Source.SIDECAR
                : TableView.Source.FRESH, doc, List.of());
    }
}
