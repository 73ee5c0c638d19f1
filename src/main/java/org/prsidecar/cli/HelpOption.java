package org.prsidecar.cli;

import picocli.CommandLine.Option;

/** {@code -h, --help} for every tool command (a mixin; the version is prsidecar --version). */
final class HelpOption {
    @Option(names = {"-h", "--help"}, usageHelp = true, order = 999, description = "Show this help and exit.")
    boolean help;
}
