package org.prsidecar.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A sparse image file attached to a loop device: the guests' shared disk. QEMU opens the device
 * ({@link #device()}) as a {@code host_device} and passes that fd to the helper with every PR command;
 * the helper can find the image back through {@code /sys/dev/block/7:N/loop/backing_file}. Closing
 * detaches the loop device (the image stays, in the run's work directory).
 */
public final class LoopDisk implements AutoCloseable {

    private static final Duration LOSETUP_TIMEOUT = Duration.ofSeconds(30);

    private final Path image;
    private final Path device;
    private volatile boolean closed;

    private LoopDisk(Path image, Path device) {
        this.image = image;
        this.device = device;
    }

    /** Creates {@code image} sparse with {@code bytes} if it does not exist, and attaches a free loop device. */
    static LoopDisk attach(Path image, long bytes) {
        Path abs = image.toAbsolutePath().normalize();
        try {
            Files.createDirectories(abs.getParent());
            if (!Files.exists(abs)) {
                try (RandomAccessFile f = new RandomAccessFile(abs.toFile(), "rw")) {
                    f.setLength(bytes);                 // sparse: no block is written
                }
            }
        } catch (IOException e) {
            throw new AssertionError("cannot create the disk image " + abs + ": " + e, e);
        }
        Exec.Result r = Exec.run(LOSETUP_TIMEOUT, "losetup", "--find", "--show", abs.toString());
        String dev = r.output().strip();
        if (!r.ok() || !dev.startsWith("/dev/loop")) {
            throw new AssertionError("cannot attach a loop device to " + abs + " (needs root and the loop driver:"
                    + " /dev/loop-control; `modprobe loop` on a host that has it as a module)\n" + r.describe());
        }
        return new LoopDisk(abs, Path.of(dev));
    }

    /** The image file behind the loop device. */
    public Path image() {
        return image;
    }

    /** The loop device, e.g. {@code /dev/loop3}. */
    public Path device() {
        return device;
    }

    /** Detaches the loop device; idempotent. Fails if losetup refuses (the device would leak). */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        Exec.Result r = Exec.run(LOSETUP_TIMEOUT, "losetup", "--detach", device.toString());
        if (!r.ok()) {
            throw new AssertionError("cannot detach " + device + " (backing " + image + ")\n" + r.describe());
        }
    }

    @Override
    public String toString() {
        return device + " (" + image + ")";
    }
}
