package org.prsidecar.posix;

import com.sun.jna.Memory;

/**
 * Per-thread native memory reused by the hot paths (pread/pwrite, fcntl locks, fstat), so
 * that no call allocates: a {@code Memory} costs a malloc, a free and a Cleaner
 * registration. A method that uses a slot must not call another method that uses the same
 * slot while it holds it.
 */
final class Scratch {
    /** Size of the pread/pwrite bounce buffer; larger transfers go in chunks. */
    static final int IO_SIZE = 64 * 1024;

    private static final ThreadLocal<Scratch> CURRENT = ThreadLocal.withInitial(Scratch::new);

    /** struct flock (32 bytes). */
    final Memory flock = new Memory(32);
    /** struct stat / struct statfs (at most 144 / 120 bytes). */
    final Memory stat = new Memory(256);
    private Memory io;

    private Scratch() {
    }

    static Scratch get() {
        return CURRENT.get();
    }

    /** The bounce buffer for file I/O, {@link #IO_SIZE} bytes. */
    Memory io() {
        Memory m = io;
        if (m == null) {
            m = new Memory(IO_SIZE);
            io = m;
        }
        return m;
    }
}
