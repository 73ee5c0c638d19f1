package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;

/**
 * The persistent-reservation state of one logical unit (SPC reference 2): registrations in
 * the order they were made, the reservation, PRgeneration, APTPL and the unit attentions
 * pending per nexus (reference 7.5: they are part of the table). Immutable; the engine makes
 * new tables through {@link Builder}.
 *
 * <p>The constructor enforces the structural invariants of reference section 5 (1 and 2):
 * keys are never 0, one registration per nexus, a reservation exists only while someone is
 * registered and a single holder is registered.
 */
public final class ReservationTable {

    private static final ReservationTable EMPTY =
            new ReservationTable(0, false, new LinkedHashMap<>(), Optional.empty(), new LinkedHashMap<>());

    private final int generation;
    private final boolean aptpl;
    private final Map<Nexus, Registration> registrations;
    private final Optional<Reservation> reservation;
    private final Map<Nexus, List<SenseData>> unitAttentions;

    /** Takes ownership of both maps (callers pass fresh copies). */
    private ReservationTable(int generation, boolean aptpl, LinkedHashMap<Nexus, Registration> registrations,
            Optional<Reservation> reservation, LinkedHashMap<Nexus, List<SenseData>> unitAttentions) {
        this.generation = generation;
        this.aptpl = aptpl;
        this.registrations = Collections.unmodifiableMap(registrations);
        this.reservation = Objects.requireNonNull(reservation, "reservation");
        this.unitAttentions = Collections.unmodifiableMap(unitAttentions);
        checkInvariants();
    }

    /** A fresh disk: generation 0, nothing registered or reserved, APTPL off (reference 7.4). */
    public static ReservationTable empty() {
        return EMPTY;
    }

    /**
     * A table from its parts, e.g. as read back from storage.
     *
     * @throws IllegalArgumentException if the parts break an invariant (say which)
     */
    public static ReservationTable of(int generation, boolean aptpl, List<Registration> registrations,
            Optional<Reservation> reservation, Map<Nexus, List<SenseData>> unitAttentions) {
        LinkedHashMap<Nexus, Registration> regs = new LinkedHashMap<>();
        for (Registration r : registrations) {
            if (regs.put(r.nexus(), r) != null) {
                throw new IllegalArgumentException("two registrations for " + r.nexus());
            }
        }
        LinkedHashMap<Nexus, List<SenseData>> uas = new LinkedHashMap<>();
        unitAttentions.forEach((n, l) -> uas.put(n, List.copyOf(l)));
        return new ReservationTable(generation, aptpl, regs, reservation, uas);
    }

    private void checkInvariants() {
        registrations.forEach((n, r) -> {
            if (!n.equals(r.nexus())) {
                throw new IllegalArgumentException("registration of " + r.nexus() + " filed under " + n);
            }
        });
        reservation.ifPresent(res -> {
            if (registrations.isEmpty()) {
                throw new IllegalArgumentException("a reservation without registrations");
            }
            res.holder().ifPresent(h -> {
                if (!registrations.containsKey(h)) {
                    throw new IllegalArgumentException("reservation holder " + h + " is not registered");
                }
            });
        });
        unitAttentions.forEach((n, l) -> {
            if (l.isEmpty()) {
                throw new IllegalArgumentException("empty unit attention queue for " + n);
            }
            for (SenseData s : l) {
                if (s.key() != SenseKey.UNIT_ATTENTION) {
                    throw new IllegalArgumentException("not a unit attention for " + n + ": " + s);
                }
            }
        });
    }

    /** PRgeneration: a 32-bit counter that wraps; print with {@link Integer#toUnsignedString}. */
    public int generation() {
        return generation;
    }

    /** The APTPL bit of the last registration change (reference 7.6). */
    public boolean aptpl() {
        return aptpl;
    }

    /** Registrations in the order they were made (READ KEYS and READ FULL STATUS use it). */
    public Collection<Registration> registrations() {
        return registrations.values();
    }

    public int registrationCount() {
        return registrations.size();
    }

    public Optional<Registration> registration(Nexus nexus) {
        return Optional.ofNullable(registrations.get(nexus));
    }

    public boolean isRegistered(Nexus nexus) {
        return registrations.containsKey(nexus);
    }

    public Optional<Reservation> reservation() {
        return reservation;
    }

    /** Whether {@code nexus} holds the reservation: its holder, or any registrant for types 7/8. */
    public boolean isHolder(Nexus nexus) {
        return reservation.map(r -> r.holder().map(nexus::equals).orElse(registrations.containsKey(nexus)))
                .orElse(false);
    }

    /** Unit attentions waiting per nexus, oldest first. */
    public Map<Nexus, List<SenseData>> unitAttentions() {
        return unitAttentions;
    }

    public List<SenseData> unitAttentions(Nexus nexus) {
        return unitAttentions.getOrDefault(nexus, List.of());
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ReservationTable t && generation == t.generation && aptpl == t.aptpl
                && new ArrayList<>(registrations.values()).equals(new ArrayList<>(t.registrations.values()))
                && reservation.equals(t.reservation) && unitAttentions.equals(t.unitAttentions);
    }

    @Override
    public int hashCode() {
        return Objects.hash(generation, aptpl, registrations, reservation, unitAttentions);
    }

    @Override
    public String toString() {
        return "ReservationTable[generation=" + Integer.toUnsignedString(generation) + ", aptpl=" + aptpl
                + ", registrations=" + registrations.values() + ", reservation=" + reservation
                + ", unitAttentions=" + unitAttentions + "]";
    }

    /** A mutable working copy; {@link #build()} checks the invariants again. */
    public static final class Builder {
        private int generation;
        private boolean aptpl;
        private LinkedHashMap<Nexus, Registration> registrations;
        private Optional<Reservation> reservation;
        private LinkedHashMap<Nexus, List<SenseData>> unitAttentions;
        /** The maps were handed to a built table (no copy): copy them before the next change. */
        private boolean handedOver;

        private Builder(ReservationTable t) {
            generation = t.generation;
            aptpl = t.aptpl;
            registrations = new LinkedHashMap<>(t.registrations);
            reservation = t.reservation;
            unitAttentions = new LinkedHashMap<>(t.unitAttentions);
        }

        public Builder generation(int g) {
            generation = g;
            return this;
        }

        /** +1, wrapping at 2^32 (reference 2.8). */
        public Builder incrementGeneration() {
            generation++;
            return this;
        }

        public Builder aptpl(boolean a) {
            aptpl = a;
            return this;
        }

        /** Adds a registration, or replaces the nexus's registration in place. */
        public Builder register(Registration r) {
            own();
            registrations.put(r.nexus(), r);
            return this;
        }

        public Builder unregister(Nexus nexus) {
            own();
            registrations.remove(nexus);
            return this;
        }

        public Builder clearRegistrations() {
            own();
            registrations.clear();
            return this;
        }

        public Optional<Registration> registration(Nexus nexus) {
            return Optional.ofNullable(registrations.get(nexus));
        }

        public Collection<Registration> registrations() {
            return Collections.unmodifiableCollection(registrations.values());
        }

        public Builder reservation(Optional<Reservation> r) {
            reservation = Objects.requireNonNull(r, "reservation");
            return this;
        }

        public Optional<Reservation> reservation() {
            return reservation;
        }

        /**
         * Queues a unit attention for {@code nexus}. One already waiting with the same sense is
         * not queued twice: a repeat says nothing new, and this bounds each queue by the
         * number of distinct unit attentions.
         */
        public Builder queueUnitAttention(Nexus nexus, SenseData sense) {
            own();
            List<SenseData> q = unitAttentions.getOrDefault(nexus, List.of());
            if (!q.contains(sense)) {
                List<SenseData> n = new ArrayList<>(q);
                n.add(sense);
                unitAttentions.put(nexus, List.copyOf(n));
            }
            return this;
        }

        /** Removes and returns the oldest unit attention of {@code nexus}. */
        public Optional<SenseData> pollUnitAttention(Nexus nexus) {
            own();
            List<SenseData> q = unitAttentions.get(nexus);
            if (q == null) {
                return Optional.empty();
            }
            if (q.size() == 1) {
                unitAttentions.remove(nexus);
            } else {
                unitAttentions.put(nexus, List.copyOf(q.subList(1, q.size())));
            }
            return Optional.of(q.get(0));
        }

        /** Drops the queues of the oldest nexuses until at most {@code max} nexuses have one. */
        public Builder limitUnitAttentionQueues(int max) {
            own();
            var it = unitAttentions.keySet().iterator();
            while (unitAttentions.size() > max && it.hasNext()) {
                it.next();
                it.remove();
            }
            return this;
        }

        public Builder clearUnitAttentions() {
            own();
            unitAttentions.clear();
            return this;
        }

        /** The table; the builder stays usable (it copies its maps before changing them again). */
        public ReservationTable build() {
            handedOver = true;
            return new ReservationTable(generation, aptpl, registrations, reservation, unitAttentions);
        }

        private void own() {
            if (handedOver) {
                registrations = new LinkedHashMap<>(registrations);
                unitAttentions = new LinkedHashMap<>(unitAttentions);
                handedOver = false;
            }
        }
    }
}
