package org.prsidecar.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * An operator's command on disks (show, check, repair, power-cycle): the daemon's
 * configuration and disk options, the store's log at -v, and the settings resolved once,
 * with a configuration error answered as status 2.
 */
abstract class DiskTool implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    DiskOptions diskOptions;

    @Mixin
    HelpOption help;

    /** Runs the command with the resolved settings; returns the exit status. */
    abstract Integer run(ServeSettings settings, PrintWriter out, PrintWriter err) throws Exception;

    /** Checks option combinations before anything is read (throw picocli's ParameterException). */
    void checkOptions() {
    }

    @Override
    public final Integer call() throws Exception {
        try (ToolLogging logging = ToolLogging.configure(diskOptions.verbosity())) {
            checkOptions();
            PrintWriter err = spec.commandLine().getErr();
            ServeSettings settings;
            try {
                settings = diskOptions.settings();
            } catch (ConfigException e) {
                err.println("prsidecar " + spec.name() + ": " + e.getMessage());
                return 2;
            }
            return run(settings, spec.commandLine().getOut(), err);
        }
    }
}
