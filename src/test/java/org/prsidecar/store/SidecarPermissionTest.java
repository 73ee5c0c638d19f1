package org.prsidecar.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.store.StoreFixtures.Snapshot;

/**
 * A sidecar the process may not read or write. The tests run as root, who may do anything,
 * so the store runs in a child JVM as user nobody (65534) through {@code setpriv}; each
 * refusal must be kind INACCESSIBLE with a message that names the file and says what to
 * check, and nothing may change. A control case (a directory nobody owns) proves that the
 * child can work at all, so the refusals are about permissions and nothing else.
 */
class SidecarPermissionTest {

    private static final int NOBODY = 65534;

    @TempDir
    static Path base;

    /** One situation, the operations the child tries and what each must answer. */
    record Case(String name, Path sidecar, Map<String, String> expect) {
    }

    private static final List<Case> CASES = new ArrayList<>();
    private static final Map<Path, Snapshot> BEFORE = new HashMap<>();
    private static final Map<String, String> ANSWERS = new HashMap<>();
    private static String childOutput;

    private static Path dir(String name, String mode) throws IOException {
        Path d = Files.createDirectory(base.resolve(name));
        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
        return d;
    }

    private static Disk sidecarAtRevision2(Path d) throws Exception {
        Disk disk = StoreFixtures.disk(d);
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        StoreFixtures.store().update(disk, StoreFixtures::nextOf);
        return disk;
    }

    private static void mode(Path p, String mode) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
    }

    private static Map<String, String> expect(String read, String update) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("read", read);
        m.put("update", update);
        return m;
    }

    @BeforeAll
    static void runTheStoreAsNobody() throws Exception {
        StoreFixtures.requireRoot("running the store as another user (setpriv)");
        Path setpriv = StoreFixtures.requireTool("setpriv", "util-linux");
        mode(base, "rwxr-xr-x");

        // control: a directory nobody owns; read and update work
        Path own = dir("own", "rwxr-xr-x");
        UserPrincipal nobody = own.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("nobody");
        Files.setOwner(own, nobody);
        CASES.add(new Case("control: nobody's own directory", StoreFixtures.disk(own).sidecar(),
                expect("OK 0", "OK 1")));

        Path d1 = dir("private", "rwxr-xr-x");
        Disk s1 = sidecarAtRevision2(d1);
        mode(s1.sidecar(), "rw-------");
        CASES.add(new Case("sidecar 0600 of root", s1.sidecar(), expect("INACCESSIBLE", "INACCESSIBLE")));

        Path d2 = dir("readonly", "rwxr-xr-x");
        Disk s2 = sidecarAtRevision2(d2);
        mode(s2.sidecar(), "rw-r--r--");
        CASES.add(new Case("sidecar 0644 of root: readable, not writable", s2.sidecar(),
                expect("OK 2", "INACCESSIBLE")));

        Path d3 = dir("nojournal", "rwxr-xr-x");
        Disk s3 = sidecarAtRevision2(d3);
        mode(s3.sidecar(), "rw-rw-rw-");
        Files.delete(SidecarStore.journalPath(s3.sidecar()));
        CASES.add(new Case("sidecar 0666, no journal, directory not writable", s3.sidecar(),
                expect("OK 2", "INACCESSIBLE")));

        Path d4 = dir("journal-ro", "rwxrwxrwx");
        Disk s4 = sidecarAtRevision2(d4);
        mode(s4.sidecar(), "rw-rw-rw-");
        mode(SidecarStore.journalPath(s4.sidecar()), "rw-r--r--");
        CASES.add(new Case("sidecar 0666, journal 0644 of root", s4.sidecar(), expect("OK 2", "INACCESSIBLE")));

        Path d5 = dir("closed", "rwx------");
        Disk s5 = sidecarAtRevision2(d5);
        mode(s5.sidecar(), "rw-rw-rw-");
        CASES.add(new Case("directory 0700 of root", s5.sidecar(), expect("INACCESSIBLE", "INACCESSIBLE")));

        Path d6 = dir("new", "rwxr-xr-x");
        CASES.add(new Case("no sidecar yet, directory not writable", StoreFixtures.disk(d6).sidecar(),
                expect("OK 0", "INACCESSIBLE")));

        List<String> args = new ArrayList<>();
        args.add(StoreFixtures.DISK_ID);
        for (Case c : CASES) {
            args.add(c.sidecar().toString());
            args.add(String.join(",", c.expect().keySet()));
            for (Path p : List.of(c.sidecar(), SidecarStore.journalPath(c.sidecar()))) {
                if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                    BEFORE.put(p, Snapshot.of(p));
                }
            }
        }
        StoreFixtures.ChildJvm jvm = StoreFixtures.ChildJvm.get();
        List<String> cmd = new ArrayList<>(List.of(setpriv.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY,
                "--clear-groups", "--"));
        cmd.addAll(jvm.command(AccessProbeMain.class, args.toArray(String[]::new)));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("HOME", "/nonexistent");
        pb.directory(base.toFile());
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child as nobody did not finish");
        childOutput = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), "the child as nobody failed:\n" + childOutput);
        System.out.println("store as nobody:\n" + childOutput);
        for (String line : childOutput.split("\n")) {
            String[] f = line.split(" ", 3);
            if (f.length == 3 && f[0].matches("\\d+")) {
                ANSWERS.put(f[0] + " " + f[1], f[2]);
            }
        }
    }

    @Test
    void theChildRanAsNobody() throws Exception {
        // the control case created its sidecar as nobody: the child really was unprivileged
        Path created = CASES.get(0).sidecar();
        assertEquals(NOBODY, (int) Files.getAttribute(created, "unix:uid"), childOutput);
    }

    @Test
    void eachOperationAnswersAsItsPermissionsAllow() throws Exception {
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            for (Map.Entry<String, String> e : c.expect().entrySet()) {
                String got = ANSWERS.get(i + " " + e.getKey());
                String want = e.getValue();
                boolean ok = got != null && (want.startsWith("OK") ? got.equals(want)
                        : got.startsWith("ERR " + want + " ") && got.contains(c.sidecar().toString())
                                && got.contains("check the owner and mode of the file and its directory")
                                && got.contains("the table was not changed"));
                if (!ok) {
                    wrong.add(c.name() + ": " + e.getKey() + " answered [" + got + "], expected " + want);
                }
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong) + "\nchild output:\n" + childOutput);
    }

    @Test
    void nothingChangedWhereAccessWasRefused() throws Exception {
        for (Case c : CASES.subList(1, CASES.size())) {
            for (Path p : List.of(c.sidecar(), SidecarStore.journalPath(c.sidecar()))) {
                Snapshot before = BEFORE.get(p);
                if (before != null) {
                    before.assertUnchanged(p);
                } else {
                    assertFalse(Files.exists(p, LinkOption.NOFOLLOW_LINKS), c.name() + ": " + p + " was created");
                }
            }
        }
    }
}
