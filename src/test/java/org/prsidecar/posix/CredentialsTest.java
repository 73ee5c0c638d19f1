package org.prsidecar.posix;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Process identity, NSS look-ups and the privilege drop. */
class CredentialsTest {
    @Test
    void identityMatchesWhatTheKernelShowsInProc() throws Exception {
        assertEquals(ProcessHandle.current().pid(), Credentials.pid());
        int procUid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
        int procGid = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:gid");
        assertEquals(procUid, Credentials.euid());
        assertEquals(procGid, Credentials.egid());
        assertEquals(Credentials.euid(), Credentials.uid());
        assertEquals(Credentials.egid(), Credentials.gid());
    }

    @Test
    void userAndGroupNamesResolveLikeThePasswdAndGroupFiles() throws Exception {
        assertEquals(OptionalInt.of(0), Credentials.userId("root"));
        assertEquals(OptionalInt.of(0), Credentials.groupId("root"));
        assertEquals(OptionalInt.of(0), Credentials.primaryGroupOf(0));
        for (String line : Files.readAllLines(Path.of("/etc/passwd"))) {
            String[] f = line.split(":");
            if (f.length > 3 && f[0].equals("nobody")) {
                assertEquals(OptionalInt.of(Integer.parseInt(f[2])), Credentials.userId("nobody"));
                assertEquals(OptionalInt.of(Integer.parseInt(f[3])), Credentials.primaryGroupOf(Integer.parseInt(f[2])));
            }
        }
        for (String line : Files.readAllLines(Path.of("/etc/group"))) {
            String[] f = line.split(":");
            if (f.length > 2 && (f[0].equals("nogroup") || f[0].equals("daemon"))) {
                assertEquals(OptionalInt.of(Integer.parseInt(f[2])), Credentials.groupId(f[0]));
            }
        }
    }

    @Test
    void numericNamesAndUnknownNames() {
        assertEquals(OptionalInt.of(4242), Credentials.userId("4242"));
        assertEquals(OptionalInt.of(4242), Credentials.groupId("4242"));
        assertEquals(OptionalInt.empty(), Credentials.userId("no-such-user-prsidecar"));
        assertEquals(OptionalInt.empty(), Credentials.groupId("no-such-group-prsidecar"));
        assertEquals(OptionalInt.empty(), Credentials.userId(""));
        assertEquals(OptionalInt.empty(), Credentials.userId("-1"));
        assertEquals(OptionalInt.empty(), Credentials.primaryGroupOf(54321));
    }

    @Test
    void droppingToRootIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> Credentials.dropTo(0, 0));
        assertThrows(IllegalArgumentException.class, () -> Credentials.dropTo(-5, 0));
    }

    @Test
    void dropToChangesEveryThreadAndCannotBeUndone() throws Exception {
        NativeTestSupport.requireRoot("the privilege drop test");
        Process child = NativeTestSupport.startJvm(DropPrivilegesMain.class, "65534", "65534");
        List<String> lines = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                lines.add(line);
            }
        }
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, child.exitValue(), "child output " + lines);
        assertEquals("ids 65534 65534 65534 65534 [65534]", lines.get(0));
        assertTrue(lines.get(1).matches("threads \\d+ all true"), lines.get(1));
        assertEquals("second drop EPERM", lines.get(2), "an unprivileged process cannot drop again");
        assertEquals("DONE", lines.get(3));
    }
}
