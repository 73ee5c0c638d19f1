package org.prsidecar.cli;

import java.util.List;

import java.util.Optional;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * Exit statuses of the PR commands, as sg_persist (sg3_utils' SG_LIB_CAT_*) uses them, so
 * that scripts written for sg_persist read prsidecar's answers the same way; and how an
 * answer is printed.
 */
final class ScsiExit {
    static final int GOOD = 0;
    static final int SYNTAX_ERROR = 1;
    static final int NOT_READY = 2;
    static final int MEDIUM_HARD = 3;
    static final int ILLEGAL_REQUEST = 5;
    static final int UNIT_ATTENTION = 6;
    static final int DATA_PROTECT = 7;
    static final int INVALID_OPCODE = 9;
    static final int ABORTED_COMMAND = 11;
    static final int FILE_ERROR = 15;
    static final int NO_SENSE = 20;
    static final int RECOVERED = 21;
    static final int RESERVATION_CONFLICT = 24;
    static final int BUSY = 26;
    static final int TASK_SET_FULL = 27;
    static final int OTHER = 99;

    // for @Command(exitCodeList = ...): annotation values must be constants
    static final String L_GOOD = "0:GOOD";
    static final String L_SYNTAX = "1:syntax error: a bad or missing option (nothing was sent)";
    static final String L_NOT_READY = "2:NOT READY: the sidecar is unusable or cannot be written (the message says"
            + " why; see prsidecar check)";
    static final String L_MEDIUM = "3:MEDIUM ERROR or HARDWARE ERROR";
    static final String L_ILLEGAL = "5:ILLEGAL REQUEST: an invalid field, parameter list or release";
    static final String L_UA = "6:UNIT ATTENTION: a unit attention pending for this initiator was reported (and"
            + " consumed) instead; run the command again";
    static final String L_OPCODE = "9:ILLEGAL REQUEST, INVALID COMMAND OPERATION CODE";
    static final String L_ABORTED = "11:ABORTED COMMAND: an I/O error on the storage; the table was not changed";
    static final String L_FILE = "15:the DISK cannot be opened or resolved to a sidecar";
    static final String L_CONFLICT = "24:RESERVATION CONFLICT";
    static final String L_BUSY = "26:BUSY: the sidecar's lock was not had within --lock-timeout; try again";
    static final String L_OTHER = "99:any other failure";

    /** What a PR OUT command can exit with, for its --help. */
    static final List<String> PR_OUT_EXIT_CODES = List.of(L_GOOD, L_SYNTAX, L_NOT_READY, L_MEDIUM, L_ILLEGAL, L_UA,
            L_ABORTED, L_FILE, L_CONFLICT, L_BUSY, L_OTHER);
    /** What a PR IN command can exit with, for its --help. */
    static final List<String> PR_IN_EXIT_CODES = List.of(L_GOOD, L_SYNTAX, L_NOT_READY, L_UA, L_ABORTED, L_FILE,
            L_BUSY, L_OTHER);

    private ScsiExit() {
    }

    static int of(ScsiStatus status, Optional<SenseData> sense) {
        return switch (status) {
            case GOOD -> GOOD;
            case RESERVATION_CONFLICT -> RESERVATION_CONFLICT;
            case BUSY -> BUSY;
            case TASK_SET_FULL -> TASK_SET_FULL;
            case CHECK_CONDITION -> sense.map(ScsiExit::ofSense).orElse(OTHER);
        };
    }

    private static int ofSense(SenseData s) {
        return switch (s.key()) {
            case NO_SENSE -> NO_SENSE;
            case RECOVERED_ERROR -> RECOVERED;
            case NOT_READY -> NOT_READY;
            case MEDIUM_ERROR, HARDWARE_ERROR -> MEDIUM_HARD;
            case ILLEGAL_REQUEST -> s.asc() == 0x20 && s.ascq() == 0 ? INVALID_OPCODE : ILLEGAL_REQUEST;
            case UNIT_ATTENTION -> UNIT_ATTENTION;
            case DATA_PROTECT -> DATA_PROTECT;
            case ABORTED_COMMAND -> ABORTED_COMMAND;
        };
    }

    /** {@code GOOD}, {@code RESERVATION CONFLICT}, or {@code Illegal Request, 26/04 INVALID RELEASE ...}. */
    static String describe(ScsiStatus status, Optional<SenseData> sense) {
        if (status == ScsiStatus.CHECK_CONDITION && sense.isPresent()) {
            SenseData s = sense.get();
            return "CHECK CONDITION, " + senseKey(s) + String.format(", %02X/%02X ", s.asc(), s.ascq())
                    + s.description();
        }
        return status.name().replace('_', ' ');
    }

    /** The sense key as sg3_utils names it. */
    static String senseKey(SenseData s) {
        return switch (s.key()) {
            case NO_SENSE -> "No Sense";
            case RECOVERED_ERROR -> "Recovered Error";
            case NOT_READY -> "Not Ready";
            case MEDIUM_ERROR -> "Medium Error";
            case HARDWARE_ERROR -> "Hardware Error";
            case ILLEGAL_REQUEST -> "Illegal Request";
            case UNIT_ATTENTION -> "Unit Attention";
            case DATA_PROTECT -> "Data Protect";
            case ABORTED_COMMAND -> "Aborted Command";
        };
    }
}
