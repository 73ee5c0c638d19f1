package org.prsidecar.posix;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A listening AF_UNIX stream socket on a file system path: bound by {@link #bind}, or
 * inherited from systemd socket activation by {@link #inherit}.
 *
 * <p>{@link #accept()} blocks; {@link #close()} from another thread wakes it (shutdown(2)
 * of the listening socket makes a blocked accept return on Linux) and it then throws
 * {@link AsynchronousCloseException}; an accept begun after close throws {@link
 * ClosedChannelException}. The fd is closed only after the last accept has returned, so
 * its number cannot be reused under a running call.
 */
public final class UnixServerSocket implements AutoCloseable {
    private final FdRef ref;
    private final Path path;
    /** The socket file we bound (device and inode); null when inherited. */
    private final FileStat bound;

    private UnixServerSocket(int fd, Path path, FileStat bound) {
        this.ref = new FdRef(fd);
        this.path = path;
        this.bound = bound;
    }

    /**
     * Binds a new listening socket at {@code path}. A socket file already there that
     * nobody listens on (connect is refused) is stale and is unlinked; a socket somebody
     * still listens on is refused (EADDRINUSE), and so is any other kind of file (EEXIST,
     * the file is left alone). The socket is bound, then chmod-ed to {@code mode}, then
     * put in listening state: until listen(2) every connect is refused, so nobody
     * connects through the permissions the umask gave the fresh socket file. The directory
     * must not be writable by anyone who should not be able to swap the file meanwhile.
     * (The liveness probe of an existing socket is a connect that is closed at once; a
     * live server sees it as a client that went away.)
     *
     * @param path absolute, at most 107 bytes
     * @param mode permission bits of the socket file, e.g. 0600
     */
    public static UnixServerSocket bind(Path path, int mode, int backlog) throws IOException {
        Objects.requireNonNull(path, "path");
        if (!path.isAbsolute()) {
            throw new IllegalArgumentException("socket path must be absolute: " + path);
        }
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode 0" + Integer.toOctalString(mode) + " has bits outside 07777");
        }
        if (backlog < 1) {
            throw new IllegalArgumentException("backlog " + backlog);
        }
        PosixPlatform.arch();
        byte[] cpath = Sockets.socketPath(path, "bind");
        removeStaleSocket(path, cpath);
        int fd = Sockets.socket(0, path);
        boolean bound = false;
        try (Memory addr = Sockets.address(cpath)) {
            if (LibC.bind(fd, addr, Sockets.addressLength(cpath)) < 0) {
                int errno = LibC.errno();
                throw new PosixException(errno, "bind", path,
                        errno == Errno.EADDRINUSE ? "another process created it meanwhile" : null);
            }
            bound = true;
            if (LibC.chmod(cpath, mode) < 0) {
                throw new PosixException(LibC.errno(), "chmod", path, "0" + Integer.toOctalString(mode));
            }
            FileStat st = FileStat.of(path, false);
            if (LibC.listen(fd, backlog) < 0) {
                throw new PosixException(LibC.errno(), "listen", path);
            }
            return new UnixServerSocket(fd, path, st);
        } catch (IOException | RuntimeException e) {
            LibC.close(fd);
            if (bound) {
                LibC.unlink(cpath);
            }
            throw e;
        }
    }

    private static void removeStaleSocket(Path path, byte[] cpath) throws PosixException {
        FileStat existing;
        try {
            existing = FileStat.of(path, false);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return;
            }
            throw e;
        }
        if (!existing.isSocket()) {
            throw new PosixException(Errno.EEXIST, "bind", path, "a " + existing.kindName()
                    + " is in the way; only a stale socket is ever replaced, so it was left alone");
        }
        if (isListening(cpath)) {
            throw new PosixException(Errno.EADDRINUSE, "bind", path,
                    "another server is listening on this socket; not taking it over");
        }
        if (LibC.unlink(cpath) < 0) {
            int errno = LibC.errno();
            if (errno != Errno.ENOENT) {
                throw new PosixException(errno, "unlink", path, "removing a stale socket");
            }
        }
    }

    /** Whether somebody accepts connections on the socket file (a non-blocking connect). */
    private static boolean isListening(byte[] cpath) throws PosixException {
        int fd = Sockets.socket(Sockets.SOCK_NONBLOCK, null);
        try (Memory addr = Sockets.address(cpath)) {
            if (LibC.connect(fd, addr, Sockets.addressLength(cpath)) == 0) {
                return true;
            }
            // EAGAIN: a listener with a full backlog; ECONNREFUSED: nobody (stale)
            return LibC.errno() == Errno.EAGAIN;
        } finally {
            LibC.close(fd);
        }
    }

    /**
     * Takes over a listening socket passed by systemd socket activation (LISTEN_FDS; fd 3
     * for the first). Checks that it is an AF_UNIX stream socket in listening state, bound
     * to a file system path, and sets FD_CLOEXEC on it. On success this object owns the
     * fd; on failure the caller still does.
     *
     * @throws PosixException ENOTSOCK (not a socket), EAFNOSUPPORT (not AF_UNIX), EPROTOTYPE
     *     (not SOCK_STREAM), EINVAL (not listening, or not bound to a path)
     */
    public static UnixServerSocket inherit(int fd) throws IOException {
        PosixPlatform.arch();
        if (fd < 0) {
            throw new IllegalArgumentException("negative fd " + fd);
        }
        int domain;
        try {
            domain = Sockets.intOption(fd, Sockets.SO_DOMAIN, "SO_DOMAIN");
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOTSOCK) {
                throw new PosixException(Errno.ENOTSOCK, "inherit", null, "fd " + fd + " is not a socket but "
                        + describe(fd) + "; expected a listening AF_UNIX socket from systemd");
            }
            throw e;
        }
        if (domain != Sockets.AF_UNIX) {
            throw new PosixException(Errno.EAFNOSUPPORT, "inherit", null, "fd " + fd
                    + " is a socket of address family " + domain + ", not AF_UNIX (1)");
        }
        int type = Sockets.intOption(fd, Sockets.SO_TYPE, "SO_TYPE");
        if (type != Sockets.SOCK_STREAM) {
            throw new PosixException(Errno.EPROTOTYPE, "inherit", null, "fd " + fd
                    + " is an AF_UNIX socket of type " + type + ", not SOCK_STREAM (1)");
        }
        if (Sockets.intOption(fd, Sockets.SO_ACCEPTCONN, "SO_ACCEPTCONN") == 0) {
            throw new PosixException(Errno.EINVAL, "inherit", null, "fd " + fd
                    + " is an AF_UNIX stream socket that is not listening");
        }
        String name;
        try (Memory addr = new Memory(Sockets.SOCKADDR_UN_SIZE); Memory len = new Memory(4)) {
            addr.clear();
            len.setInt(0, Sockets.SOCKADDR_UN_SIZE);
            if (LibC.getsockname(fd, addr, len) < 0) {
                throw new PosixException(LibC.errno(), "getsockname", null, "fd " + fd);
            }
            name = Sockets.decodePath(addr, len.getInt(0));
        }
        if (name == null || name.startsWith("@")) {
            throw new PosixException(Errno.EINVAL, "inherit", null, "fd " + fd + " is "
                    + (name == null ? "an unnamed socket" : "bound to the abstract address " + name)
                    + "; QEMU needs a socket on a file system path");
        }
        Fd.setCloseOnExec(fd);
        return new UnixServerSocket(fd, Path.of(name), null);
    }

    /**
     * The socket systemd passed by socket activation, if any: when LISTEN_PID is this
     * process, takes exactly one socket (LISTEN_FDS=1) at fd 3 through {@link
     * #inherit(int)}. Empty when LISTEN_PID is absent or names another process (the
     * variables were inherited, not meant for us).
     *
     * @throws IOException if LISTEN_FDS is not 1, or fd 3 is not a listening AF_UNIX
     *     stream socket on a path
     */
    public static Optional<UnixServerSocket> systemdSocket() throws IOException {
        return systemdSocket(System.getenv(), Credentials.pid());
    }

    /** First fd passed by systemd (SD_LISTEN_FDS_START). */
    static final int SD_LISTEN_FDS_START = 3;

    static Optional<UnixServerSocket> systemdSocket(Map<String, String> env, int pid) throws IOException {
        String listenPid = env.get("LISTEN_PID");
        if (listenPid == null || !listenPid.trim().equals(Integer.toString(pid))) {
            return Optional.empty();
        }
        String listenFds = env.getOrDefault("LISTEN_FDS", "");
        int count;
        try {
            count = Integer.parseInt(listenFds.trim());
        } catch (NumberFormatException e) {
            count = -1;
        }
        if (count != 1) {
            throw new IOException("socket activation: LISTEN_FDS=" + listenFds
                    + "; exactly one listening socket is supported (as qemu-pr-helper)");
        }
        return Optional.of(inherit(SD_LISTEN_FDS_START));
    }

    private static String describe(int fd) {
        try {
            Path target = Fd.readLink(fd);
            FileStat st = FileStat.of(fd);
            return "a " + st.kindName() + " (" + target + ")";
        } catch (IOException e) {
            return "not open (" + e.getMessage() + ")";
        }
    }

    /**
     * Waits for a connection and returns it (accept4 with SOCK_CLOEXEC; EINTR and
     * ECONNABORTED are retried).
     *
     * @throws ClosedChannelException if this socket was closed before the call
     * @throws AsynchronousCloseException if it was closed while the call waited
     * @throws PosixException for other errors, e.g. EMFILE (out of fds: back off and retry)
     */
    public UnixConnection accept() throws IOException {
        while (true) {
            if (!ref.enter()) {
                throw new ClosedChannelException();
            }
            int fd;
            int errno;
            try {
                fd = LibC.accept4(ref.fd(), null, null, Sockets.SOCK_CLOEXEC);
                errno = fd < 0 ? LibC.errno() : 0;
            } finally {
                ref.exit();
            }
            if (fd >= 0) {
                return new UnixConnection(fd);
            }
            if (ref.isClosed()) {
                throw new AsynchronousCloseException();
            }
            if (errno != Errno.EINTR && errno != Errno.ECONNABORTED) {
                throw new PosixException(errno, "accept4", path);
            }
        }
    }

    /** The path the socket is bound to. */
    public Path path() {
        return path;
    }

    /** The listening fd. @throws IllegalStateException once closed */
    public int fd() {
        if (ref.isClosed()) {
            throw new IllegalStateException("closed: " + this);
        }
        return ref.fd();
    }

    /** Whether this was inherited (systemd owns the socket file) rather than bound here. */
    public boolean inherited() {
        return bound == null;
    }

    public boolean isOpen() {
        return !ref.isClosed();
    }

    /**
     * Stops listening and closes the fd; a blocked {@link #accept()} returns promptly.
     * Leaves the socket file in place. Idempotent.
     */
    @Override
    public void close() {
        ref.requestCloseAndWake(fd -> LibC.shutdown(fd, Sockets.SHUT_RDWR));
    }

    /**
     * Closes, then removes the socket file if it is still the one this object bound (same
     * device and inode), so a newer instance's socket at the same path is never deleted.
     * An inherited socket's file belongs to systemd and is never removed.
     *
     * @return whether the file was removed
     */
    public boolean closeAndUnlink() throws PosixException {
        close();
        if (bound == null) {
            return false;
        }
        FileStat now;
        try {
            now = FileStat.of(path, false);
        } catch (PosixException e) {
            if (e.errno() == Errno.ENOENT) {
                return false;
            }
            throw e;
        }
        if (!now.isSocket() || !now.sameFileAs(bound)) {
            return false;
        }
        if (LibC.unlink(CString.of(path)) < 0) {
            int errno = LibC.errno();
            if (errno == Errno.ENOENT) {
                return false;
            }
            throw new PosixException(errno, "unlink", path);
        }
        return true;
    }

    @Override
    public String toString() {
        return "UnixServerSocket[" + path + ", fd " + ref.fd() + (ref.isClosed() ? ", closed" : "") + "]";
    }
}
