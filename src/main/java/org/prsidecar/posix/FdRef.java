package org.prsidecar.posix;

/**
 * One owned file descriptor, closed exactly once and never while a call on it is in
 * flight: a call brackets itself with {@link #enter()} / {@link #exit()}, and a close
 * requested meanwhile is carried out by the last {@code exit()}. This is what keeps a close
 * from another thread from letting the kernel hand the same number to a new file while a
 * read, accept or receive on the old one is still running.
 */
final class FdRef {
    private final int fd;
    private int users;
    private boolean closeRequested;
    private boolean released;

    FdRef(int fd) {
        if (fd < 0) {
            throw new IllegalArgumentException("negative fd " + fd);
        }
        this.fd = fd;
    }

    /** The fd number, unguarded (for messages and for callers that own the lifecycle). */
    int fd() {
        return fd;
    }

    /** Begins a call; false when the fd is closed or closing (then do not use it). */
    synchronized boolean enter() {
        if (closeRequested) {
            return false;
        }
        users++;
        return true;
    }

    /** Ends a call begun by a successful {@link #enter()}. */
    void exit() {
        boolean closeNow;
        synchronized (this) {
            users--;
            closeNow = closeRequested && users == 0 && !released;
            if (closeNow) {
                released = true;
            }
        }
        if (closeNow) {
            LibC.close(fd);
        }
    }

    synchronized boolean isClosed() {
        return closeRequested;
    }

    /**
     * Requests the close. Returns true if the caller must now close the fd itself (nobody
     * is using it); false if it was already closed or a call in flight will close it.
     */
    synchronized boolean requestClose() {
        if (closeRequested) {
            return false;
        }
        closeRequested = true;
        if (users == 0) {
            released = true;
            return true;
        }
        return false;
    }

    /**
     * Requests the close; if calls are in flight, first runs {@code wake} on the fd (e.g.
     * shutdown(2), to make a blocked accept or receive return) while the fd is still held
     * open, and leaves the close(2) to the last call to leave. Idempotent.
     */
    void requestCloseAndWake(java.util.function.IntConsumer wake) {
        boolean closeNow;
        synchronized (this) {
            if (closeRequested) {
                return;
            }
            closeRequested = true;
            closeNow = users == 0;
            if (closeNow) {
                released = true;
            } else {
                users++; // hold the fd open while waking the others
            }
        }
        if (closeNow) {
            LibC.close(fd);
            return;
        }
        try {
            wake.accept(fd);
        } finally {
            exit();
        }
    }

    /**
     * Marks this closed without closing the fd and hands the fd to the caller; -1 if it was
     * already closed. Only valid when no call is in flight.
     */
    synchronized int detach() {
        if (closeRequested) {
            return -1;
        }
        if (users != 0) {
            throw new IllegalStateException("fd " + fd + " is in use by another thread");
        }
        closeRequested = true;
        released = true;
        return fd;
    }
}
