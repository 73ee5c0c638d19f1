package org.prsidecar.reservation;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.prsidecar.scsi.PrInData;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;

/** The four PR IN service actions: what each reports of a table (SPC reference 1.5). */
final class PersistentReserveIn {
    private PersistentReserveIn() {
    }

    static PrInData answer(PrInServiceAction action, ReservationTable t) {
        return switch (action) {
            case READ_KEYS -> readKeys(t);
            case READ_RESERVATION -> readReservation(t);
            case REPORT_CAPABILITIES -> reportCapabilities(t);
            case READ_FULL_STATUS -> readFullStatus(t);
        };
    }

    /** One key per registration, in registration order. */
    static ReadKeysData readKeys(ReservationTable t) {
        List<Long> keys = new ArrayList<>(t.registrationCount());
        for (Registration r : t.registrations()) {
            keys.add(r.key());
        }
        return new ReadKeysData(t.generation(), keys);
    }

    /** The holder's current key; 0 for types 7/8, where every registrant holds. */
    static ReadReservationData readReservation(ReservationTable t) {
        return new ReadReservationData(t.generation(), t.reservation().map(r -> new ReadReservationData.Reserved(
                r.holder().flatMap(t::registration).map(Registration::key).orElse(0L), r.scope(), r.type())));
    }

    /** Reference 1.5 Decision: SIP_C, ATP_C, PTPL_C, TMV; RLR_C and CRH off; ALLOW COMMANDS 000b. */
    static ReportCapabilitiesData reportCapabilities(ReservationTable t) {
        return new ReportCapabilitiesData(false, false, true, true, true, true, 0, t.aptpl(),
                EnumSet.allOf(ReservationType.class));
    }

    static ReadFullStatusData readFullStatus(ReservationTable t) {
        Optional<Reservation> res = t.reservation();
        List<ReadFullStatusData.Descriptor> out = new ArrayList<>(t.registrationCount());
        for (Registration r : t.registrations()) {
            boolean holder = t.isHolder(r.nexus());
            out.add(new ReadFullStatusData.Descriptor(r.key(), r.allTargetPorts(), holder,
                    holder ? res.orElseThrow().scope() : 0,
                    holder ? Optional.of(res.orElseThrow().type()) : Optional.empty(),
                    r.allTargetPorts() ? 0 : r.nexus().relativeTargetPortId(), r.nexus().initiator()));
        }
        return new ReadFullStatusData(t.generation(), out);
    }
}
