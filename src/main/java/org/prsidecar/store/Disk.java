package org.prsidecar.store;

import java.nio.file.Path;
import java.util.Objects;

/**
 * A shared disk as the store knows it: an identity that every host derives alike (a WWID,
 * an image path, a configured name) and the sidecar that holds its reservation table.
 */
public record Disk(String id, Path sidecar) {

    /** Longest disk identity accepted. */
    public static final int MAX_ID_LENGTH = 512;

    public Disk {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(sidecar, "sidecar");
        if (id.isEmpty() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException("disk id must be 1 to " + MAX_ID_LENGTH + " characters: " + id);
        }
        if (id.chars().anyMatch(c -> c < 0x20 || c == 0x7F)) {
            throw new IllegalArgumentException("disk id has a control character: " + id);
        }
        if (!sidecar.isAbsolute()) {
            throw new IllegalArgumentException("sidecar path must be absolute: " + sidecar);
        }
        sidecar = sidecar.normalize();
    }

    @Override
    public String toString() {
        return id + " (" + sidecar + ")";
    }
}
