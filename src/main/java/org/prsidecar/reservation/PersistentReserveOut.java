package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.RegisterAndMoveParameterList;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.TransportId;

/**
 * The PR OUT service actions (SPC reference section 2), one method each. Check order
 * (reference 2): unknown service action, parameter list length, registration and
 * reservation key, access, fields, action. A command that fails leaves the table as it was.
 */
final class PersistentReserveOut {

    private final ReservationTable table;
    private final Request request;
    private final Nexus nexus;
    private final PersistentReserveOutCdb cdb;
    private final int maxRegistrations;

    private PersistentReserveOut(ReservationTable table, Request request, PersistentReserveOutCdb cdb,
            int maxRegistrations) {
        this.table = table;
        this.request = request;
        this.nexus = request.nexus();
        this.cdb = cdb;
        this.maxRegistrations = maxRegistrations;
    }

    static Outcome execute(ReservationTable table, Request request, int maxRegistrations) {
        try {
            PersistentReserveOutCdb cdb = PersistentReserveOutCdb.decode(request.cdbBytes());
            return new PersistentReserveOut(table, request, cdb, maxRegistrations).run();
        } catch (ScsiException e) {
            return PersistentReservations.fromException(table, e);
        }
    }

    private Outcome run() throws ScsiException {
        if (cdb.serviceAction() == PrOutServiceAction.REPLACE_LOST_RESERVATION) {
            // reference 2.7 Decision: RLR_C=0, prsidecar never reports a lost reservation
            throw ScsiException.invalidFieldInCdb("REPLACE LOST RESERVATION is not supported (RLR_C=0)");
        }
        byte[] params = request.parameterBytes();
        // reference 7.7: bytes 5-8 must agree with the bytes transferred (QEMU frames by 7-8)
        if (cdb.parameterListLength() != params.length) {
            throw ScsiException.parameterListLengthError("PARAMETER LIST LENGTH " + cdb.parameterListLength()
                    + " in the CDB, " + params.length + " bytes transferred");
        }
        if (cdb.serviceAction() == PrOutServiceAction.REGISTER_AND_MOVE) {
            return registerAndMove(RegisterAndMoveParameterList.decode(params));
        }
        BasicParameterList p = BasicParameterList.decode(params);
        if (p.specifyInitiatorPorts() && cdb.serviceAction() != PrOutServiceAction.REGISTER) {
            // reference 7.2: SPEC_I_PT only with REGISTER (from an unregistered nexus, checked there)
            throw ScsiException.invalidFieldInParameterList("SPEC_I_PT is not allowed with " + cdb.serviceAction());
        }
        return switch (cdb.serviceAction()) {
            case REGISTER -> register(p, false);
            case REGISTER_AND_IGNORE_EXISTING_KEY -> register(p, true);
            case RESERVE -> reserve(p);
            case RELEASE -> release(p);
            case CLEAR -> clear(p);
            case PREEMPT -> preempt(p, false);
            case PREEMPT_AND_ABORT -> preempt(p, true);
            case REGISTER_AND_MOVE, REPLACE_LOST_RESERVATION -> throw new AssertionError("handled above");
        };
    }

    // ---------------------------------------------------------------- 2.1 REGISTER and RIEK

    private Outcome register(BasicParameterList p, boolean ignoreExistingKey) throws ScsiException {
        String sa = ignoreExistingKey ? "REGISTER AND IGNORE EXISTING KEY" : "REGISTER";
        Optional<Registration> own = table.registration(nexus);
        if (!ignoreExistingKey) {
            if (own.isEmpty() && p.reservationKey() != 0) {
                return conflict(sa + " from an unregistered nexus with RK " + hex(p.reservationKey())
                        + " (must be 0)");
            }
            if (own.isPresent() && p.reservationKey() != own.get().key()) {
                if (isMigrationReplay(own.get(), p)) {
                    return good(table.toBuilder().register(own.get().withClient(request.client())).build(),
                            "REGISTER replayed by another process of the same initiator (live migration): key "
                                    + hex(own.get().key()) + " kept");
                }
                return conflict(sa + " with RK " + hex(p.reservationKey()) + ", but the registered key is "
                        + hex(own.get().key()));
            }
        }
        if (p.specifyInitiatorPorts() && own.isPresent()) {
            // reference 7.2: SPEC_I_PT only from an unregistered nexus
            throw ScsiException.invalidFieldInParameterList("SPEC_I_PT from a nexus that is already registered");
        }
        long sark = p.serviceActionKey();
        if (own.isEmpty()) {
            if (sark == 0) {
                return good(table, sa + " of key 0 from an unregistered nexus: nothing to do");
            }
            ReservationTable.Builder b = table.toBuilder()
                    .register(new Registration(nexus, sark, p.allTargetPorts(), request.client()));
            int added = 1 + registerSpecifiedPorts(b, p);
            checkRegistrationLimit(b);
            b.incrementGeneration().aptpl(p.activatePersistThroughPowerLoss());
            return good(b.build(), sa + ": registered key " + hex(sark)
                    + (added > 1 ? " for this nexus and " + (added - 1) + " specified initiator port(s)" : ""));
        }
        ReservationTable.Builder b = table.toBuilder().incrementGeneration().aptpl(p.activatePersistThroughPowerLoss());
        if (sark != 0) {
            b.register(own.get().withKey(sark, request.client()));
            return good(b.build(), sa + ": key " + hex(own.get().key()) + " replaced by " + hex(sark));
        }
        unregister(b, nexus);
        return good(b.build(), sa + ": unregistered key " + hex(own.get().key()));
    }

    /**
     * Reference 7.9: on QEMU >= 11 the migration destination, a new process of the same VM,
     * replays REGISTER with RK=0 and SARK = the key it already has.
     */
    private boolean isMigrationReplay(Registration own, BasicParameterList p) {
        return p.reservationKey() == 0 && p.serviceActionKey() == own.key() && !p.specifyInitiatorPorts()
                && request.client().isPresent() && own.client().isPresent()
                && !request.client().equals(own.client());
    }

    /** SPEC_I_PT (reference 1.2, 7.2, 7.3): all or nothing; returns how many were added. */
    private int registerSpecifiedPorts(ReservationTable.Builder b, BasicParameterList p) throws ScsiException {
        Set<Nexus> specified = new LinkedHashSet<>();
        for (TransportId id : p.transportIds()) {
            if (!(id instanceof IscsiTransportId)) {
                throw ScsiException.invalidFieldInParameterList(
                        "SPEC_I_PT lists a non-iSCSI TransportID, which prsidecar cannot serve: " + id.text());
            }
            Nexus n = Nexus.of(id);
            if (n.equals(nexus)) {
                continue; // the sender itself: registered once, above
            }
            if (table.isRegistered(n)) {
                throw ScsiException.invalidFieldInParameterList("SPEC_I_PT lists " + n + ", which is already registered");
            }
            specified.add(n);
        }
        for (Nexus n : specified) {
            b.register(new Registration(n, p.serviceActionKey(), p.allTargetPorts(), Optional.empty()));
        }
        return specified.size();
    }

    private void checkRegistrationLimit(ReservationTable.Builder b) throws ScsiException {
        if (b.registrations().size() > maxRegistrations) {
            throw ScsiException.checkCondition(SenseData.INSUFFICIENT_REGISTRATION_RESOURCES,
                    "more than " + maxRegistrations + " registrations");
        }
    }

    /** Removes a registration with its effect on the reservation (reference 2.1). */
    private static void unregister(ReservationTable.Builder b, Nexus leaving) {
        b.unregister(leaving);
        Optional<Reservation> res = b.reservation();
        if (res.isEmpty()) {
            return;
        }
        ReservationType type = res.get().type();
        if (type.allRegistrants()) {
            if (b.registrations().isEmpty()) {
                b.reservation(Optional.empty()); // the last registrant leaving releases it
            }
        } else if (res.get().holder().orElseThrow().equals(leaving)) {
            b.reservation(Optional.empty());
            if (type.registrantsOnly()) {
                queueForAll(b, SenseData.RESERVATIONS_RELEASED, leaving);
            }
        }
    }

    // ---------------------------------------------------------------- 2.2 RESERVE

    private Outcome reserve(BasicParameterList p) throws ScsiException {
        Registration own = requireRegistered(p);
        Optional<Reservation> res = table.reservation();
        if (res.isPresent() && !table.isHolder(nexus)) {
            return conflict("RESERVE by " + nexus + ", but " + describe(res.get()) + " exists");
        }
        ReservationType type = requireTypeAndScope();
        if (res.isPresent()) {
            if (res.get().type() == type) {
                return good(table, "RESERVE: already holds " + describe(res.get()));
            }
            return conflict("RESERVE of type " + type.code() + " by the holder of " + describe(res.get()));
        }
        ReservationTable.Builder b = table.toBuilder().reservation(Optional.of(Reservation.of(type, nexus)));
        touch(b, own);
        return good(b.build(), "RESERVE: " + type.title() + " (type " + type.code() + ") reserved");
    }

    // ---------------------------------------------------------------- 2.3 RELEASE

    private Outcome release(BasicParameterList p) throws ScsiException {
        Registration own = requireRegistered(p);
        Optional<Reservation> res = table.reservation();
        if (res.isEmpty()) {
            return good(table, "RELEASE: no reservation, nothing to do");
        }
        if (!table.isHolder(nexus)) {
            return good(table, "RELEASE by a registrant that does not hold " + describe(res.get()) + ": nothing to do");
        }
        ReservationType type = requireTypeAndScope();
        if (type != res.get().type()) {
            throw ScsiException.checkCondition(SenseData.INVALID_RELEASE_OF_PERSISTENT_RESERVATION,
                    "RELEASE of type " + type.code() + ", but the reservation is type " + res.get().type().code());
        }
        ReservationTable.Builder b = table.toBuilder().reservation(Optional.empty());
        if (type.registrantsOnly() || type.allRegistrants()) {
            queueForAll(b, SenseData.RESERVATIONS_RELEASED, nexus);
        }
        touch(b, own);
        return good(b.build(), "RELEASE: " + describe(res.get()) + " released");
    }

    // ---------------------------------------------------------------- 2.4 CLEAR

    private Outcome clear(BasicParameterList p) throws ScsiException {
        requireRegistered(p);
        ReservationTable.Builder b = table.toBuilder();
        for (Registration r : table.registrations()) {
            if (!r.nexus().equals(nexus)) {
                b.queueUnitAttention(r.nexus(), SenseData.RESERVATIONS_PREEMPTED);
            }
        }
        b.clearRegistrations().reservation(Optional.empty()).incrementGeneration();
        return good(b.build(), "CLEAR: " + table.registrationCount() + " registration(s) and "
                + table.reservation().map(PersistentReserveOut::describe).orElse("no reservation") + " cleared");
    }

    // ---------------------------------------------------------------- 2.5 PREEMPT (AND ABORT)

    private Outcome preempt(BasicParameterList p, boolean abort) throws ScsiException {
        Registration own = requireRegistered(p);
        String sa = abort ? "PREEMPT AND ABORT" : "PREEMPT";
        long sark = p.serviceActionKey();
        Optional<Reservation> res = table.reservation();
        ReservationTable.Builder b = table.toBuilder();
        List<Nexus> removed;
        String what;
        if (res.isEmpty()) {
            if (sark == 0) {
                throw ScsiException.invalidFieldInParameterList(sa + " of key 0 with no reservation");
            }
            removed = removeKey(b, sark);
            if (removed.isEmpty()) {
                return conflict(sa + ": no other registration has key " + hex(sark));
            }
            what = "removed " + removed.size() + " registration(s) of key " + hex(sark);
        } else {
            Reservation current = res.get();
            ReservationType type = requireTypeAndScope(); // reference 7.1: checked only when reserved
            if (current.type().allRegistrants()) {
                if (sark == 0) {
                    removed = removeAllOthers(b);
                    b.reservation(Optional.of(Reservation.of(type, nexus)));
                    what = "removed every other registration (" + removed.size() + ") and took "
                            + describe(b.reservation().orElseThrow());
                } else {
                    removed = removeKey(b, sark);
                    if (removed.isEmpty() && sark != own.key()) {
                        return conflict(sa + ": no other registration has key " + hex(sark));
                    }
                    // reference 7.9: a holder preempting its own key alone keeps the reservation
                    what = "removed " + removed.size() + " registration(s) of key " + hex(sark)
                            + "; " + describe(current) + " stays";
                }
            } else {
                long holderKey = table.registration(current.holder().orElseThrow()).orElseThrow().key();
                if (sark == 0) {
                    throw ScsiException.invalidFieldInParameterList(sa + " of key 0 while " + describe(current)
                            + " exists");
                }
                removed = removeKey(b, sark);
                if (sark == holderKey) {
                    Reservation next = Reservation.of(type, nexus);
                    b.reservation(Optional.of(next));
                    if (next.type() != current.type() || next.scope() != current.scope()) {
                        queueForAll(b, SenseData.RESERVATIONS_RELEASED, nexus);
                    }
                    what = "removed " + removed.size() + " registration(s) of key " + hex(sark) + " and took "
                            + describe(next);
                } else {
                    if (removed.isEmpty()) {
                        return conflict(sa + ": no other registration has key " + hex(sark));
                    }
                    what = "removed " + removed.size() + " registration(s) of key " + hex(sark) + "; "
                            + describe(current) + " stays";
                }
            }
        }
        for (Nexus n : removed) {
            b.queueUnitAttention(n, SenseData.REGISTRATIONS_PREEMPTED);
            if (abort) {
                // reference 2.5 Decision: nothing to abort here, but the UA is owed (7.5: after 2A/05)
                b.queueUnitAttention(n, SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
            }
        }
        b.incrementGeneration();
        touch(b, own);
        return good(b.build(), sa + ": " + what);
    }

    /** Removes every registration with {@code key} except the caller's; returns their nexuses. */
    private List<Nexus> removeKey(ReservationTable.Builder b, long key) {
        List<Nexus> removed = new ArrayList<>();
        for (Registration r : table.registrations()) {
            if (r.key() == key && !r.nexus().equals(nexus)) {
                removed.add(r.nexus());
            }
        }
        // plain removal: what happens to the reservation is PREEMPT's own rule, not unregistration's
        for (Nexus n : removed) {
            b.unregister(n);
        }
        return removed;
    }

    private List<Nexus> removeAllOthers(ReservationTable.Builder b) {
        List<Nexus> removed = new ArrayList<>();
        for (Registration r : table.registrations()) {
            if (!r.nexus().equals(nexus)) {
                removed.add(r.nexus());
                b.unregister(r.nexus());
            }
        }
        return removed;
    }

    // ---------------------------------------------------------------- 2.6 REGISTER AND MOVE

    private Outcome registerAndMove(RegisterAndMoveParameterList p) throws ScsiException {
        Registration own = requireRegistered(p.reservationKey());
        if (p.serviceActionKey() == 0) {
            throw ScsiException.invalidFieldInParameterList("REGISTER AND MOVE with SARK 0");
        }
        Reservation res = table.reservation().orElseThrow(() ->
                ScsiException.invalidFieldInCdb("REGISTER AND MOVE with no reservation to move"));
        if (res.type().allRegistrants() || !table.isHolder(nexus)) {
            return conflict("REGISTER AND MOVE by " + nexus + ", which does not hold " + describe(res)
                    + (res.type().allRegistrants() ? " (all-registrants reservations cannot move)" : ""));
        }
        if (p.relativeTargetPortId() != Nexus.TARGET_PORT) {
            throw ScsiException.invalidFieldInParameterList("REGISTER AND MOVE to relative target port "
                    + p.relativeTargetPortId() + "; the only target port is " + Nexus.TARGET_PORT);
        }
        if (!(p.destination() instanceof IscsiTransportId)) {
            throw ScsiException.invalidFieldInParameterList(
                    "REGISTER AND MOVE to a non-iSCSI TransportID, which prsidecar cannot serve: " + p.destination());
        }
        Nexus dest = new Nexus(p.destination(), p.relativeTargetPortId());
        if (dest.equals(nexus)) {
            throw ScsiException.invalidFieldInParameterList("REGISTER AND MOVE to the sender itself");
        }
        ReservationTable.Builder b = table.toBuilder();
        b.register(table.registration(dest).map(r -> r.withKey(p.serviceActionKey(), Optional.empty()))
                .orElseGet(() -> new Registration(dest, p.serviceActionKey())));
        checkRegistrationLimit(b);
        b.reservation(Optional.of(new Reservation(res.type(), res.scope(), Optional.of(dest))));
        if (p.unregister()) {
            b.unregister(nexus);
        } else {
            touch(b, own);
        }
        b.incrementGeneration().aptpl(p.activatePersistThroughPowerLoss());
        return good(b.build(), "REGISTER AND MOVE: " + describe(res) + " moved to " + dest + " with key "
                + hex(p.serviceActionKey()) + (p.unregister() ? "; sender unregistered" : ""));
    }

    // ---------------------------------------------------------------- shared checks

    private Registration requireRegistered(BasicParameterList p) throws ScsiException {
        return requireRegistered(p.reservationKey());
    }

    /** Reference 1.2: RK must be this nexus's registered key, whatever the service action. */
    private Registration requireRegistered(long rk) throws ScsiException {
        Optional<Registration> own = table.registration(nexus);
        if (own.isEmpty()) {
            throw new Conflict(cdb.serviceAction() + " from " + nexus + ", which is not registered");
        }
        if (own.get().key() != rk) {
            throw new Conflict(cdb.serviceAction() + " with RK " + hex(rk) + ", but the registered key is "
                    + hex(own.get().key()));
        }
        return own.get();
    }

    /** Reference 7.1: scope must be LU_SCOPE and TYPE a defined type, else 24/00. */
    private ReservationType requireTypeAndScope() throws ScsiException {
        if (cdb.scope() != PersistentReserveOutCdb.LU_SCOPE) {
            throw ScsiException.invalidFieldInCdb("SCOPE " + cdb.scope() + " is not LU_SCOPE (0)");
        }
        return cdb.type().orElseThrow(() -> ScsiException.invalidFieldInCdb("TYPE " + cdb.typeCode() + " is reserved"));
    }

    /** The caller is active on this nexus: remember which process it is (reference 7.9). */
    private void touch(ReservationTable.Builder b, Registration own) {
        b.registration(own.nexus()).ifPresent(r -> b.register(r.withClient(request.client())));
    }

    private static void queueForAll(ReservationTable.Builder b, SenseData ua, Nexus except) {
        for (Registration r : b.registrations()) {
            if (!r.nexus().equals(except)) {
                b.queueUnitAttention(r.nexus(), ua);
            }
        }
    }

    private Outcome good(ReservationTable after, String detail) {
        return Outcome.good(table, after, detail);
    }

    private Outcome conflict(String detail) {
        return Outcome.conflict(table, detail);
    }

    static String describe(Reservation r) {
        return r.type().title() + " (type " + r.type().code() + ") reservation"
                + r.holder().map(h -> " of " + h).orElse(" of all registrants");
    }

    static String hex(long key) {
        return String.format("0x%x", key);
    }

    /** RESERVATION CONFLICT raised from a shared check; carries no sense. */
    static final class Conflict extends ScsiException {
        private static final long serialVersionUID = 1L;

        Conflict(String message) {
            super(org.prsidecar.scsi.ScsiStatus.RESERVATION_CONFLICT, null, message);
        }
    }
}
