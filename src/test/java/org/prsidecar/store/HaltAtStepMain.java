package org.prsidecar.store;

import java.nio.file.Path;

/**
 * Child process of {@link SidecarFaultTest}: {@code SIDECAR DISK_ID STEP}. Moves the
 * deterministic writer's sidecar one revision on (revision n to n + 1, see
 * {@link StoreFixtures#tableOf}) and stops the JVM dead with {@code Runtime.halt} at
 * {@code STEP}, as a power cut of the process would: no finally blocks, no shutdown hooks,
 * no unlock. Exits {@value #HALTED} when it halted there; 0 means the step never came.
 */
public final class HaltAtStepMain {
    static final int HALTED = 86;

    private HaltAtStepMain() {
    }

    public static void main(String[] args) throws Exception {
        Disk disk = new Disk(args[1], Path.of(args[0]));
        SidecarStore.Step at = SidecarStore.Step.valueOf(args[2]);
        SidecarStore store = StoreFixtures.store();
        store.injectFaults(step -> {
            if (step == at) {
                Runtime.getRuntime().halt(HALTED);
            }
        });
        store.update(disk, StoreFixtures::nextOf);
        System.exit(0);
    }
}
