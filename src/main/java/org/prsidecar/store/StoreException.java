package org.prsidecar.store;

import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.ScsiStatus;
import org.prsidecar.scsi.SenseData;

/**
 * A table could not be read or updated. The old table is unchanged. Carries what the
 * command must answer: BUSY for a lock not had in time (the guest retries), NOT READY /
 * MANUAL INTERVENTION REQUIRED for a sidecar an operator must fix, ABORTED COMMAND / I/O
 * PROCESS TERMINATED for storage errors that may pass.
 */
public final class StoreException extends ScsiException {
    private static final long serialVersionUID = 1L;

    /** What went wrong, as an operator needs to know it. */
    public enum Kind {
        /** The lock was not had before the deadline: another host holds it, or the storage hangs. */
        LOCK_TIMEOUT(ScsiStatus.BUSY, null),
        /** The storage did not finish in time (a hung NFS server, a grace period): BUSY, the guest retries. */
        STALLED(ScsiStatus.BUSY, null),
        /** The sidecar is unreadable, torn beyond recovery, foreign, or not a regular file. */
        INVALID_SIDECAR(ScsiStatus.CHECK_CONDITION, SenseData.MANUAL_INTERVENTION_REQUIRED),
        /** Permission denied, read-only storage, or the sidecar's directory is missing. */
        INACCESSIBLE(ScsiStatus.CHECK_CONDITION, SenseData.MANUAL_INTERVENTION_REQUIRED),
        /** Out of space or quota. */
        NO_SPACE(ScsiStatus.CHECK_CONDITION, SenseData.IO_PROCESS_TERMINATED),
        /** Any other I/O error (EIO, ESTALE, lost NFS lock...). */
        IO_ERROR(ScsiStatus.CHECK_CONDITION, SenseData.IO_PROCESS_TERMINATED);

        private final ScsiStatus status;
        private final SenseData sense;

        Kind(ScsiStatus status, SenseData sense) {
            this.status = status;
            this.sense = sense;
        }
    }

    private final Kind kind;
    private final Disk disk;

    public StoreException(Kind kind, Disk disk, String message, Throwable cause) {
        super(kind.status, kind.sense, message, cause);
        this.kind = kind;
        this.disk = disk;
    }

    public StoreException(Kind kind, Disk disk, String message) {
        this(kind, disk, message, null);
    }

    public Kind kind() {
        return kind;
    }

    public Disk disk() {
        return disk;
    }
}
