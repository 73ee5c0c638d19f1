package org.prsidecar.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.SidecarDocument;
import org.prsidecar.store.SidecarRepair;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/** {@code prsidecar repair DISK|SIDECAR}: an explicit, backed-up repair of one sidecar. */
@Command(name = "repair", header = "Repair a sidecar, explicitly, keeping backups.", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Repair one sidecar, explicitly (the daemon never does this on its own). Works under the"
                + " sidecar's exclusive lock and in place (the file is never replaced: other hosts lock it), writes"
                + " durably (the journal first), and always keeps a copy of what it changes: SIDECAR.bak-<UTC time>"
                + " and SIDECAR.journal.bak-<UTC time>.",
            "Without flags: finishes an interrupted update, or rebuilds a torn, empty or missing sidecar, from a"
                + " complete journal entry; sets aside journal entries the daemon would drop. It never discards a"
                + " table without --from-journal or --reset.",
            "--accept-edits seals a hand-edited sidecar (valid content, wrong checksum) after printing the table it"
                + " holds; --from-journal puts the journal's copy back over the sidecar; --reset writes an empty"
                + " table (with --yes).",
            "The result is checked by loading it as the daemon does."},
        exitCodeOnInvalidInput = 2,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:repaired, or nothing needed repair (also a --dry-run that would repair)",
            "1:not repaired: refused (the message says what to do), --yes missing, or the repair failed",
            "2:bad option or configuration"})
final class RepairCommand extends DiskTool {

    @Option(names = "--accept-edits", order = 1,
            description = "Seal a hand-edited sidecar again: keep its table, recompute its checksum.")
    boolean acceptEdits;

    @Option(names = "--from-journal", order = 2,
            description = "Put the journal's complete copy back over the sidecar (undoes a hand edit).")
    boolean fromJournal;

    @Option(names = "--reset", order = 3, description = "Write an empty table (needs --yes).")
    boolean reset;

    @Option(names = "--yes", order = 4, description = "Confirm --reset.")
    boolean yes;

    @Option(names = {"-n", "--dry-run"}, order = 5, description = "Print what would be done; change nothing.")
    boolean dryRun;

    @Parameters(index = "0", paramLabel = "DISK|SIDECAR",
            description = "An image file, a device, a sidecar, or a sidecar's journal.")
    String target;

    @Override
    void checkOptions() {
        if ((acceptEdits ? 1 : 0) + (fromJournal ? 1 : 0) + (reset ? 1 : 0) > 1) {
            throw new ParameterException(spec.commandLine(), "--accept-edits, --from-journal and --reset are"
                    + " different repairs: give one of them");
        }
        if (yes && !reset) {
            throw new ParameterException(spec.commandLine(), "--yes confirms --reset, and only --reset");
        }
    }

    @Override
    Integer run(ServeSettings settings, PrintWriter out, PrintWriter err) throws Exception {
        Disk disk;
        try {
            disk = new DiskTargets(settings).resolve(target).disk();
        } catch (ToolException e) {
            err.println("prsidecar repair: " + e.getMessage());
            return 1;
        }
        SidecarStore.Options storeOptions = Tools.storeOptions(settings, "repair");
        SidecarRepair repair = new SidecarRepair(SidecarRepair.Options.of(storeOptions, storeOptions.program()));
        SidecarRepair.Flags flags = new SidecarRepair.Flags(acceptEdits, fromJournal, reset);

        SidecarRepair.Plan plan = repair.plan(disk, flags);
        out.println("disk " + disk.id() + ", sidecar " + disk.sidecar());
        for (SidecarCheck.Finding f : plan.report().findings()) {
            out.println("  " + f.file().getFileName() + ": " + f.severity().name().toLowerCase(Locale.ROOT) + ": "
                    + f.message());
        }
        switch (plan.action()) {
            case NOTHING -> {
                out.println("nothing to do: " + plan.description());
                out.flush();
                return plan.report().served() == SidecarCheck.Served.NONE ? 1 : 0;
            }
            case REFUSE -> {
                printTable(out, disk, plan, "the table the edited sidecar holds");
                err.println("prsidecar repair: not repaired: " + plan.description());
                out.flush();
                err.flush();
                return 1;
            }
            default -> { }
        }
        out.println((dryRun || reset && !yes ? "would " : "plan: ") + plan.description());
        printTable(out, disk, plan, "the table afterwards");
        if (reset && !yes) {
            err.println("prsidecar repair: nothing was changed: --reset discards the table; run again with --reset"
                    + " --yes to do it");
            out.flush();
            err.flush();
            return 1;
        }
        if (dryRun) {
            out.println("dry run: nothing was changed");
            out.flush();
            return 0;
        }
        SidecarRepair.Result result;
        try {
            result = repair.run(disk, flags);
        } catch (IOException e) {
            err.println("prsidecar repair: the repair failed: " + e.getMessage() + ". If the journal entry was"
                    + " written, the daemon finishes it on its next access; run 'prsidecar check " + disk.sidecar()
                    + "' to see where things stand");
            err.flush();
            return 1;
        }
        if (!result.written()) {
            // the files changed between the first look and the lock
            out.println("the sidecar changed meanwhile: " + result.plan().description());
            out.flush();
            return result.plan().action() == SidecarRepair.Action.REFUSE ? 1 : 0;
        }
        if (result.plan().action() != plan.action()) {
            out.println("the sidecar changed meanwhile; did instead: " + result.plan().description());
        }
        for (Path b : result.backups()) {
            out.println("kept a copy: " + b);
        }
        try {
            Optional<SidecarDocument> loaded = new SidecarStore(storeOptions).readDocument(disk);
            out.println("done: the sidecar loads as the daemon reads it ("
                    + loaded.map(d -> "revision " + d.revision()).orElse("a fresh table") + ")");
        } catch (StoreException e) {
            err.println("prsidecar repair: written, but the sidecar still does not load: " + e.getMessage());
            out.flush();
            err.flush();
            return 1;
        }
        out.flush();
        return 0;
    }

    private static void printTable(PrintWriter out, Disk disk, SidecarRepair.Plan plan, String what) {
        if (plan.table().isEmpty() || plan.action() == SidecarRepair.Action.REFUSE
                && plan.report().sidecarState() != SidecarCheck.SidecarState.EDITED) {
            return;
        }
        out.println(what + ":");
        TableView.brief(out, new TableView.Shown(disk.id(), disk.sidecar(), TableView.Source.SIDECAR, plan.table(),
                List.of()), "  ");
    }
}
