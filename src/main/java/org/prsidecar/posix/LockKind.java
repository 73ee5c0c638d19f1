package org.prsidecar.posix;

/** A whole-file fcntl lock: a read lock (shared) or a write lock (exclusive). */
public enum LockKind {
    /** F_RDLCK: coexists with other shared locks; needs a readable fd. */
    SHARED(0),
    /** F_WRLCK: excludes every other lock; needs a writable fd. */
    EXCLUSIVE(1);

    /** l_type for struct flock. */
    final short type;

    LockKind(int type) {
        this.type = (short) type;
    }

    String adjective() {
        return this == SHARED ? "a shared" : "an exclusive";
    }
}
