package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.time.Duration;
import java.util.Objects;

/**
 * SCSI pass-through with the SG_IO ioctl, as qemu-pr-helper uses it: works on /dev/sg*,
 * on SCSI disks (/dev/sd*) and on dm-multipath devices over them; the caller needs
 * CAP_SYS_RAWIO for most commands. {@code sg_io_hdr_t} is 88 bytes on both x86_64 and
 * aarch64 (include/scsi/sg.h); every buffer it points at is native memory.
 */
public final class SgIo {
    static final long SG_IO = 0x2285;
    static final long SG_GET_VERSION_NUM = 0x2282;
    static final int SG_DXFER_NONE = -1;
    static final int SG_DXFER_TO_DEV = -2;
    static final int SG_DXFER_FROM_DEV = -3;
    static final int HDR_SIZE = 88;
    /** Largest sense buffer (mx_sb_len is an unsigned char). */
    public static final int MAX_SENSE = 252;
    /** Largest CDB the block layer's SG_IO accepts. */
    public static final int MAX_CDB = 16;

    private SgIo() {
    }

    /** Whether {@code fd} speaks SG_IO: SG_GET_VERSION_NUM answers 30000 or more. */
    public static boolean supported(int fd) {
        PosixPlatform.arch();
        try (Memory version = new Memory(4)) {
            version.setInt(0, 0);
            return LibC.ioctl(fd, SG_GET_VERSION_NUM, version) == 0 && version.getInt(0) >= 30000;
        }
    }

    /**
     * Runs one command.
     *
     * @param dataOut bytes to send to the device, or null
     * @param dataInLength bytes to read from the device (0 for none); not with dataOut
     * @param timeout for the command; {@link Duration#ZERO} means the driver's default
     * @throws PosixException if the ioctl itself failed (ENOTTY or EINVAL: not a SCSI
     *     device; EPERM: no CAP_SYS_RAWIO); a command the device rejects is a result with a
     *     CHECK CONDITION status and sense, not an exception
     */
    public static SgIoResult execute(int fd, byte[] cdb, byte[] dataOut, int dataInLength, Duration timeout)
            throws PosixException {
        Objects.requireNonNull(cdb, "cdb");
        Objects.requireNonNull(timeout, "timeout");
        if (cdb.length < 1 || cdb.length > MAX_CDB) {
            throw new IllegalArgumentException("CDB of " + cdb.length + " bytes; 1 to " + MAX_CDB);
        }
        if (dataInLength < 0 || (dataOut != null && dataInLength > 0)) {
            throw new IllegalArgumentException("SG_IO moves data one way: dataOut "
                    + (dataOut == null ? "null" : dataOut.length + " bytes") + ", dataInLength " + dataInLength);
        }
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        PosixPlatform.arch();
        int direction;
        int length;
        if (dataOut != null && dataOut.length > 0) {
            direction = SG_DXFER_TO_DEV;
            length = dataOut.length;
        } else if (dataInLength > 0) {
            direction = SG_DXFER_FROM_DEV;
            length = dataInLength;
        } else {
            direction = SG_DXFER_NONE;
            length = 0;
        }
        long millis = Math.min(timeout.toMillis(), 0xFFFF_FFFEL);
        try (Memory hdr = new Memory(HDR_SIZE);
                Memory cmd = new Memory(cdb.length);
                Memory sense = new Memory(MAX_SENSE);
                Memory data = new Memory(Math.max(length, 1))) {
            hdr.clear();
            sense.clear();
            data.clear();
            cmd.write(0, cdb, 0, cdb.length);
            if (direction == SG_DXFER_TO_DEV) {
                data.write(0, dataOut, 0, length);
            }
            hdr.setInt(0, 'S');                    // interface_id
            hdr.setInt(4, direction);              // dxfer_direction
            hdr.setByte(8, (byte) cdb.length);     // cmd_len
            hdr.setByte(9, (byte) MAX_SENSE);      // mx_sb_len
            hdr.setShort(10, (short) 0);           // iovec_count
            hdr.setInt(12, length);                // dxfer_len
            hdr.setPointer(16, length > 0 ? data : null); // dxferp
            hdr.setPointer(24, cmd);               // cmdp
            hdr.setPointer(32, sense);             // sbp
            hdr.setInt(40, (int) millis);          // timeout (ms, unsigned)
            int r;
            int errno;
            do {
                r = LibC.ioctl(fd, SG_IO, hdr);
                errno = r < 0 ? LibC.errno() : 0;
            } while (r < 0 && errno == Errno.EINTR);
            if (r < 0) {
                throw new PosixException(errno, "ioctl(SG_IO)", null, "fd " + fd);
            }
            int status = hdr.getByte(64) & 0xff;
            int senseLength = Math.min(hdr.getByte(67) & 0xff, MAX_SENSE);
            int hostStatus = hdr.getShort(68) & 0xffff;
            int driverStatus = hdr.getShort(70) & 0xffff;
            int residual = hdr.getInt(72);
            byte[] in = new byte[0];
            if (direction == SG_DXFER_FROM_DEV) {
                int transferred = Math.max(0, Math.min(length, length - residual));
                in = data.getByteArray(0, transferred);
            }
            return new SgIoResult(status, hostStatus, driverStatus, sense.getByteArray(0, senseLength), in, residual);
        }
    }
}
