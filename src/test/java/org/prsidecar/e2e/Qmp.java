package org.prsidecar.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A small QMP client over QEMU's Unix socket (JDK 16+ AF_UNIX channels, no native code). A reader thread
 * sorts what QEMU sends into replies and asynchronous events, so {@link #execute} and
 * {@link #awaitEvent} both have deadlines and never hang a test.
 */
public final class Qmp implements AutoCloseable {

    /** One entry of {@code query-pr-managers}. */
    public record PrManager(String id, boolean connected) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration REPLY_TIMEOUT = Duration.ofSeconds(10);
    private static final JsonNode CLOSED = JSON.createObjectNode().put("closed", true);

    private final Path path;
    private final SocketChannel channel;
    private final BlockingQueue<JsonNode> replies = new LinkedBlockingQueue<>();
    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final Object eventSignal = new Object();
    private final Thread reader;

    private Qmp(Path path, SocketChannel channel) {
        this.path = path;
        this.channel = channel;
        this.reader = new Thread(this::readLoop, "qmp-reader " + path.getFileName());
        reader.setDaemon(true);
        reader.start();
    }

    /** Connects (retrying until {@code wait} runs out while QEMU has not created the socket yet) and negotiates. */
    public static Qmp connect(Path socket, Duration wait) {
        long deadline = System.nanoTime() + wait.toNanos();
        IOException last = null;
        while (true) {
            SocketChannel ch = null;
            try {
                ch = SocketChannel.open(StandardProtocolFamily.UNIX);
                ch.connect(UnixDomainSocketAddress.of(socket));
                Qmp q = new Qmp(socket, ch);
                q.handshake();
                return q;
            } catch (IOException e) {
                last = e;
                closeQuietly(ch);
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("cannot connect to QMP at " + socket + " within " + wait.toSeconds()
                        + " s: " + last, last);
            }
            Exec.pause(50);
        }
    }

    private void handshake() {
        JsonNode greeting = nextReply();
        if (!greeting.has("QMP")) {
            throw new AssertionError("QMP at " + path + " greeted with " + greeting);
        }
        execute("qmp_capabilities");
    }

    /** Runs a command without arguments and returns its {@code return} value. */
    public JsonNode execute(String command) {
        return execute(command, null);
    }

    /** Runs a command and returns its {@code return} value; a QMP {@code error} fails the test. */
    public synchronized JsonNode execute(String command, Map<String, ?> arguments) {
        ObjectNode req = JSON.createObjectNode().put("execute", command);
        if (arguments != null) {
            req.set("arguments", JSON.valueToTree(arguments));
        }
        send(req);
        JsonNode reply = nextReply();
        if (reply.has("error")) {
            throw new AssertionError("QMP " + command + " failed: " + reply.get("error"));
        }
        if (!reply.has("return")) {
            throw new AssertionError("QMP " + command + ": unexpected reply " + reply);
        }
        return reply.get("return");
    }

    /** {@code query-pr-managers}: each pr-manager object and whether QEMU is connected to its helper. */
    public List<PrManager> queryPrManagers() {
        List<PrManager> list = new ArrayList<>();
        for (JsonNode m : execute("query-pr-managers")) {
            list.add(new PrManager(m.path("id").asText(), m.path("connected").asBoolean()));
        }
        return list;
    }

    /** Every asynchronous event received so far, oldest first. */
    public List<JsonNode> events() {
        return List.copyOf(events);
    }

    /**
     * Waits for an event named {@code name} (e.g. {@code PR_MANAGER_STATUS_CHANGED}) whose {@code data}
     * contains every field of {@code data}, received at any time since connecting; fails after
     * {@code timeout}.
     */
    public JsonNode awaitEvent(String name, Map<String, ?> data, Duration timeout) {
        JsonNode want = JSON.valueToTree(data);
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (eventSignal) {
            while (true) {
                for (JsonNode e : events) {
                    if (name.equals(e.path("event").asText()) && matches(e.path("data"), want)) {
                        return e;
                    }
                }
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0 || !reader.isAlive()) {
                    throw new AssertionError("no QMP event " + name + " " + want + " within " + timeout.toSeconds()
                            + " s from " + path + "; events seen: " + events);
                }
                try {
                    eventSignal.wait(Math.min(left, 200));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted waiting for QMP event " + name, ie);
                }
            }
        }
    }

    private static boolean matches(JsonNode data, JsonNode want) {
        for (Map.Entry<String, JsonNode> f : want.properties()) {
            if (!f.getValue().equals(data.get(f.getKey()))) {
                return false;
            }
        }
        return true;
    }

    private void send(JsonNode msg) {
        ByteBuffer b = ByteBuffer.wrap((msg.toString() + "\n").getBytes(StandardCharsets.UTF_8));
        try {
            while (b.hasRemaining()) {
                channel.write(b);
            }
        } catch (IOException e) {
            throw new AssertionError("QMP write to " + path + " failed: " + e, e);
        }
    }

    private JsonNode nextReply() {
        try {
            JsonNode r = replies.poll(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            if (r == null) {
                throw new AssertionError("QMP at " + path + " did not answer within " + REPLY_TIMEOUT.toSeconds() + " s");
            }
            if (r == CLOSED) {
                replies.add(CLOSED);             // every later call sees it too
                throw new AssertionError("QMP connection " + path + " closed (QEMU exited?)");
            }
            return r;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted waiting for QMP", e);
        }
    }

    /** Reads newline-delimited JSON until EOF; raw channel reads, so writes from other threads never block on it. */
    private void readLoop() {
        ByteBuffer buf = ByteBuffer.allocate(64 * 1024);
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        try {
            while (channel.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    byte c = buf.get();
                    if (c == '\n') {
                        dispatch(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                    } else {
                        line.write(c);
                    }
                }
                buf.clear();
            }
        } catch (IOException e) {
            // closed by close() or by QEMU exiting
        } finally {
            replies.add(CLOSED);
            synchronized (eventSignal) {
                eventSignal.notifyAll();
            }
        }
    }

    private void dispatch(String text) {
        if (text.isBlank()) {
            return;
        }
        JsonNode msg;
        try {
            msg = JSON.readTree(text);
        } catch (IOException e) {
            msg = JSON.createObjectNode().put("error", "unparseable QMP line: " + text);
        }
        if (msg.has("event")) {
            events.add(msg);
            synchronized (eventSignal) {
                eventSignal.notifyAll();
            }
        } else {
            replies.add(msg);
        }
    }

    @Override
    public void close() {
        closeQuietly(channel);
        try {
            reader.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        if (ch != null) {
            try {
                ch.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }
}
