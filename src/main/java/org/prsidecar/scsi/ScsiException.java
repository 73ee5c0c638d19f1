package org.prsidecar.scsi;

import java.util.Objects;
import java.util.Optional;

/**
 * A command that must be answered with an error: carries the SCSI status and, for CHECK
 * CONDITION, the sense to return. Decoders throw it for malformed input; the message says
 * what was wrong, for the log.
 */
public class ScsiException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ScsiStatus status;
    private final SenseData sense;

    public ScsiException(ScsiStatus status, SenseData sense, String message) {
        super(message);
        this.status = Objects.requireNonNull(status, "status");
        if (status == ScsiStatus.CHECK_CONDITION && sense == null) {
            throw new IllegalArgumentException("CHECK CONDITION needs sense data");
        }
        this.sense = sense;
    }

    public ScsiException(ScsiStatus status, SenseData sense, String message, Throwable cause) {
        this(status, sense, message);
        initCause(cause);
    }

    /** CHECK CONDITION with this sense. */
    public static ScsiException checkCondition(SenseData sense, String message) {
        return new ScsiException(ScsiStatus.CHECK_CONDITION, sense, message);
    }

    /** ILLEGAL REQUEST, 24/00 INVALID FIELD IN CDB. */
    public static ScsiException invalidFieldInCdb(String message) {
        return checkCondition(SenseData.INVALID_FIELD_IN_CDB, message);
    }

    /** ILLEGAL REQUEST, 26/00 INVALID FIELD IN PARAMETER LIST. */
    public static ScsiException invalidFieldInParameterList(String message) {
        return checkCondition(SenseData.INVALID_FIELD_IN_PARAMETER_LIST, message);
    }

    /** ILLEGAL REQUEST, 1A/00 PARAMETER LIST LENGTH ERROR. */
    public static ScsiException parameterListLengthError(String message) {
        return checkCondition(SenseData.PARAMETER_LIST_LENGTH_ERROR, message);
    }

    public ScsiStatus status() {
        return status;
    }

    /** The sense to return; present exactly for CHECK CONDITION. */
    public Optional<SenseData> sense() {
        return Optional.ofNullable(sense);
    }
}
