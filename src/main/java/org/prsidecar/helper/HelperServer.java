package org.prsidecar.helper;

import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.prsidecar.posix.PeerCredentials;
import org.prsidecar.posix.UnixConnection;
import org.prsidecar.posix.UnixServerSocket;

/**
 * The listening side: accepts QEMU connections, checks who they come from, and serves each
 * on its own thread (connections in parallel, each strictly in order). {@link #stop} stops
 * accepting, lets commands in flight finish, and closes the rest.
 */
public final class HelperServer implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(HelperServer.class.getName());

    /**
     * @param allowedUids peers allowed by uid; empty with {@code allowedGids} empty: any peer
     *     that can open the socket (its mode is the first gate)
     */
    public record Options(int maxConnections, Duration frameTimeout, Set<Integer> allowedUids,
            Set<Integer> allowedGids) {
        public Options {
            allowedUids = Set.copyOf(allowedUids);
            allowedGids = Set.copyOf(allowedGids);
            Objects.requireNonNull(frameTimeout, "frameTimeout");
            if (maxConnections < 1) {
                throw new IllegalArgumentException("maxConnections must be positive");
            }
        }

        public static Options defaults() {
            return new Options(1024, Duration.ofSeconds(10), Set.of(), Set.of());
        }

        boolean allows(PeerCredentials p) {
            return allowedUids.isEmpty() && allowedGids.isEmpty() || allowedUids.contains(p.uid())
                    || allowedGids.contains(p.gid());
        }
    }

    private final UnixServerSocket socket;
    private final IdentityResolver identities;
    private final DiskResolver disks;
    private final RequestHandler handler;
    private final Options options;
    private final Set<HelperConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Thread> threads = ConcurrentHashMap.newKeySet();
    private final AtomicLong accepted = new AtomicLong();
    private volatile boolean stopping;
    private Thread acceptor;

    public HelperServer(UnixServerSocket socket, IdentityResolver identities, DiskResolver disks,
            RequestHandler handler, Options options) {
        this.socket = socket;
        this.identities = identities;
        this.disks = disks;
        this.handler = handler;
        this.options = options;
    }

    public synchronized void start() {
        if (acceptor != null) {
            throw new IllegalStateException("already started");
        }
        acceptor = new Thread(this::acceptLoop, "prsidecar-accept");
        acceptor.start();
    }

    public int activeConnections() {
        return connections.size();
    }

    private void acceptLoop() {
        while (!stopping) {
            UnixConnection c;
            try {
                c = socket.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                LOG.log(Level.ERROR, "accept on " + socket.path() + " failed: " + e.getMessage() + "; retrying");
                sleepQuietly(100);
                continue;
            }
            admit(c);
        }
    }

    private void admit(UnixConnection c) {
        PeerIdentity who;
        PeerCredentials peer;
        try {
            peer = c.peerCredentials();
            if (!options.allows(peer)) {
                LOG.log(Level.WARNING, "refused a connection from pid " + peer.pid() + ": uid " + peer.uid()
                        + " gid " + peer.gid() + " is not in the allow-list (allow-uids/allow-gids)");
                c.close();
                return;
            }
            who = identities.resolve(peer);
        } catch (IdentityException | IOException e) {
            LOG.log(Level.WARNING, "refused a connection: " + e.getMessage());
            c.close();
            return;
        }
        if (connections.size() >= options.maxConnections()) {
            LOG.log(Level.WARNING, "refused a connection from " + who.description() + ": already serving "
                    + connections.size() + " connections (max-connections)");
            c.close();
            return;
        }
        long n = accepted.incrementAndGet();
        HelperConnection[] self = new HelperConnection[1];
        Thread[] thread = new Thread[1];
        HelperConnection hc = new HelperConnection(c, who, peer.uid(), disks, handler, options.frameTimeout(),
                () -> {
            connections.remove(self[0]);
            threads.remove(thread[0]);
        });
        self[0] = hc;
        connections.add(hc);
        thread[0] = new Thread(hc, "prsidecar-conn-" + n);
        threads.add(thread[0]);
        LOG.log(Level.INFO, "initiator " + who.initiator() + ": connected (" + who.description() + ")");
        if (stopping) {
            hc.stop();
        }
        thread[0].start();
    }

    /**
     * Stops accepting, lets each command in flight finish (up to {@code grace}), closes
     * every connection. Idempotent.
     */
    public void stop(Duration grace) {
        stopping = true;
        try {
            if (socket.closeAndUnlink()) {
                LOG.log(Level.INFO, "removed socket " + socket.path());
            }
        } catch (IOException e) {
            LOG.log(Level.WARNING, "could not remove socket " + socket.path() + ": " + e.getMessage());
        }
        connections.forEach(HelperConnection::stop);
        long deadline = System.nanoTime() + grace.toNanos();
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                try {
                    t.join(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
        }
        if (!threads.isEmpty()) {
            LOG.log(Level.WARNING, threads.size() + " connection(s) still busy after " + grace.toMillis()
                    + " ms; closing them");
            connections.forEach(HelperConnection::forceClose);
        }
        Thread a = acceptor;
        if (a != null) {
            try {
                a.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        stop(Duration.ofSeconds(10));
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
