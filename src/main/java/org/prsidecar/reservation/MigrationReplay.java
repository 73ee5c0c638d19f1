package org.prsidecar.reservation;

import java.util.Optional;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ScsiException;

/**
 * SPC reference 7.9: on QEMU >= 11 ({@code migrate-pr}) the migration destination, a new
 * process of the same VM and so the same initiator, replays REGISTER (RK=0, SARK=K) and then
 * PREEMPT (RK=K, SARK=K, the reservation's type) to restore what the source held. On a SAN
 * the destination host is another initiator, with none of the source's unit attentions; here
 * it is the same nexus, so these two commands are executed even when a unit attention waits
 * (it stays queued for the guest's next command).
 *
 * <p>"Another process": the request names a client other than the one recorded on the
 * registration, or the registration has none (another nexus made it, by SPEC_I_PT or
 * REGISTER AND MOVE). The replayed REGISTER changes nothing, so the PREEMPT that follows is
 * still recognised; the PREEMPT then records the new process.
 */
final class MigrationReplay {
    private MigrationReplay() {
    }

    /** REGISTER RK=0 SARK=own key from another process. */
    static boolean isRegister(Registration own, Optional<String> client, BasicParameterList p) {
        return p.reservationKey() == 0 && p.serviceActionKey() == own.key() && !p.specifyInitiatorPorts()
                && fromAnotherProcess(own, client);
    }

    /** Whether {@code request} is one of the two replayed commands, for this table. */
    static boolean is(ReservationTable table, Request request) {
        Optional<Registration> own = table.registration(request.nexus());
        if (own.isEmpty() || !fromAnotherProcess(own.get(), request.client())) {
            return false;
        }
        try {
            PersistentReserveOutCdb cdb = PersistentReserveOutCdb.decode(request.cdbBytes());
            if (cdb.parameterListLength() != request.parameterBytes().length
                    || request.parameterBytes().length != BasicParameterList.LENGTH) {
                return false;
            }
            BasicParameterList p = BasicParameterList.decode(request.parameterBytes());
            if (cdb.serviceAction() == PrOutServiceAction.REGISTER) {
                return isRegister(own.get(), request.client(), p);
            }
            return cdb.serviceAction() == PrOutServiceAction.PREEMPT && p.reservationKey() == own.get().key()
                    && p.serviceActionKey() == own.get().key() && table.isHolder(request.nexus())
                    && cdb.scope() == PersistentReserveOutCdb.LU_SCOPE
                    && cdb.type().equals(table.reservation().map(Reservation::type));
        } catch (ScsiException e) {
            return false;
        }
    }

    private static boolean fromAnotherProcess(Registration own, Optional<String> client) {
        return client.isPresent() && !client.equals(own.client());
    }
}
