package org.prsidecar.e2e;

import java.util.List;

/**
 * What a guest runs after boot, delivered by fw_cfg. Two modes (see src/test/e2e/README.md):
 * <ul>
 * <li>{@link #lines(String...)}: every line is one framed command run by {@code sh -c}; lines share no
 *     shell variables. The guest library's functions ({@code has_keys}, {@code wait_for}...) work here.
 * <li>{@link #shell(String)}: one busybox {@code sh} script; {@code run CMD ARGS...} frames a command, and
 *     loops, variables and {@code exit N} work. Its exit status is reported as SCRIPT-RC.
 * </ul>
 * The guest's disk is {@code /dev/sda} (and {@code /dev/sg0}).
 *
 * @param text the exact file the guest gets
 */
public record GuestScript(String text) {

    /** Line mode: one framed command per line. */
    public static GuestScript lines(String... commands) {
        return lines(List.of(commands));
    }

    public static GuestScript lines(List<String> commands) {
        for (String c : commands) {
            if (c.contains("\n")) {
                throw new IllegalArgumentException("a line-mode command cannot span lines: " + c);
            }
        }
        if (!commands.isEmpty() && commands.get(0).startsWith("#!")) {
            throw new IllegalArgumentException("a first line starting with #! selects whole-script mode; use shell()");
        }
        return new GuestScript(String.join("\n", commands) + "\n");
    }

    /** Whole-script mode: {@code body} is sourced by busybox sh; frame commands with {@code run}. */
    public static GuestScript shell(String body) {
        return new GuestScript("#!/bin/sh\n" + body + (body.endsWith("\n") ? "" : "\n"));
    }

    /** True for whole-script mode (the guest decides by the {@code #!} on the first line). */
    public boolean wholeScript() {
        return text.startsWith("#!");
    }
}
