package org.prsidecar.cli;

import java.util.Arrays;
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
        subcommands = {ServeCommand.class, CommandLine.HelpCommand.class},
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
            if (e instanceof ConfigException) {
                commandLine.getErr().println("prsidecar: " + e.getMessage());
                return 2;
            }
            commandLine.getErr().println("prsidecar: " + e);
            System.getLogger(Main.class.getName()).log(System.Logger.Level.DEBUG, "failure", e);
            return 1;
        });
        cl.setCaseInsensitiveEnumValuesAllowed(true);
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
