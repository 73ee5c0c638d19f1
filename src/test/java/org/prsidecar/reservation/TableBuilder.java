package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;

/** Fluent tables for tests: {@code table().registered(A, 0xA).reservedBy(A, WE_RO).build()}. */
final class TableBuilder {
    private int generation;
    private boolean aptpl;
    private final List<Registration> registrations = new ArrayList<>();
    private Optional<Reservation> reservation = Optional.empty();
    private final Map<Nexus, List<SenseData>> unitAttentions = new LinkedHashMap<>();

    static TableBuilder table() {
        return new TableBuilder();
    }

    TableBuilder generation(int g) {
        generation = g;
        return this;
    }

    TableBuilder aptpl() {
        aptpl = true;
        return this;
    }

    TableBuilder registered(Nexus n, long key) {
        registrations.add(new Registration(n, key));
        return this;
    }

    TableBuilder registeredByClient(Nexus n, long key, String client) {
        registrations.add(new Registration(n, key, false, Optional.of(client)));
        return this;
    }

    TableBuilder registeredAllTargetPorts(Nexus n, long key) {
        registrations.add(new Registration(n, key, true, Optional.empty()));
        return this;
    }

    TableBuilder reservedBy(Nexus holder, ReservationType type) {
        reservation = Optional.of(Reservation.of(type, holder));
        return this;
    }

    TableBuilder unitAttention(Nexus n, SenseData sense) {
        unitAttentions.computeIfAbsent(n, k -> new ArrayList<>()).add(sense);
        return this;
    }

    ReservationTable build() {
        return ReservationTable.of(generation, aptpl, registrations, reservation, unitAttentions);
    }

    LogicalUnit lu() {
        return new LogicalUnit(build());
    }
}
