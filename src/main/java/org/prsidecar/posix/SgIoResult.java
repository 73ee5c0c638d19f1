package org.prsidecar.posix;

/**
 * What an SG_IO call returned: the SCSI status byte, the host (HBA) and driver statuses,
 * the sense data the device wrote (empty if none), the bytes read from the device (the
 * transfer length less the residual), and the residual count.
 */
public record SgIoResult(int status, int hostStatus, int driverStatus, byte[] sense, byte[] dataIn, int residual) {

    /** GOOD status and no transport or driver error. */
    public boolean isGood() {
        return status == 0 && hostStatus == 0 && (driverStatus & ~0x08) == 0;
    }
}
