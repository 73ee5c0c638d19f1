package org.prsidecar.posix;

/** How {@link PosixFile#open} opens a file. Every mode adds O_CLOEXEC and O_NOFOLLOW. */
public enum OpenMode {
    /** O_RDONLY. */
    READ_ONLY(Arch.O_RDONLY),
    /** O_RDWR; the file must exist. */
    READ_WRITE(Arch.O_RDWR),
    /** O_RDWR | O_CREAT: created with the given mode (less the umask) if absent. */
    READ_WRITE_CREATE(Arch.O_RDWR | Arch.O_CREAT);

    final int flags;

    OpenMode(int flags) {
        this.flags = flags;
    }

    /** Whether a file opened this way can be written (and so locked exclusively). */
    public boolean writable() {
        return this != READ_ONLY;
    }
}
