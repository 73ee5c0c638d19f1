package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.helper.DiskResolver;
import org.prsidecar.posix.OpenMode;
import org.prsidecar.posix.PosixFile;
import org.prsidecar.store.Disk;

/** DISK arguments resolve to the sidecar the daemon uses, however they are named. */
class DiskTargetsTest {

    @TempDir
    Path dir;
    Path image;
    Path sidecars;

    @BeforeEach
    void files() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        sidecars = Files.createDirectory(dir.resolve("sidecars"));
    }

    DiskTargets targets(String... disks) throws Exception {
        DiskOptions o = new DiskOptions();
        o.config = dir.resolve("empty.conf");
        if (!Files.exists(o.config)) {
            Files.createFile(o.config);
        }
        o.sidecarDir = sidecars;
        o.disks = List.of(disks);
        return new DiskTargets(o.settings());
    }

    @Test
    void anImageIsFileColonItsRealPathWithTheSidecarBesideIt() throws Exception {
        Files.createSymbolicLink(dir.resolve("link.img"), image);
        DiskTargets.Target t = targets().resolve(dir.resolve("link.img").toString());
        Disk d = ToolsHarness.diskOf(image);
        assertEquals(d.id(), t.disk().id());
        assertEquals(d.sidecar(), t.sidecar());
    }

    @Test
    void aSidecarAndItsJournalNameTheSameDiskAsTheImage() throws Exception {
        Disk d = ToolsHarness.diskOf(image);
        ToolsHarness.write(d, RepairCommandTest.one());
        assertTrue(Files.exists(ToolsHarness.journalOf(d)));
        for (Path p : List.of(d.sidecar(), ToolsHarness.journalOf(d))) {
            DiskTargets.Target t = targets().resolve(p.toString());
            assertEquals(d, t.disk(), p.toString());
            assertEquals(Optional.of(d.id()), t.expectedId());
        }
    }

    @Test
    void aConfiguredDisksSidecarIsFoundByItsLocationAndNamedLikeTheDaemonNamesIt() throws Exception {
        String id = "cluster quorum/1";
        DiskTargets.Target byImage = targets(id + "=" + image).resolve(image.toString());
        assertEquals(id, byImage.disk().id());
        // the daemon's own resolution of the same fd: the file name rule must agree
        DiskResolver daemon = new DiskResolver(sidecars, List.of(new DiskResolver.Mapping(id, image.toString(),
                Optional.empty())), DiskResolver.OtherDisks.EMULATE, Path.of("/sys"));
        try (PosixFile f = PosixFile.open(image, OpenMode.READ_ONLY, 0)) {
            Disk expected = ((DiskResolver.Emulate) daemon.resolve(f.fd())).disk();
            assertEquals(expected, byImage.disk());
            assertEquals(expected.sidecar(), sidecars.resolve(org.prsidecar.helper.DiskResolver.fileName(id)));
        }
        DiskTargets.Target bySidecar = targets(id + "=" + image).resolve(byImage.sidecar().toString());
        assertEquals(Optional.of(id), bySidecar.expectedId(), "a sidecar not written yet is known by its location");
    }

    @Test
    void anExplicitSidecarOfAConfiguredDisk() throws Exception {
        Path where = dir.resolve("elsewhere.json");
        DiskTargets.Target t = targets("q=" + image + ",sidecar=" + where).resolve(image.toString());
        assertEquals(new Disk("q", where), t.disk());
    }

    @Test
    void aSidecarOfUnknownOriginIsKnownByItsDiskField() throws Exception {
        Path loose = dir.resolve("copy.json");
        ToolsHarness.write(new Disk("naa.600140512345", loose), RepairCommandTest.one());
        DiskTargets.Target t = targets().resolve(loose.toString());
        assertEquals("naa.600140512345", t.disk().id());
        assertEquals(Optional.empty(), t.expectedId());
        Files.writeString(loose, "garbage");
        Files.delete(loose.resolveSibling("copy.json.journal"));
        ToolException e = assertThrows(ToolException.class, () -> targets().resolve(loose.toString()).disk());
        assertTrue(e.getMessage().contains("cannot tell which disk"), e.getMessage());
    }

    @Test
    void aLoopDeviceIsItsBackingImage() throws Exception {
        Assumptions.assumeTrue(org.prsidecar.posix.Credentials.euid() == 0,
                "SKIPPED LOUDLY: attaching a loop device needs root");
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/sbin/losetup")) || Files.isExecutable(
                Path.of("/sbin/losetup")), "SKIPPED LOUDLY: no losetup on this host");
        Process attach = new ProcessBuilder("losetup", "-f", "--show", image.toString()).redirectErrorStream(true)
                .start();
        String device = new String(attach.getInputStream().readAllBytes()).strip();
        Assumptions.assumeTrue(attach.waitFor() == 0 && device.startsWith("/dev/loop"),
                "SKIPPED LOUDLY: cannot attach a loop device here: " + device);
        try {
            assertEquals(ToolsHarness.diskOf(image), targets().resolve(device).disk(),
                    "the daemon identifies a loop device by its backing file, so the tools must too");
        } finally {
            new ProcessBuilder("losetup", "-d", device).inheritIO().start().waitFor();
        }
    }

    @Test
    void whatIsNotADiskIsRefusedWithTheReason() throws Exception {
        ToolException d = assertThrows(ToolException.class, () -> targets().resolve(dir.toString()));
        assertTrue(d.getMessage().contains("is a directory"), d.getMessage());
        ToolException n = assertThrows(ToolException.class, () -> targets().resolve("/dev/null"));
        assertTrue(n.getMessage().contains("/dev/null: the daemon would refuse it"), n.getMessage());
        ToolException p = assertThrows(ToolException.class, () -> targets("x=/dev/null").resolve(
                dir.resolve("gone.img").toString()));
        assertTrue(p.getMessage().contains("no such file or device"), p.getMessage());
    }
}
