package org.prsidecar.store;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Request;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReservationType;

/**
 * Child process of {@link SidecarContentionTest}: one initiator sending PR OUT commands to
 * one shared sidecar through {@link SidecarStore#update} and the engine, as a helper would.
 * {@code SIDECAR DISK_ID INDEX MIN_CHANGES LOG_FILE SEED}.
 *
 * <p>Prints READY, waits for a line on stdin, then loops until at least MIN_CHANGES of its
 * commands changed the table (a revision written). Each acknowledged command is logged:
 *
 * <pre>
 * C index seq revisionBefore revisionWritten(-1: none) status generationBefore generationAfter cdbHex paramsHex
 * R index seq revision sha256(table)      (a read through the shared-lock path)
 * B index seq                             (BUSY: the lock deadline passed; retried, not counted)
 * END changes generationChanges busy
 * </pre>
 *
 * The revision a command sees is read from the sidecar inside the update, under the
 * store's exclusive lock (a plain read: no second lock), so it is exact.
 */
public final class ContentionWriterMain {
    private ContentionWriterMain() {
    }

    static Nexus initiator(int index) {
        return Nexus.iscsi("iqn.2026-11.org.prsidecar.contention:p" + index);
    }

    static String digest(ReservationTable t) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(t.toString().getBytes(StandardCharsets.UTF_8)), 0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Acked(long revisionBefore, Request request, Outcome outcome, ReservationTable before) {
    }

    public static void main(String[] args) throws Exception {
        Disk disk = new Disk(args[1], Path.of(args[0]));
        int index = Integer.parseInt(args[2]);
        int minChanges = Integer.parseInt(args[3]);
        Path log = Path.of(args[4]);
        Random random = new Random(Long.parseLong(args[5]));
        Nexus me = initiator(index);
        PersistentReservations engine = new PersistentReservations();
        // a short deadline, so that contention produces BUSY answers to retry
        SidecarStore store = StoreFixtures.store(Duration.ofMillis(150));
        long[] nextKey = {((long) index + 1) << 40};

        System.out.println("READY");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII));
        if (in.readLine() == null) {
            return;
        }
        int changes = 0;
        int generationChanges = 0;
        int busy = 0;
        long seq = 0;
        try (BufferedWriter out = Files.newBufferedWriter(log)) {
            while (changes < minChanges) {
                seq++;
                if (seq % 8 == 0) {
                    try {
                        Optional<SidecarDocument> d = store.readDocument(disk);
                        out.write("R " + index + " " + seq + " " + d.map(SidecarDocument::revision).orElse(0L) + " "
                                + digest(d.map(SidecarDocument::table).orElse(ReservationTable.empty())) + "\n");
                    } catch (StoreException e) {
                        if (e.kind() != StoreException.Kind.LOCK_TIMEOUT) {
                            throw e;
                        }
                        busy++;
                        out.write("B " + index + " " + seq + "\n");
                    }
                    continue;
                }
                Acked a;
                try {
                    a = store.update(disk, t -> {
                        long revision = currentRevision(disk);
                        Request r = choose(t, me, random, nextKey);
                        Outcome o = engine.execute(t, r);
                        return new TableStore.Change<>(o.table(), new Acked(revision, r, o, t));
                    }).result();
                } catch (StoreException e) {
                    if (e.kind() != StoreException.Kind.LOCK_TIMEOUT) {
                        throw e;
                    }
                    busy++;
                    out.write("B " + index + " " + seq + "\n");
                    continue;
                }
                boolean written = a.outcome().table() != a.before();
                int gBefore = a.before().generation();
                int gAfter = a.outcome().table().generation();
                if (written) {
                    changes++;
                }
                if (gBefore != gAfter) {
                    generationChanges++;
                }
                out.write("C " + index + " " + seq + " " + a.revisionBefore() + " "
                        + (written ? a.revisionBefore() + 1 : -1) + " " + a.outcome().status() + " "
                        + Integer.toUnsignedString(gBefore) + " " + Integer.toUnsignedString(gAfter) + " "
                        + HexFormat.of().formatHex(a.request().cdb()) + " "
                        + HexFormat.of().formatHex(a.request().parameterList()) + "\n");
            }
            out.write("END " + changes + " " + generationChanges + " " + busy + "\n");
        }
    }

    /** The revision on disk right now: only called under the store's exclusive lock. */
    private static long currentRevision(Disk disk) {
        try {
            byte[] b = Files.readAllBytes(disk.sidecar());
            return b.length == 0 ? 0 : SidecarFormat.decode(b, disk.id()).revision();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the revision under the lock", e);
        }
    }

    private static final ReservationType[] TYPES = ReservationType.values();

    /** The next command of this initiator, given the table it is about to run against. */
    static Request choose(ReservationTable t, Nexus me, Random random, long[] nextKey) {
        Optional<Registration> own = t.registration(me);
        ReservationType type = TYPES[random.nextInt(TYPES.length)];
        if (own.isEmpty()) {
            long k = ++nextKey[0];
            return random.nextInt(10) < 7 ? StoreFixtures.register(me, 0, k) : StoreFixtures.registerAndIgnore(me, k);
        }
        long key = own.get().key();
        int r = random.nextInt(100);
        if (r < 15) {
            return StoreFixtures.registerAndIgnore(me, ++nextKey[0]);
        }
        if (r < 30) {
            return StoreFixtures.register(me, key, ++nextKey[0]);
        }
        if (r < 50) {
            return StoreFixtures.reserve(me, key, type);
        }
        if (r < 62) {
            return StoreFixtures.release(me, key, t.reservation().map(x -> x.type()).orElse(type));
        }
        if (r < 92) {
            List<Long> others = new ArrayList<>();
            for (Registration reg : t.registrations()) {
                if (!reg.nexus().equals(me)) {
                    others.add(reg.key());
                }
            }
            // mostly a key someone holds; sometimes a stale one (RESERVATION CONFLICT)
            long victim = others.isEmpty() || random.nextInt(6) == 0 ? nextKey[0] + 1000 + random.nextInt(9)
                    : others.get(random.nextInt(others.size()));
            PrOutServiceAction sa = r < 85 ? PrOutServiceAction.PREEMPT : PrOutServiceAction.PREEMPT_AND_ABORT;
            return StoreFixtures.out(me, sa, t.reservation().isPresent() && random.nextBoolean()
                    ? t.reservation().get().type() : type, key, victim);
        }
        if (r < 97) {
            return StoreFixtures.register(me, key, 0);
        }
        return StoreFixtures.clear(me, key);
    }
}
