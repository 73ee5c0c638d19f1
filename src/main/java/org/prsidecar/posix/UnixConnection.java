package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A connected AF_UNIX stream socket that can pass file descriptors (SCM_RIGHTS) and tells
 * who is at the other end (SO_PEERCRED).
 *
 * <p>One thread may receive while another sends; concurrent receives (or sends) are
 * serialized. {@link #shutdown()} or {@link #close()} from another thread makes a blocked
 * {@link #receive} return: 0 (end of stream) after shutdown, {@link
 * AsynchronousCloseException} after close. Native buffers are allocated once per
 * connection; a call moves at most {@link #CHUNK} bytes through the kernel at a time.
 */
public final class UnixConnection implements AutoCloseable {
    /** Most fds one receive accepts; more in one message is an error (MSG_CTRUNC). */
    public static final int MAX_FDS = 16;
    /** Most fds one send can pass (the kernel's SCM_MAX_FD). */
    public static final int MAX_SEND_FDS = 253;
    /** Native buffer size per direction. */
    static final int CHUNK = 16 * 1024;

    private static final int MSGHDR_SIZE = 56;
    private static final int MSG_IOV = 16;
    private static final int MSG_IOVLEN = 24;
    private static final int MSG_CONTROL = 32;
    private static final int MSG_CONTROLLEN = 40;
    private static final int MSG_FLAGS = 48;
    private static final int CMSGHDR_SIZE = 16;
    /** CMSG_SPACE(MAX_FDS * 4). */
    private static final int CONTROL_SIZE = CMSGHDR_SIZE + align8(MAX_FDS * 4);

    private final FdRef ref;
    private final Object receiveLock = new Object();
    private final Object sendLock = new Object();
    private Memory rx;
    private Memory tx;
    private volatile Duration receiveTimeout = Duration.ZERO;

    UnixConnection(int fd) {
        this.ref = new FdRef(fd);
    }

    /** Connects to a listening socket at {@code path} (a client: tests, load generators). */
    public static UnixConnection connect(Path path) throws IOException {
        Objects.requireNonNull(path, "path");
        PosixPlatform.arch();
        byte[] cpath = Sockets.socketPath(path, "connect");
        int fd = Sockets.socket(0, path);
        try (Memory addr = Sockets.address(cpath)) {
            while (LibC.connect(fd, addr, Sockets.addressLength(cpath)) < 0) {
                int errno = LibC.errno();
                if (errno == Errno.EISCONN) {
                    break; // an interrupted connect completed meanwhile
                }
                if (errno != Errno.EINTR) {
                    throw new PosixException(errno, "connect", path);
                }
            }
            return new UnixConnection(fd);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            throw e;
        }
    }

    /** The fd. @throws IllegalStateException once closed */
    public int fd() {
        if (ref.isClosed()) {
            throw new IllegalStateException("closed: " + this);
        }
        return ref.fd();
    }

    public boolean isOpen() {
        return !ref.isClosed();
    }

    /** The peer's pid, uid and gid as of its connect (SO_PEERCRED). */
    public PeerCredentials peerCredentials() throws IOException {
        int fd = enter();
        try (Memory ucred = new Memory(12); Memory len = new Memory(4)) {
            len.setInt(0, 12);
            if (LibC.getsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_PEERCRED, ucred, len) < 0) {
                throw new PosixException(LibC.errno(), "getsockopt(SO_PEERCRED)", null, "fd " + fd);
            }
            return new PeerCredentials(ucred.getInt(0), ucred.getInt(4), ucred.getInt(8));
        } finally {
            ref.exit();
        }
    }

    /**
     * Receives up to {@code len} bytes (recvmsg with MSG_CMSG_CLOEXEC). File descriptors
     * that came with them (at most {@link #MAX_FDS}) are appended to {@code fdsOut}; the
     * caller owns and must close them.
     *
     * @return the number of bytes received; 0 at end of stream (or after {@link #shutdown()})
     * @throws PosixException EAGAIN with {@link PosixException#isTimeout()} when a receive
     *     timeout is set and passed
     * @throws IOException if the peer sent more fds than fit (MSG_CTRUNC): every fd that did
     *     arrive has been closed, the bytes of that call are lost; close the connection
     * @throws ClosedChannelException if closed ({@link AsynchronousCloseException} if
     *     closed while waiting)
     */
    public int receive(byte[] buf, int off, int len, List<Integer> fdsOut) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        Objects.requireNonNull(fdsOut, "fdsOut");
        if (len == 0) {
            throw new IllegalArgumentException("len 0: a 0 return would read as end of stream");
        }
        synchronized (receiveLock) {
            int fd = enter();
            long r;
            int errno;
            Memory m;
            try {
                if (rx == null) {
                    rx = new Memory(MSGHDR_SIZE + 16 + CONTROL_SIZE + CHUNK);
                }
                m = rx;
                int n = Math.min(len, CHUNK);
                long iov = MSGHDR_SIZE;
                long control = iov + 16;
                long data = control + CONTROL_SIZE;
                m.clear(data); // msghdr, iovec and control
                m.setPointer(MSG_IOV, m.share(iov));
                m.setLong(MSG_IOVLEN, 1);
                m.setPointer(MSG_CONTROL, m.share(control));
                m.setLong(MSG_CONTROLLEN, CONTROL_SIZE);
                m.setPointer(iov, m.share(data));
                m.setLong(iov + 8, n);
                do {
                    r = LibC.recvmsg(fd, m, Sockets.MSG_CMSG_CLOEXEC);
                    errno = r < 0 ? LibC.errno() : 0;
                } while (r < 0 && errno == Errno.EINTR && !ref.isClosed());
            } finally {
                ref.exit();
            }
            if (r < 0) {
                if (ref.isClosed()) {
                    throw new AsynchronousCloseException();
                }
                if (errno == Errno.EAGAIN && !receiveTimeout.isZero()) {
                    throw new PosixException(errno, "recvmsg", null, "no data within the receive timeout of "
                            + receiveTimeout.toMillis() + " ms", true);
                }
                throw new PosixException(errno, "recvmsg", null, "fd " + ref.fd());
            }
            List<Integer> fds = receivedFds(m);
            if ((m.getInt(MSG_FLAGS) & Sockets.MSG_CTRUNC) != 0) {
                for (int received : fds) {
                    LibC.close(received);
                }
                throw new IOException("recvmsg: ancillary data truncated (MSG_CTRUNC): the peer sent more than "
                        + MAX_FDS + " file descriptors in one message; closed the " + fds.size() + " that arrived");
            }
            if (r == 0 && ref.isClosed()) {
                closeAll(fds);
                throw new AsynchronousCloseException();
            }
            m.read(MSGHDR_SIZE + 16 + CONTROL_SIZE, buf, off, (int) r);
            fdsOut.addAll(fds);
            return (int) r;
        }
    }

    /** Like {@link #receive(byte[], int, int, List)}, closing any fds that arrive. */
    public int receive(byte[] buf, int off, int len) throws IOException {
        List<Integer> fds = new ArrayList<>(0);
        int n = receive(buf, off, len, fds);
        closeAll(fds);
        return n;
    }

    private static void closeAll(List<Integer> fds) {
        for (int fd : fds) {
            LibC.close(fd);
        }
    }

    private static List<Integer> receivedFds(Memory m) {
        List<Integer> fds = new ArrayList<>(1);
        long controlLength = m.getLong(MSG_CONTROLLEN);
        long control = MSGHDR_SIZE + 16;
        long offset = 0;
        while (offset + CMSGHDR_SIZE <= controlLength) {
            long cmsgLength = m.getLong(control + offset);
            int level = m.getInt(control + offset + 8);
            int type = m.getInt(control + offset + 12);
            if (cmsgLength < CMSGHDR_SIZE || offset + cmsgLength > controlLength) {
                break;
            }
            if (level == Sockets.SOL_SOCKET && type == Sockets.SCM_RIGHTS) {
                int count = (int) ((cmsgLength - CMSGHDR_SIZE) / 4);
                for (int i = 0; i < count; i++) {
                    fds.add(m.getInt(control + offset + CMSGHDR_SIZE + 4L * i));
                }
            }
            offset += align8((int) cmsgLength);
        }
        return fds;
    }

    /**
     * Sends all of {@code buf[off, off+len)} (sendmsg with MSG_NOSIGNAL: a closed peer is
     * EPIPE, not a signal), looping over partial writes. {@code fds} ride on the first
     * chunk; the caller keeps ownership of them (the peer gets duplicates).
     */
    public void send(byte[] buf, int off, int len, int... fds) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (fds.length > MAX_SEND_FDS) {
            throw new IllegalArgumentException(fds.length + " fds; at most " + MAX_SEND_FDS);
        }
        if (fds.length > 0 && len == 0) {
            throw new IllegalArgumentException("fds need at least one byte to ride on");
        }
        synchronized (sendLock) {
            int fd = enter();
            try {
                if (tx == null) {
                    tx = new Memory(MSGHDR_SIZE + 16 + CONTROL_SIZE + CHUNK);
                }
                Memory m = tx;
                long iov = MSGHDR_SIZE;
                long control = iov + 16;
                long data = control + CONTROL_SIZE;
                Memory bigControl = fds.length > MAX_FDS ? new Memory(CMSGHDR_SIZE + align8(4 * fds.length)) : null;
                int done = 0;
                boolean fdsSent = fds.length == 0;
                while (done < len) {
                    int n = Math.min(len - done, CHUNK);
                    m.clear(MSGHDR_SIZE); // msghdr: no control unless set below
                    m.write(data, buf, off + done, n);
                    m.setPointer(iov, m.share(data));
                    m.setLong(iov + 8, n);
                    m.setPointer(MSG_IOV, m.share(iov));
                    m.setLong(MSG_IOVLEN, 1);
                    if (!fdsSent) {
                        int cmsgLength = CMSGHDR_SIZE + 4 * fds.length;
                        Memory c = bigControl != null ? bigControl : (Memory) m.share(control, CONTROL_SIZE);
                        c.clear();
                        c.setLong(0, cmsgLength);
                        c.setInt(8, Sockets.SOL_SOCKET);
                        c.setInt(12, Sockets.SCM_RIGHTS);
                        c.write(CMSGHDR_SIZE, fds, 0, fds.length);
                        m.setPointer(MSG_CONTROL, c);
                        m.setLong(MSG_CONTROLLEN, CMSGHDR_SIZE + align8(4 * fds.length));
                    }
                    long r = LibC.sendmsg(fd, m, Sockets.MSG_NOSIGNAL);
                    if (r < 0) {
                        int errno = LibC.errno();
                        if (errno == Errno.EINTR && !ref.isClosed()) {
                            continue;
                        }
                        if (ref.isClosed()) {
                            throw new AsynchronousCloseException();
                        }
                        throw new PosixException(errno, "sendmsg", null, "fd " + fd);
                    }
                    fdsSent = true;
                    done += (int) r;
                }
            } finally {
                ref.exit();
            }
        }
    }

    /**
     * Sets SO_RCVTIMEO: a receive that waits longer throws a {@link PosixException} with
     * errno EAGAIN and {@link PosixException#isTimeout()}. {@link Duration#ZERO}: no timeout.
     */
    public void setReceiveTimeout(Duration timeout) throws IOException {
        Objects.requireNonNull(timeout, "timeout");
        if (timeout.isNegative()) {
            throw new IllegalArgumentException("negative timeout " + timeout);
        }
        long micros = timeout.isZero() ? 0 : Math.max(1, saturatedMicros(timeout));
        int fd = enter();
        try (Memory tv = new Memory(16)) {
            tv.setLong(0, micros / 1_000_000);
            tv.setLong(8, micros % 1_000_000);
            if (LibC.setsockopt(fd, Sockets.SOL_SOCKET, Sockets.SO_RCVTIMEO, tv, 16) < 0) {
                throw new PosixException(LibC.errno(), "setsockopt(SO_RCVTIMEO)", null, "fd " + fd);
            }
            receiveTimeout = timeout;
        } finally {
            ref.exit();
        }
    }

    private static long saturatedMicros(Duration d) {
        long seconds = Math.min(d.getSeconds(), Integer.MAX_VALUE);
        return seconds * 1_000_000 + d.getNano() / 1000;
    }

    /**
     * shutdown(SHUT_RDWR): the peer sees end of stream, and a receive blocked in another
     * thread returns 0. The fd stays open until {@link #close()}.
     */
    public void shutdown() throws IOException {
        int fd = enter();
        try {
            if (LibC.shutdown(fd, Sockets.SHUT_RDWR) < 0) {
                int errno = LibC.errno();
                if (errno != Errno.ENOTCONN) {
                    throw new PosixException(errno, "shutdown", null, "fd " + fd);
                }
            }
        } finally {
            ref.exit();
        }
    }

    /** Closes; a receive or send blocked in another thread is woken first. Idempotent. */
    @Override
    public void close() {
        ref.requestCloseAndWake(fd -> LibC.shutdown(fd, Sockets.SHUT_RDWR));
    }

    private int enter() throws ClosedChannelException {
        if (!ref.enter()) {
            throw new ClosedChannelException();
        }
        return ref.fd();
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }

    @Override
    public String toString() {
        return "UnixConnection[fd " + ref.fd() + (ref.isClosed() ? ", closed" : "") + "]";
    }
}
