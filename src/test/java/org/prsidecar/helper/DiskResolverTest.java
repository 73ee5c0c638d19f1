package org.prsidecar.helper;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.posix.Credentials;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.posix.UnixServerSocket;
import org.prsidecar.store.Disk;

/**
 * Which disk an fd is. Device facts come from a fake sysfs tree keyed by the real device
 * numbers of /dev/null (a character device every machine has), and from a real loop device.
 */
class DiskResolverTest {
    @TempDir
    Path tmp;
    Path sysfs;
    Path sidecars;
    Path devDir;
    PosixFile devNull;
    final List<AutoCloseable> toClose = new ArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        sysfs = Files.createDirectories(tmp.resolve("sys"));
        sidecars = Files.createDirectories(tmp.resolve("sidecars"));
        devNull = PosixFile.open(Path.of("/dev/null"), OpenMode.READ_WRITE, 0);
        FileStat st = devNull.stat();
        devDir = Files.createDirectories(sysfs.resolve("dev/char/" + FileStat.major(st.rdevice()) + ":"
                + FileStat.minor(st.rdevice())));
    }

    @AfterEach
    void tearDown() throws Exception {
        devNull.close();
        for (AutoCloseable c : toClose) {
            c.close();
        }
    }

    private void sys(String relative, String content) throws IOException {
        Path p = devDir.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    private DiskResolver resolver(DiskResolver.OtherDisks others, DiskResolver.Mapping... mappings) {
        return new DiskResolver(sidecars, List.of(mappings), others, sysfs);
    }

    private DiskResolver emulating(DiskResolver.Mapping... mappings) {
        return resolver(DiskResolver.OtherDisks.EMULATE, mappings);
    }

    private static Disk emulated(DiskResolver.Resolution r) {
        return assertInstanceOf(DiskResolver.Emulate.class, r, () -> "expected emulation, got " + r).disk();
    }

    private static String refused(DiskResolver.Resolution r) {
        return assertInstanceOf(DiskResolver.Refuse.class, r, () -> "expected a refusal, got " + r).reason();
    }

    private Path image(String name) throws IOException {
        Path p = tmp.resolve(name);
        Files.write(p, new byte[4096]);
        return p;
    }

    private int open(Path p) throws IOException {
        PosixFile f = PosixFile.open(p, OpenMode.READ_WRITE, 0);
        toClose.add(f);
        return f.fd();
    }

    // ------------------------------------------------------------------ automatic identification

    @Test
    void regularFileIsItsOwnDiskWithTheSidecarBesideIt() throws Exception {
        Path img = image("shared.img");
        Disk d = emulated(emulating().resolve(open(img)));
        assertEquals("file:" + img, d.id());
        assertEquals(tmp.resolve("shared.img.prsidecar.json"), d.sidecar());
    }

    @Test
    void deletedImageFileIsRefusedNotGivenASidecarNamedDeleted() throws Exception {
        Path img = image("gone.img");
        int fd = open(img);
        Files.delete(img);
        String why = refused(emulating().resolve(fd));
        assertTrue(why.contains("gone.img"), why);
        assertTrue(!Files.exists(tmp.resolve("gone.img (deleted).prsidecar.json")));
    }

    @Test
    void imagePathThatCannotBeADiskIdIsRefusedNotThrown() throws Exception {
        Path newline = image("two\nlines.img");
        String why = refused(emulating().resolve(open(newline)));
        assertTrue(why.contains("lines.img"), why);
        Path deep = tmp;
        for (int i = 0; i < 3; i++) {
            deep = Files.createDirectories(deep.resolve("d".repeat(200)));
        }
        Path longImg = deep.resolve("long.img");
        Files.write(longImg, new byte[512]);
        refused(emulating().resolve(open(longImg)));
    }

    @Test
    void loopDeviceIsItsBackingFile() throws Exception {
        sys("loop/backing_file", "/mnt/nfs/cluster/quorum.img\n");
        sys("device/wwid", "naa.600140500000000000000000000000aa\n"); // backing file wins over anything else
        Disk d = emulated(emulating().resolve(devNull.fd()));
        assertEquals("file:/mnt/nfs/cluster/quorum.img", d.id());
        assertEquals(Path.of("/mnt/nfs/cluster/quorum.img.prsidecar.json"), d.sidecar());
    }

    @Test
    void loopDeviceWhoseBackingFileWasDeletedIsRefused() throws Exception {
        sys("loop/backing_file", "/mnt/nfs/cluster/quorum.img (deleted)\n");
        String why = refused(emulating().resolve(devNull.fd()));
        assertTrue(why.contains("no WWID") && why.contains("map it to a disk"), why);
    }

    @Test
    void scsiDiskIsItsWwidWithTheSidecarInTheSidecarDirectory() throws Exception {
        sys("device/wwid", "naa.6001405ABCDEF0123456789ABCDEF01\n");
        Disk d = emulated(emulating().resolve(devNull.fd()));
        assertEquals("naa.6001405abcdef0123456789abcdef01", d.id());
        assertEquals(sidecars.resolve("naa.6001405abcdef0123456789abcdef01.json"), d.sidecar());
    }

    @Test
    void t10WwidSpacesAreFoldedAndTheFileNameIsMadeSafe() throws Exception {
        sys("device/wwid", "t10.ATA     QEMU HARDDISK                           QM00001     \n");
        Disk d = emulated(emulating().resolve(devNull.fd()));
        assertEquals("t10.ata qemu harddisk qm00001", d.id());
        String file = d.sidecar().getFileName().toString();
        assertTrue(file.matches("t10\\.ata_qemu_harddisk_qm00001-[0-9a-f]{8}\\.json"), file);
        assertEquals(sidecars, d.sidecar().getParent());
    }

    @Test
    void multipathMapFindsTheSameSidecarAsItsPaths() throws Exception {
        sys("dm/uuid", "mpath-36001405abcdef0123456789abcdef01\n");
        Disk viaMpath = emulated(emulating().resolve(devNull.fd()));
        Files.delete(devDir.resolve("dm/uuid"));
        sys("device/wwid", "naa.6001405abcdef0123456789abcdef01\n");
        Disk viaSd = emulated(emulating().resolve(devNull.fd()));
        assertEquals(viaSd, viaMpath, "a host on /dev/mapper/mpathX and one on /dev/sdX share the table");
    }

    @Test
    void multipathUuidForms() {
        assertEquals(Optional.of("naa.600a0b80"), DiskResolver.multipathWwid("mpath-3600A0B80"));
        assertEquals(Optional.of("eui.0011223344556677"), DiskResolver.multipathWwid("mpath-20011223344556677"));
        assertEquals(Optional.of("t10.ata qemu"), DiskResolver.multipathWwid("mpath-1ATA   QEMU"));
        assertEquals(Optional.of("iqn.2003-01.org:lun1"), DiskResolver.multipathWwid("mpath-8iqn.2003-01.org:lun1"));
        assertEquals(Optional.empty(), DiskResolver.multipathWwid("LVM-abcdef"), "not multipath: no identity");
        assertEquals(Optional.empty(), DiskResolver.multipathWwid("mpath-"));
        assertEquals(Optional.empty(), DiskResolver.multipathWwid("mpath-5abc"), "unknown designator type");
    }

    @Test
    void nonMultipathDeviceMapperIsRefused() throws Exception {
        sys("dm/uuid", "LVM-Wm3kVt2j\n");
        String why = refused(emulating().resolve(devNull.fd()));
        assertTrue(why.contains("character device /dev/null"), why);
    }

    @Test
    void partitionIsRefusedBecauseReservationsBelongToWholeUnits() throws Exception {
        sys("partition", "1\n");
        sys("device/wwid", "naa.6001405abcdef0123456789abcdef01\n");
        refused(emulating().resolve(devNull.fd()));
    }

    @Test
    void socketIsRefused() throws Exception {
        UnixServerSocket s = UnixServerSocket.bind(tmp.resolve("x.sock"), 0600, 1);
        toClose.add(s::closeAndUnlink);
        String why = refused(emulating().resolve(s.fd()));
        assertTrue(why.contains("socket"), why);
    }

    @Test
    void closedFdIsRefusedNotThrown() {
        String why = refused(emulating().resolve(100_000));
        assertTrue(why.contains("cannot inspect"), why);
    }

    // ------------------------------------------------------------------ configured mappings

    @Test
    void mappingByDevicePathWinsOverTheWwid() throws Exception {
        sys("device/wwid", "naa.6001405abcdef0123456789abcdef01\n");
        Disk d = emulated(emulating(new DiskResolver.Mapping("quorum", "/dev/null", Optional.empty()))
                .resolve(devNull.fd()));
        assertEquals(new Disk("quorum", sidecars.resolve("quorum.json")), d);
    }

    @Test
    void mappingByDiskByIdSymlink() throws Exception {
        Path byId = Files.createDirectories(tmp.resolve("dev/disk/by-id"));
        Files.createSymbolicLink(byId.resolve("scsi-36001405abcdef"), Path.of("/dev/null"));
        Path sidecar = tmp.resolve("elsewhere/q.json");
        Disk d = emulated(emulating(new DiskResolver.Mapping("quorum", byId.resolve("scsi-36001405abcdef").toString(),
                Optional.of(sidecar))).resolve(devNull.fd()));
        assertEquals(new Disk("quorum", sidecar), d);
    }

    @Test
    void mappingByImagePathMatchesTheFileAndALoopDeviceBackedByIt() throws Exception {
        Path img = image("data.img");
        DiskResolver r = emulating(new DiskResolver.Mapping("data", img.toString(), Optional.empty()));
        assertEquals("data", emulated(r.resolve(open(img))).id());
        sys("loop/backing_file", img + "\n");
        assertEquals("data", emulated(r.resolve(devNull.fd())).id(), "loop device over the mapped image");
    }

    @Test
    void mappingByWwidIgnoresCase() throws Exception {
        sys("device/wwid", "naa.6001405abcdef0123456789abcdef01\n");
        Disk d = emulated(emulating(new DiskResolver.Mapping("db", "NAA.6001405ABCDEF0123456789ABCDEF01",
                Optional.empty())).resolve(devNull.fd()));
        assertEquals("db", d.id());
    }

    @Test
    void firstMatchingMappingWinsAndNonMatchingOnesFallThrough() throws Exception {
        Path img = image("a.img");
        Path otherImg = image("b.img");
        DiskResolver r = emulating(
                new DiskResolver.Mapping("other", otherImg.toString(), Optional.empty()),
                new DiskResolver.Mapping("missing", tmp.resolve("nope").toString(), Optional.empty()),
                new DiskResolver.Mapping("wwid", "naa.1234", Optional.empty()),
                new DiskResolver.Mapping("a1", img.toString(), Optional.empty()),
                new DiskResolver.Mapping("a2", img.toString(), Optional.empty()));
        assertEquals("a1", emulated(r.resolve(open(img))).id());
        Path c = image("c.img");
        assertEquals("file:" + c, emulated(r.resolve(open(c))).id(), "no mapping: automatic");
    }

    @Test
    void otherDisksRefuse() throws Exception {
        Path img = image("a.img");
        Path c = image("c.img");
        DiskResolver r = resolver(DiskResolver.OtherDisks.REFUSE,
                new DiskResolver.Mapping("a", img.toString(), Optional.empty()));
        assertEquals("a", emulated(r.resolve(open(img))).id());
        String why = refused(r.resolve(open(c)));
        assertTrue(why.contains("not a configured disk") && why.contains("c.img"), why);
    }

    @Test
    void otherDisksPassthrough() throws Exception {
        sys("device/wwid", "naa.6001405abcdef0123456789abcdef01\n");
        DiskResolver r = resolver(DiskResolver.OtherDisks.PASSTHROUGH);
        DiskResolver.PassThrough p = assertInstanceOf(DiskResolver.PassThrough.class, r.resolve(devNull.fd()));
        assertTrue(p.device().contains("/dev/null"), p.device());
        Path img = image("m.img");
        DiskResolver mapped = resolver(DiskResolver.OtherDisks.PASSTHROUGH,
                new DiskResolver.Mapping("m", img.toString(), Optional.empty()));
        assertEquals("m", emulated(mapped.resolve(open(img))).id(), "a mapping still emulates");
    }

    @Test
    void fileNamesOfDiskIdsAreSafeAndDistinct() {
        assertEquals("naa.60014.json", DiskResolver.fileName("naa.60014"));
        String a = DiskResolver.fileName("../../etc/passwd");
        assertTrue(a.matches("[A-Za-z0-9._-]+\\.json") && !a.contains("/"), a);
        assertTrue(!DiskResolver.fileName("a/b").equals(DiskResolver.fileName("a_b")));
    }

    // ------------------------------------------------------------------ a real loop device

    @Test
    void realLoopDevice() throws Exception {
        if (Credentials.euid() != 0) {
            fail("this test attaches a loop device: run the tests as root");
        }
        Path img = image("loop-backing.img");
        Files.write(img, new byte[1 << 20]);
        String dev = run("losetup", "-f", "--show", img.toString()).strip();
        try {
            Path device = Path.of(dev);
            PosixFile f = PosixFile.open(device, OpenMode.READ_WRITE, 0);
            try {
                DiskResolver real = new DiskResolver(sidecars, List.of(), DiskResolver.OtherDisks.EMULATE,
                        Path.of("/sys"));
                DiskResolver.Emulate e = assertInstanceOf(DiskResolver.Emulate.class, real.resolve(f.fd()));
                assertEquals(new Disk("file:" + img.toRealPath(), Path.of(img.toRealPath() + ".prsidecar.json")),
                        e.disk());
                assertTrue(e.how().contains(dev) && e.how().contains("backed by"), e.how());

                DiskResolver byDevice = new DiskResolver(sidecars, List.of(new DiskResolver.Mapping("lun0", dev,
                        Optional.empty())), DiskResolver.OtherDisks.REFUSE, Path.of("/sys"));
                assertEquals("lun0", emulated(byDevice.resolve(f.fd())).id());
                DiskResolver byImage = new DiskResolver(sidecars, List.of(new DiskResolver.Mapping("lun0",
                        img.toString(), Optional.empty())), DiskResolver.OtherDisks.REFUSE, Path.of("/sys"));
                assertEquals("lun0", emulated(byImage.resolve(f.fd())).id());

                Files.delete(img);
                String why = refused(real.resolve(f.fd()));
                assertTrue(why.contains(dev), why);
            } finally {
                f.close();
            }
        } finally {
            run("losetup", "-d", dev);
        }
    }

    private static String run(String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            fail(String.join(" ", cmd) + " failed: " + out);
        }
        return out;
    }

    @Test
    void socketConnectionFdIsRefusedToo() throws Exception {
        UnixServerSocket s = UnixServerSocket.bind(tmp.resolve("y.sock"), 0600, 1);
        UnixConnection c = UnixConnection.connect(tmp.resolve("y.sock"));
        try {
            refused(emulating().resolve(c.fd()));
        } finally {
            c.close();
            s.closeAndUnlink();
        }
    }
}
