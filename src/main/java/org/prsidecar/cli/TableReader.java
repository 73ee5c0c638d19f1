package org.prsidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.SidecarStore;

/** Reads a disk's table for display, under a shared lock and without ever writing. */
final class TableReader {
    private TableReader() {
    }

    /** A table to show, or why there is none (the problems found, one per line). */
    record Read(Optional<TableView.Shown> shown, List<String> problems, SidecarCheck.Report report) {
    }

    static Read read(DiskTargets.Target target, ServeSettings settings) {
        SidecarCheck.Report r = SidecarCheck.inspect(target.sidecar(), target.expectedId(), settings.lockTimeout(),
                SidecarStore.Options.defaults().maxSidecarBytes());
        String disk = target.diskId().or(r::disk).orElse("(unknown disk)");
        List<String> notes = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (SidecarCheck.Finding f : r.findings()) {
            boolean freshNote = !f.severity().isProblem() && f.file().equals(r.sidecar());
            if (!freshNote) {
                notes.add((f.file().equals(r.sidecar()) ? "" : f.file() + ": ") + f.message());
            }
            if (f.severity().isProblem()) {
                problems.add(f.file() + ": " + f.message());
            }
        }
        TableView.Source source = switch (r.served()) {
            case FRESH -> TableView.Source.FRESH;
            case SIDECAR -> TableView.Source.SIDECAR;
            case JOURNAL -> TableView.Source.JOURNAL;
            case PREVIOUS -> TableView.Source.PREVIOUS;
            case NONE -> null;
        };
        if (source == null) {
            return new Read(Optional.empty(), problems, r);
        }
        return new Read(Optional.of(new TableView.Shown(disk, r.sidecar(), source, r.current(), notes)), problems, r);
    }
}
