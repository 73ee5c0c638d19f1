package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.WE_RO;
import static org.prsidecar.reservation.TableBuilder.table;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.prsidecar.scsi.SenseData;

/** The emulated power cycle (SPC reference 2.9, invariant 9). */
class PowerCycleTest {

    @Test
    void withAptplRegistrationsAndReservationSurviveAndGenerationRestarts() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(A).register(0, 0xA, false, true).good();
        lu.as(B).register(0, 0xB, false, true).good();
        lu.as(A).reserve(0xA, WE_RO).good();
        lu.powerCycle();
        assertEquals(0, lu.generation());
        assertEquals(List.of(0xAL, 0xBL), lu.as(B).readKeys());
        assertEquals(Optional.of(Reservation.of(WE_RO, A)), lu.table().reservation());
        assertTrue(lu.table().aptpl());
    }

    @Test
    void withoutAptplTheTableEmpties() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE_RO).generation(7).lu();
        lu.powerCycle();
        assertEquals(ReservationTable.empty(), lu.table());
    }

    @Test
    void pendingUnitAttentionsAreDropped() {
        LogicalUnit lu = table().registered(A, 0xA).aptpl().unitAttention(B, SenseData.REGISTRATIONS_PREEMPTED).lu();
        lu.powerCycle();
        assertTrue(lu.table().unitAttentions().isEmpty());
    }

    @Test
    void linuxBlockLayerRegistrationsWithAptplAreAccepted() {
        // sd_pr_register always sends APTPL=1: rejecting it breaks Linux guests (reference 2.9)
        LogicalUnit lu = new LogicalUnit();
        lu.as(A).register(0, 0x1234, false, true).good();
        assertTrue(lu.as(A).reportCapabilities().persistThroughPowerLossActivated());
    }
}
