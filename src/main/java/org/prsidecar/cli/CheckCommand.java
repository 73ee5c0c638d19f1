package org.prsidecar.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.SidecarDocument;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StorageCheck;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code prsidecar check DISK|SIDECAR...}: validates sidecars and their journals without writing. */
@Command(name = "check", header = "Validate sidecars and journals; report storage that makes locks host-local.", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Validate each sidecar and its journal without writing: syntax, schema, format version,"
                + " checksum, disk identity, and the journal's state (an interrupted update the daemon would finish,"
                + " a torn journal, a journal without its sidecar...).",
            "Also reports what the storage does to the sidecar's locks: a host-local file system, FUSE (unknown"
                + " lock semantics), NFS mounted with nolock or local_lock=posix|all, GFS2 with localflocks.",
            "Prints one line per finding: FILE: error|warning|note: what is wrong and what to do; and FILE: ok: ..."
                + " for a sidecar without problems. Notes do not count as problems."},
        exitCodeOnInvalidInput = 2,
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:no problems (notes only)", "1:problems found (errors or warnings)",
            "2:bad option or configuration"})
final class CheckCommand extends DiskTool {

    @Option(names = {"-q", "--quiet"}, order = 1, description = "Print problems only (no ok lines, no notes).")
    boolean quiet;

    @Option(names = "--no-storage", order = 2, description = "Do not check the storage under the sidecars.")
    boolean noStorage;

    @Parameters(arity = "1..*", paramLabel = "DISK|SIDECAR",
            description = "An image file, a device, a sidecar, or a sidecar's journal.")
    List<String> targets;

    @Override
    Integer run(ServeSettings settings, PrintWriter out, PrintWriter err) throws Exception {
        DiskTargets resolver = new DiskTargets(settings);
        boolean problems = false;
        Set<Path> storageChecked = new HashSet<>();
        for (String arg : targets) {
            DiskTargets.Target t;
            try {
                t = resolver.resolve(arg);
            } catch (ToolException e) {
                out.println(arg + ": error: " + e.getMessage().substring(e.getMessage().startsWith(arg + ": ")
                        ? arg.length() + 2 : 0));
                problems = true;
                continue;
            }
            SidecarCheck.Report r = SidecarCheck.inspect(t.sidecar(), t.expectedId(), settings.lockTimeout(),
                    SidecarStore.Options.defaults().maxSidecarBytes());
            for (SidecarCheck.Finding f : r.findings()) {
                print(out, f);
            }
            if (r.hasProblems()) {
                problems = true;
            } else if (!quiet) {
                out.println(r.sidecar() + ": ok: " + summary(r, t));
            }
            Path dir = t.sidecar().getParent();
            if (!noStorage && storageChecked.add(dir)) {
                StorageCheck.Result s = StorageCheck.check(dir);
                for (SidecarCheck.Finding f : s.findings()) {
                    print(out, f);
                    problems |= f.severity().isProblem();
                }
                if (s.ok().isPresent() && !quiet) {
                    out.println(dir + ": ok: " + s.ok().get());
                }
            }
        }
        out.flush();
        return problems ? 1 : 0;
    }

    private void print(PrintWriter out, SidecarCheck.Finding f) {
        if (quiet && !f.severity().isProblem()) {
            return;
        }
        out.println(f.file() + ": " + f.severity().name().toLowerCase(Locale.ROOT) + ": " + f.message());
    }

    private static String summary(SidecarCheck.Report r, DiskTargets.Target t) {
        String disk = "disk " + t.diskId().or(r::disk).orElse("(unknown)");
        if (r.current().isEmpty()) {
            return disk + ", fresh table (generation 0x0, nothing registered)";
        }
        SidecarDocument d = r.current().get();
        ReservationTable table = d.table();
        return disk + ", revision " + d.revision() + ", generation 0x" + Integer.toHexString(table.generation())
                + ", " + table.registrationCount() + " registration" + (table.registrationCount() == 1 ? "" : "s")
                + ", " + table.reservation().map(res -> "reservation " + res.type().title()).orElse("no reservation")
                + (table.unitAttentions().isEmpty() ? "" : ", unit attentions pending for "
                        + table.unitAttentions().size() + " initiator(s)");
    }
}
