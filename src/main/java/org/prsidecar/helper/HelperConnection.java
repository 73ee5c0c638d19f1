package org.prsidecar.helper;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.prsidecar.posix.FileStat;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.store.SidecarCheck;
import org.prsidecar.store.StorageCheck;

/**
 * One QEMU connection: the handshake, then requests strictly in order, each answered before
 * the next is read. A malformed frame closes this connection only. Once a frame has begun,
 * the rest of it must arrive within the frame timeout; between frames QEMU may stay silent
 * for as long as it likes.
 */
final class HelperConnection implements Runnable {

    private static final System.Logger LOG = System.getLogger(HelperConnection.class.getName());
    /** Distinct disks remembered per connection (QEMU passes one per pr-manager object). */
    private static final int RESOLVED_DISKS = 64;

    private final UnixConnection connection;
    private final PeerIdentity who;
    private final int peerUid;
    private final DiskResolver disks;
    private final RequestHandler handler;
    private final Duration frameTimeout;
    private final Runnable onExit;
    private final Map<String, DiskResolver.Resolution> resolved = new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DiskResolver.Resolution> e) {
            return size() > RESOLVED_DISKS;
        }
    };

    private static final Set<Path> CHECKED_DIRECTORIES = ConcurrentHashMap.newKeySet();

    private final Object state = new Object();
    private boolean busy;
    private boolean stopping;

    HelperConnection(UnixConnection connection, PeerIdentity who, int peerUid, DiskResolver disks,
            RequestHandler handler, Duration frameTimeout, Runnable onExit) {
        this.connection = connection;
        this.who = who;
        this.peerUid = peerUid;
        this.disks = disks;
        this.handler = handler;
        this.frameTimeout = frameTimeout;
        this.onExit = onExit;
    }

    PeerIdentity peer() {
        return who;
    }

    @Override
    public void run() {
        try {
            handshake();
            while (serveOne()) {
                // strictly one command at a time
            }
            LOG.log(Level.INFO, "initiator " + who.initiator() + ": disconnected (" + who.description() + ")");
        } catch (FrameException e) {
            LOG.log(Level.WARNING, "initiator " + who.initiator() + ": closing the connection: " + e.getMessage());
        } catch (ClosedChannelException e) {
            LOG.log(Level.DEBUG, "initiator " + who.initiator() + ": connection closed by shutdown");
        } catch (IOException e) {
            LOG.log(Level.INFO, "initiator " + who.initiator() + ": connection lost: " + e.getMessage());
        } catch (RuntimeException e) {
            // a bug: this connection ends (QEMU sees the command fail and reconnects), the daemon goes on
            LOG.log(Level.ERROR, "initiator " + who.initiator() + ": internal error; closing the connection", e);
        } finally {
            connection.close();
            onExit.run();
        }
    }

    private void handshake() throws IOException, FrameException {
        connection.setReceiveTimeout(frameTimeout);
        byte[] features = new byte[4];
        connection.send(features, 0, 4);
        byte[] requested = HelperResponse.readFully(connection, 4, "handshake");
        if (HelperResponse.getInt(requested, 0) != 0) {
            throw new FrameException("the client asked for features " + HelperResponse.getInt(requested, 0)
                    + "; none are supported");
        }
        connection.setReceiveTimeout(Duration.ZERO);
    }

    /** Serves one request; false at end of stream or when stopping. */
    private boolean serveOne() throws IOException, FrameException {
        HelperRequest request = HelperRequest.read(connection, this::begin, frameTimeout);
        if (request == null) {
            return false;
        }
        HelperResponse response;
        try {
            response = handler.handle(who, resolve(request.fd()), request);
        } finally {
            request.closeFd();
        }
        try {
            response.checkFits(request);
        } catch (IllegalStateException e) {
            // a bug: never let it reach QEMU, which would abort; the command fails instead
            throw new FrameException("not sending an answer that breaks the protocol: " + e.getMessage());
        }
        response.write(connection);
        return end();
    }

    private DiskResolver.Resolution resolve(int fd) {
        String key;
        try {
            FileStat st = FileStat.of(fd);
            key = st.device() + ":" + st.inode() + ":" + st.rdevice();
        } catch (IOException e) {
            return disks.resolve(fd, peerUid); // reports the problem itself
        }
        DiskResolver.Resolution r = resolved.get(key);
        if (r == null) {
            r = disks.resolve(fd, peerUid);
            if (r instanceof DiskResolver.Emulate e) {
                LOG.log(Level.INFO, "initiator " + who.initiator() + ": disk " + e.disk().id() + " is " + e.how()
                        + ", sidecar " + e.disk().sidecar());
                checkStorageOnce(e.disk().sidecar().getParent());
            }
            resolved.put(key, r);
        }
        return r;
    }

    /**
     * Whether the storage under a sidecar shares its locks across hosts (NFS nolock or
     * local_lock, GFS2 localflocks, FUSE, a local disk), once per directory and process.
     */
    private static void checkStorageOnce(Path dir) {
        if (dir != null && CHECKED_DIRECTORIES.add(dir)) {
            StorageCheck.Result r = StorageCheck.check(dir);
            for (SidecarCheck.Finding f : r.findings()) {
                LOG.log(f.severity() == SidecarCheck.Severity.NOTE ? Level.INFO : Level.WARNING,
                        "sidecars in " + f.file() + ": " + f.message());
            }
        }
    }

    /** The first byte of a frame arrived (HelperRequest.read holds the rest to the frame timeout). */
    private void begin() {
        synchronized (state) {
            busy = true;
        }
    }

    private boolean end() throws IOException {
        connection.setReceiveTimeout(Duration.ZERO);
        synchronized (state) {
            busy = false;
            return !stopping;
        }
    }

    /** Closes now, even mid-command: QEMU sees the command fail and reconnects. */
    void forceClose() {
        connection.close();
    }

    /** Ends the connection after the command in flight, if any, has been answered. */
    void stop() {
        synchronized (state) {
            stopping = true;
            if (!busy) {
                try {
                    connection.shutdown();
                } catch (IOException e) {
                    connection.close();
                }
            }
        }
    }
}
