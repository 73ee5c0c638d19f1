package org.prsidecar.cli;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code prsidecar show DISK...}: a disk's reservation table, as every initiator's PR IN would see it. */
@Command(name = "show", header = "Show disks' reservation tables (like sg_persist -k -r -s).", sortOptions = false, usageHelpAutoWidth = true,
        description = {"Show the reservation table of each DISK: generation, APTPL, registrations (initiator,"
                + " TransportID, key, ALL_TG_PT, holder), the reservation, pending unit attentions, last writer,"
                + " revision and sidecar.",
            "Modelled on sg_persist -k -r -s. Reads under a shared lock and never writes; a disk without a sidecar"
                + " shows its fresh, empty table.",
            "DISK is an image file, a device or a sidecar; it is resolved with the daemon's configuration."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every table was shown",
            "1:a DISK could not be resolved, or its sidecar is unusable (the message says what to do)",
            "2:bad option or configuration"})
final class ShowCommand extends DiskTool {

    @Option(names = "--json", order = 1, description = "One JSON object per DISK, one per line (docs/cli.md"
            + " documents the shape).")
    boolean json;

    @Option(names = {"-b", "--brief"}, order = 2, description = "One line per registration.")
    boolean brief;

    @Parameters(arity = "1..*", paramLabel = "DISK", description = "Image file, device, or sidecar.")
    List<String> disks;

    @Override
    Integer run(ServeSettings settings, PrintWriter out, PrintWriter err) throws Exception {
        DiskTargets targets = new DiskTargets(settings);
        int status = 0;
        boolean first = true;
        for (String arg : disks) {
            DiskTargets.Target t;
            try {
                t = targets.resolve(arg);
            } catch (ToolException e) {
                err.println("prsidecar show: " + e.getMessage());
                if (json) {
                    out.println(TableView.toJson(error(arg, null, e.getMessage())));
                }
                status = 1;
                continue;
            }
            TableReader.Read r = TableReader.read(t, settings);
            if (r.shown().isEmpty()) {
                err.println("prsidecar show: " + arg + ": the daemon cannot serve this disk until its sidecar is"
                        + " fixed:");
                r.problems().forEach(p -> err.println("  " + p));
                if (json) {
                    out.println(TableView.toJson(error(arg, t, String.join("; ", r.problems()))));
                }
                status = 1;
                continue;
            }
            if (json) {
                ObjectNode n = JsonNodeFactory.instance.objectNode();
                n.put("argument", arg);
                n.setAll(TableView.json(r.shown().get()));
                out.println(TableView.toJson(n));
            } else {
                if (!first) {
                    out.println();
                }
                if (brief) {
                    out.println("disk " + r.shown().get().disk() + " (" + r.shown().get().sidecar() + ")");
                    TableView.brief(out, r.shown().get(), "  ");
                } else {
                    TableView.full(out, r.shown().get());
                }
            }
            first = false;
        }
        out.flush();
        err.flush();
        return status;
    }

    /** The JSON line of a DISK that could not be shown: argument, disk and sidecar when known, error. */
    private static ObjectNode error(String arg, DiskTargets.Target t, String message) {
        ObjectNode n = JsonNodeFactory.instance.objectNode();
        n.put("argument", arg);
        if (t != null) {
            if (t.diskId().isPresent()) {
                n.put("disk", t.diskId().get());
            } else {
                n.putNull("disk");
            }
            n.put("sidecar", t.sidecar().toString());
        }
        n.put("error", message);
        return n;
    }
}
