package org.prsidecar.helper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.prsidecar.posix.Credentials;
import org.prsidecar.posix.Fd;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.PosixException;
import org.prsidecar.posix.SgIo;
import org.prsidecar.posix.SgIoResult;
import org.prsidecar.store.Disk;

/**
 * Which disk a command is about, from the fd QEMU passes with it (docs/identity.md). Every
 * host must derive the same disk identity and sidecar for the same shared disk:
 *
 * <ol>
 *   <li>a {@link Mapping} of the configuration that matches the device or file wins;
 *   <li>a regular file, or a loop device's backing file: the file's path, sidecar beside it
 *       ({@code IMAGE.prsidecar.json});
 *   <li>a SCSI disk, SCSI generic device or multipath map: its WWID ({@code naa.…}, from sysfs,
 *       else from INQUIRY VPD page 83h by SG_IO), sidecar in the sidecar directory;
 *   <li>anything else cannot be identified, and is refused or passed through as configured.
 * </ol>
 */
public final class DiskResolver {

    public static final String SIDECAR_SUFFIX = ".prsidecar.json";

    /** What to do with disks that no mapping names. */
    public enum OtherDisks {
        /** Identify them automatically and emulate; refuse those that cannot be identified. */
        EMULATE,
        /** Send their PR commands to the device by SG_IO, as qemu-pr-helper does. */
        PASSTHROUGH,
        /** Answer their PR commands with INVALID COMMAND OPERATION CODE. */
        REFUSE
    }

    /**
     * A configured disk: {@code match} is a path (a device, a /dev/disk/by-id link, an image
     * file) or a WWID; {@code id} the identity every host uses for it.
     */
    public record Mapping(String id, String match, Optional<Path> sidecar) {
        public Mapping {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(match, "match");
            Objects.requireNonNull(sidecar, "sidecar");
        }
    }

    /** The answer for one fd. */
    public sealed interface Resolution permits Emulate, PassThrough, Refuse {
    }

    /** Emulate from this disk's table; {@code how} says how it was identified, for the log. */
    public record Emulate(Disk disk, String how) implements Resolution {
    }

    public record PassThrough(String device) implements Resolution {
    }

    public record Refuse(String reason) implements Resolution {
    }

    private final Path sidecarDir;
    private final List<Mapping> mappings;
    private final OtherDisks others;
    private final Path sysfs;

    public DiskResolver(Path sidecarDir, List<Mapping> mappings, OtherDisks others, Path sysfs) {
        this.sidecarDir = sidecarDir.toAbsolutePath().normalize();
        this.mappings = List.copyOf(mappings);
        this.others = Objects.requireNonNull(others, "others");
        this.sysfs = sysfs;
    }

    public Path sidecarDirectory() {
        return sidecarDir;
    }

    /** Never throws: what cannot be looked at is refused with the reason. */
    public Resolution resolve(int fd) {
        return resolve(fd, 0);
    }

    /**
     * As {@link #resolve(int)}, for a peer with uid {@code peerUid}. An image file passed
     * directly (not a loop device) is emulated only for root, the daemon's own user (the
     * in-process helpers of demo and bench), or when mapped: QEMU's
     * pr-manager only ever passes block and character devices, and a sidecar is created beside
     * the image, so an unprivileged peer must not be able to make the daemon create files
     * beside any file it can open.
     */
    public Resolution resolve(int fd, int peerUid) {
        Facts f;
        try {
            f = facts(fd);
        } catch (IOException e) {
            return new Refuse("cannot inspect the file descriptor QEMU passed: " + e.getMessage());
        }
        for (Mapping m : mappings) {
            if (matches(m, f)) {
                return emulate(m.id(), () -> m.sidecar().orElse(sidecarDir.resolve(fileName(m.id()))),
                        "configured disk " + m.id() + " (matched " + m.match() + ")");
            }
        }
        if (others == OtherDisks.REFUSE) {
            return new Refuse(f.describe() + " is not a configured disk (other-disks = refuse)");
        }
        if (others == OtherDisks.PASSTHROUGH) {
            return new PassThrough(f.describe());
        }
        if (f.file().isPresent()) {
            Path image = f.file().get();
            if (peerUid != 0 && peerUid != Credentials.euid() && f.stat().isRegularFile()) {
                return new Refuse(f.describe() + " is an image file passed by uid " + peerUid + " (neither root nor"
                        + " this daemon's user); QEMU"
                        + " passes block devices (a loop device over the image, or a LUN); map the file in the"
                        + " configuration to allow it");
            }
            return emulate("file:" + image, () -> image.resolveSibling(image.getFileName() + SIDECAR_SUFFIX),
                    f.describe());
        }
        if (f.wwid().isPresent()) {
            String id = f.wwid().get();
            return emulate(id, () -> sidecarDir.resolve(fileName(id)), f.describe() + ", WWID " + id);
        }
        if (f.stat().isRegularFile()) {
            return new Refuse(f.describe() + " has been deleted or replaced since QEMU opened it, so no path is"
                    + " shared by every host; map it to a disk in the configuration");
        }
        return new Refuse(f.describe() + " has no WWID and is not a file or loop device, so no identity is shared"
                + " by every host; map it to a disk in the configuration");
    }

    /** Emulation of disk {@code id}, or a refusal if the store cannot take it as an identity. */
    private static Resolution emulate(String id, java.util.function.Supplier<Path> sidecar, String how) {
        try {
            return new Emulate(new Disk(id, sidecar.get()), how);
        } catch (IllegalArgumentException e) { // Disk rejects control characters and over-long ids
            return new Refuse(how + " cannot be used as a disk identity (" + e.getMessage()
                    + "); map it to a disk in the configuration");
        }
    }

    /** What an fd is: its path, kind, backing file and WWID where it has them. */
    record Facts(Path path, FileStat stat, Optional<Path> file, Optional<String> wwid) {
        String describe() {
            String kind = stat.isRegularFile() ? "image file " : stat.isBlockDevice() ? "block device "
                    : stat.isCharacterDevice() ? "character device " : stat.kindName() + " ";
            return kind + path + (file.isPresent() && !file.get().equals(path) ? " (backed by " + file.get() + ")" : "");
        }
    }

    Facts facts(int fd) throws IOException {
        FileStat st = FileStat.of(fd);
        Path path = Fd.readLink(fd);
        if (st.isRegularFile()) {
            // unlinked (deleted, or replaced by a rename): its old path names nothing every host shares
            return new Facts(path, st, st.links() == 0 ? Optional.empty() : Optional.of(path), Optional.empty());
        }
        if (!st.isBlockDevice() && !st.isCharacterDevice()) {
            return new Facts(path, st, Optional.empty(), Optional.empty());
        }
        Path dev = sysfs.resolve("dev").resolve(st.isBlockDevice() ? "block" : "char")
                .resolve(FileStat.major(st.rdevice()) + ":" + FileStat.minor(st.rdevice()));
        Optional<String> backing = read(dev.resolve("loop").resolve("backing_file"));
        if (backing.isPresent()) {
            String b = backing.get();
            if (b.endsWith(" (deleted)")) {
                return new Facts(path, st, Optional.empty(), Optional.empty());
            }
            return new Facts(path, st, Optional.of(Path.of(b)), Optional.empty());
        }
        if (read(dev.resolve("partition")).isPresent()) {
            return new Facts(path, st, Optional.empty(), Optional.empty()); // reservations belong to whole LUs
        }
        Optional<String> wwid = read(dev.resolve("device").resolve("wwid")).map(DiskResolver::normalizeWwid)
                .or(() -> read(dev.resolve("dm").resolve("uuid")).flatMap(DiskResolver::multipathWwid))
                .or(() -> vpdWwid(fd));
        return new Facts(path, st, Optional.empty(), wwid);
    }

    private boolean matches(Mapping m, Facts f) {
        if (!m.match().startsWith("/")) {
            return f.wwid().map(w -> w.equalsIgnoreCase(normalizeWwid(m.match()))).orElse(false);
        }
        try {
            FileStat target = FileStat.of(Path.of(m.match()), true);
            if (target.isBlockDevice() || target.isCharacterDevice()) {
                return target.rdevice() == f.stat().rdevice() && target.isBlockDevice() == f.stat().isBlockDevice();
            }
            if (f.file().isEmpty()) {
                return false;
            }
            FileStat file = f.file().get().equals(f.path()) ? f.stat() : FileStat.of(f.file().get(), true);
            return target.sameFileAs(file);
        } catch (PosixException e) {
            return false;
        }
    }

    /** sysfs writes "naa.6001405…"; keep it, lower-case, spaces folded ("t10.ATA  QEMU" ids). */
    static String normalizeWwid(String wwid) {
        return wwid.strip().replaceAll("\\s+", " ").toLowerCase(Locale.ROOT);
    }

    /**
     * dm-multipath's uuid is "mpath-" + the WWID as multipath writes it: a designator type
     * digit then hex. Mapped to sysfs's form, so a host on /dev/sdX and one on
     * /dev/mapper/mpathX find the same sidecar.
     */
    static Optional<String> multipathWwid(String dmUuid) {
        String u = dmUuid.strip();
        if (!u.startsWith("mpath-") || u.length() < 8) {
            return Optional.empty();
        }
        String w = u.substring("mpath-".length());
        String rest = w.substring(1).toLowerCase(Locale.ROOT);
        return switch (w.charAt(0)) {
            case '3' -> Optional.of("naa." + rest);
            case '2' -> Optional.of("eui." + rest);
            case '1' -> Optional.of("t10." + normalizeWwid(w.substring(1)));
            case '8' -> Optional.of(normalizeWwid(w.substring(1)));
            default -> Optional.empty();
        };
    }

    /** INQUIRY VPD 83h by SG_IO, when sysfs has no WWID: the first LU-associated NAA, EUI-64 or name. */
    private static Optional<String> vpdWwid(int fd) {
        if (!SgIo.supported(fd)) {
            return Optional.empty();
        }
        try {
            SgIoResult r = SgIo.execute(fd, new byte[] {0x12, 0x01, (byte) 0x83, 0x10, 0x00, 0x00}, null, 4096,
                    Duration.ofSeconds(10));
            return r.isGood() ? Vpd83.wwid(r.dataIn()) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A sidecar file name for a disk id: safe characters kept, a hash added if any had to go. */
    public static String fileName(String id) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < id.length() && b.length() < 160; i++) {
            char c = id.charAt(i);
            b.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.'
                    || c == '-' || c == '_' ? c : '_');
        }
        String s = b.toString();
        if (!s.equals(id)) {
            try {
                byte[] h = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
                s = s + "-" + HexFormat.of().formatHex(h, 0, 4);
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-256 is missing from this JVM", e);
            }
        }
        return s + ".json";
    }

    private static Optional<String> read(Path p) {
        try {
            String s = Files.readString(p, StandardCharsets.UTF_8).strip();
            return s.isEmpty() ? Optional.empty() : Optional.of(s);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
