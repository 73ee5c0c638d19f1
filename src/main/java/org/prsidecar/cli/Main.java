package org.prsidecar.cli;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.prsidecar.posix.PosixUnavailableException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code prsidecar}: the daemon and the operator's tools. With no subcommand but with
 * options, it is {@code serve}, so that it can stand in for qemu-pr-helper where libvirt
 * runs {@code pr_helper -k SOCKET}.
 */
@Command(name = "prsidecar", mixinStandardHelpOptions = true, versionProvider = Main.VersionProvider.class,
        usageHelpAutoWidth = true,
        description = {"SCSI-3 persistent reservations for clustered QEMU guests, emulated from a table"
                + " shared through a sidecar file on the shared storage."},
        subcommands = {
            ServeCommand.class,
            ShowCommand.class,
            PrOutCommands.Register.class,
            PrOutCommands.RegisterIgnore.class,
            PrOutCommands.Reserve.class,
            PrOutCommands.Release.class,
            PrOutCommands.Clear.class,
            PrOutCommands.Preempt.class,
            PrOutCommands.PreemptAbort.class,
            PrOutCommands.RegisterMove.class,
            PrInCommands.ReadKeys.class,
            PrInCommands.ReadReservation.class,
            PrInCommands.ReadFullStatus.class,
            PrInCommands.ReportCapabilities.class,
            CheckCommand.class,
            RepairCommand.class,
            PowerCycleCommand.class,
            DemoCommand.class,
            BenchCommand.class,
            CommandLine.HelpCommand.class,
        },
        footer = {"", "With options but no command, prsidecar runs 'serve' (qemu-pr-helper compatible).",
            "Documentation: docs/README.md"})
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and returns the exit status (tests call this). */
    public static int run(String... args) {
        CommandLine cl = commandLine();
        if (args.length > 0 && args[0].startsWith("-") && !isTopLevelOption(args[0])) {
            String[] serve = new String[args.length + 1];
            serve[0] = "serve";
            System.arraycopy(args, 0, serve, 1, args.length);
            args = serve;
        }
        return cl.execute(args);
    }

    private static boolean isTopLevelOption(String a) {
        return Arrays.asList("-h", "--help", "-V", "--version").contains(a);
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            // serve returns only once stopped: what it throws kept it from starting (a socket in use,
            // a file in its way, no permission, no JNA): the environment, exit 2
            boolean serveCouldNotStart = commandLine.getCommand() instanceof ServeCommand
                    && e instanceof java.io.IOException;
            if (e instanceof ConfigException || e instanceof PosixUnavailableException || serveCouldNotStart) {
                // the environment or the configuration: exit 2, the message says what to change
                commandLine.getErr().println("prsidecar: " + e.getMessage());
                return 2;
            }
            commandLine.getErr().println("prsidecar: " + (e instanceof java.io.IOException ? e.getMessage() : e));
            System.getLogger(Main.class.getName()).log(System.Logger.Level.DEBUG, "failure", e);
            return 1;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        // the PR commands share sg_persist's exit statuses: one list each for PR OUT and PR IN
        for (CommandLine sub : cl.getSubcommands().values()) {
            if (sub.getCommand() instanceof PrCommand pr) {
                Map<String, String> codes = new LinkedHashMap<>();
                for (String c : pr.exitCodes()) {
                    codes.put(c.substring(0, c.indexOf(':')), c.substring(c.indexOf(':') + 1));
                }
                sub.getCommandSpec().usageMessage().exitCodeListHeading("%nExit status (sg_persist's):%n")
                        .exitCodeList(codes);
            }
        }
        return cl;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }

    static final class VersionProvider implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"prsidecar " + Version.get(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
