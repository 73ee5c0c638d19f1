package org.prsidecar.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Optional;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.posix.Errno;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.SidecarStore;

/**
 * Turns a DISK argument into the sidecar the daemon uses for it. An image file or a device
 * is opened read-only and given to {@link DiskResolver} with the daemon's configuration,
 * exactly as {@code serve} resolves the fd QEMU passes. A sidecar (a {@code .json} file, or
 * any file holding a prsidecar table) or its journal names its disk by its location (beside
 * an image, or a configured disk's sidecar) or, failing that, by its {@code "disk"} field.
 */
final class DiskTargets {

    /**
     * A resolved DISK argument.
     *
     * @param diskId the identity the daemon uses (when it can be told)
     * @param expectedId the identity implied by the argument itself (the device or image, or
     *     the sidecar's location), independent of what the sidecar's content says
     * @param how how it was resolved, for messages
     */
    record Target(String argument, Path sidecar, Optional<String> diskId, Optional<String> expectedId, String how) {

        /** The disk, for commands that read or change its table. */
        Disk disk() throws ToolException {
            if (diskId.isEmpty()) {
                throw new ToolException(argument + ": cannot tell which disk the sidecar " + sidecar + " belongs to"
                        + " (its \"disk\" field cannot be read, and its location names no disk): name the disk's"
                        + " image or device instead, or map it with --disk ID=MATCH,sidecar=" + sidecar);
            }
            return new Disk(diskId.get(), sidecar);
        }
    }

    private static final int SNIFF = 256;

    private final ServeSettings settings;
    private final DiskResolver resolver;

    DiskTargets(ServeSettings settings) {
        this.settings = settings;
        this.resolver = new DiskResolver(settings.sidecarDir(), settings.disks(), settings.otherDisks(), Path.of("/sys"));
    }

    Target resolve(String argument) throws ToolException {
        Path p;
        try {
            p = Path.of(argument).toAbsolutePath().normalize();
        } catch (InvalidPathException e) {
            throw new ToolException(argument + ": not a path (" + e.getMessage() + ")");
        }
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        FileStat st = lstat(p, argument);
        if (name.endsWith(SidecarCheck.JOURNAL_SUFFIX) && (st == null || st.isRegularFile())) {
            Path sidecar = p.resolveSibling(name.substring(0, name.length() - SidecarCheck.JOURNAL_SUFFIX.length()));
            return sidecarTarget(argument, sidecar);
        }
        if (st == null) {
            if (name.endsWith(".json")) {
                return sidecarTarget(argument, p); // a sidecar not written yet, or deleted: check says which
            }
            throw new ToolException(argument + ": no such file or device");
        }
        if (st.isDirectory()) {
            throw new ToolException(argument + ": is a directory; name a disk image, a device or a sidecar");
        }
        if (st.isSymlink() && name.endsWith(".json") || st.isRegularFile() && looksLikeSidecar(p, name)) {
            return sidecarTarget(argument, p);
        }
        return deviceTarget(argument, p);
    }

    /** An image or a device: exactly what the daemon computes for the fd QEMU would pass. */
    private Target deviceTarget(String argument, Path p) throws ToolException {
        Path real;
        try {
            real = p.toRealPath();
        } catch (IOException e) {
            throw new ToolException(argument + ": cannot follow it: " + e.getMessage());
        }
        FileStat target = lstat(real, argument);
        if (target == null || !(target.isRegularFile() || target.isBlockDevice() || target.isCharacterDevice())) {
            throw new ToolException(argument + ": is " + (target == null ? "gone" : "a " + target.kindName())
                    + "; name a disk image, a device or a sidecar");
        }
        DiskResolver.Resolution r;
        try (PosixFile f = PosixFile.open(real, OpenMode.READ_ONLY, 0)) {
            r = resolver.resolve(f.fd());
        } catch (PosixException e) {
            throw new ToolException(argument + ": cannot open it read-only: " + e.getMessage()
                    + (e.errno() == Errno.EACCES || e.errno() == Errno.EPERM
                            ? "; run as root, or name its sidecar instead" : ""));
        }
        if (r instanceof DiskResolver.Emulate e) {
            return new Target(argument, e.disk().sidecar(), Optional.of(e.disk().id()), Optional.of(e.disk().id()),
                    e.how());
        }
        if (r instanceof DiskResolver.PassThrough t) {
            throw new ToolException(argument + ": not emulated: with other-disks = passthrough the daemon sends the"
                    + " PR commands of " + t.device() + " to the device itself; use sg_persist on it, or map it with"
                    + " --disk ID=" + argument);
        }
        throw new ToolException(argument + ": the daemon would refuse it: " + ((DiskResolver.Refuse) r).reason());
    }

    private Target sidecarTarget(String argument, Path sidecar) throws ToolException {
        Optional<String> expected = locationId(sidecar);
        Optional<String> named = SidecarCheck.namedDisk(sidecar, SidecarStore.Options.defaults().maxSidecarBytes());
        Optional<String> id = expected.or(() -> named);
        String how = "sidecar " + sidecar + (expected.isPresent() ? ", of disk " + expected.get() + " by its location"
                : named.isPresent() ? ", which names disk " + named.get() : ", of a disk it does not name");
        return new Target(argument, sidecar, id, expected, how);
    }

    /** The disk a sidecar belongs to by where it is: a configured disk's, or an image's neighbour. */
    private Optional<String> locationId(Path sidecar) {
        for (DiskResolver.Mapping m : settings.disks()) {
            Path configured = m.sidecar().map(s -> s.toAbsolutePath().normalize())
                    .orElse(settings.sidecarDir().resolve(DiskResolver.fileName(m.id())));
            if (configured.equals(sidecar)) {
                return Optional.of(m.id());
            }
        }
        String name = sidecar.getFileName().toString();
        if (name.endsWith(DiskResolver.SIDECAR_SUFFIX) && name.length() > DiskResolver.SIDECAR_SUFFIX.length()) {
            Path image = sidecar.resolveSibling(name.substring(0, name.length() - DiskResolver.SIDECAR_SUFFIX.length()));
            try {
                if (lstat(image, image.toString()) != null) {
                    Target t = deviceTarget(image.toString(), image);
                    return t.sidecar().equals(sidecar) ? t.diskId() : Optional.empty();
                }
                Path dir = sidecar.getParent().toRealPath();
                return Optional.of("file:" + dir.resolve(image.getFileName()));
            } catch (ToolException | IOException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** A regular file that is a sidecar rather than a disk image: by its name, else by its first bytes. */
    private static boolean looksLikeSidecar(Path p, String name) {
        if (name.endsWith(".json")) {
            return true;
        }
        try (PosixFile f = PosixFile.open(p, OpenMode.READ_ONLY, 0)) {
            byte[] head = new byte[SNIFF];
            int n = f.read(head, 0, head.length, 0);
            String s = new String(head, 0, n, StandardCharsets.UTF_8).stripLeading();
            return s.startsWith("{") && s.contains("\"prsidecar-table\"");
        } catch (PosixException e) {
            return false;
        }
    }

    private static FileStat lstat(Path p, String argument) throws ToolException {
        try {
            return FileStat.of(p, false);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return null;
            }
            throw new ToolException(argument + ": cannot look at it: " + e.getMessage());
        }
    }
}
