package org.prsidecar.posix;

import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;

/**
 * Child process for the privilege-drop test: starts a few threads, drops to the given
 * uid:gid, and prints what every thread's credentials are afterwards.
 */
public final class DropPrivilegesMain {
    private DropPrivilegesMain() {
    }

    public static void main(String[] args) throws Exception {
        int uid = Integer.parseInt(args[0]);
        int gid = Integer.parseInt(args[1]);
        CountDownLatch forever = new CountDownLatch(1);
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                try {
                    forever.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        Credentials.dropTo(uid, gid);
        System.out.println("ids " + Credentials.uid() + " " + Credentials.euid() + " " + Credentials.gid() + " "
                + Credentials.egid() + " " + Arrays.toString(Credentials.groups()));
        boolean allThreads = true;
        int threads = 0;
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                threads++;
                for (String line : Files.readAllLines(task.resolve("status"))) {
                    if (line.startsWith("Uid:") || line.startsWith("Gid:")) {
                        String expected = line.startsWith("Uid:") ? Integer.toString(uid) : Integer.toString(gid);
                        for (String id : line.substring(4).trim().split("\\s+")) {
                            allThreads &= id.equals(expected);
                        }
                    }
                }
            }
        }
        System.out.println("threads " + threads + " all " + allThreads);
        try {
            Credentials.dropTo(uid + 1, gid + 1);
            System.out.println("second drop succeeded");
        } catch (PosixException e) {
            System.out.println("second drop " + e.errnoName());
        }
        System.out.println("DONE");
    }
}
