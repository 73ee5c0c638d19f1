package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.C;
import static org.prsidecar.reservation.LogicalUnit.WE_RO;
import static org.prsidecar.reservation.TableBuilder.table;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.SenseData;

/** Unit attentions (SPC reference 2.10 and 7.5): queued per nexus, reported oldest first. */
class UnitAttentionTest {

    @Test
    void reportedOnTheNexusNextPrCommandInsteadOfExecutingIt() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE_RO)
                .unitAttention(B, SenseData.REGISTRATIONS_PREEMPTED).lu();
        lu.as(B).reserve(0xB, WE_RO).checkCondition(SenseData.REGISTRATIONS_PREEMPTED);
        assertTrue(lu.table().unitAttentions().isEmpty(), "the report consumes the unit attention");
        assertEquals(0, lu.generation(), "the command was not executed");
        lu.as(B).reserve(0xB, WE_RO).good();
    }

    @Test
    void reportedOldestFirstOnePerCommand() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE_RO).lu();
        lu.as(A).preemptAndAbort(0xA, 0xB, WE_RO).good();
        lu.as(B).in(PrInServiceAction.READ_KEYS, 8192).checkCondition(SenseData.REGISTRATIONS_PREEMPTED);
        lu.as(B).in(PrInServiceAction.READ_KEYS, 8192).checkCondition(SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
        assertEquals(List.of(0xAL), lu.as(B).readKeys());
    }

    @Test
    void reportedEvenForAMalformedCommand() {
        LogicalUnit lu = table().registered(A, 0xA).unitAttention(B, SenseData.RESERVATIONS_PREEMPTED).lu();
        lu.execute(Request.of(B, new byte[] {0x5E, 0x1F, 0, 0, 0, 0, 0, 0x20, 0, 0}))
                .checkCondition(SenseData.RESERVATIONS_PREEMPTED);
    }

    @Test
    void otherNexusesAreNotAffected() {
        LogicalUnit lu = table().registered(A, 0xA).unitAttention(B, SenseData.RESERVATIONS_PREEMPTED).lu();
        assertEquals(List.of(0xAL), lu.as(A).readKeys());
        assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_PREEMPTED)), lu.table().unitAttentions());
    }

    @Test
    void neverQueuedForTheCaller() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(A, WE_RO).lu();
        lu.as(A).release(0xA, WE_RO).good();
        lu.as(A).clear(0xA).good();
        assertTrue(lu.table().unitAttentions(A).isEmpty());
    }

    @Test
    void aRepeatedUnitAttentionIsQueuedOnce() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).lu();
        lu.as(A).reserve(0xA, WE_RO).good();
        lu.as(A).release(0xA, WE_RO).good();
        lu.as(A).reserve(0xA, WE_RO).good();
        lu.as(A).release(0xA, WE_RO).good();
        assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_RELEASED)), lu.table().unitAttentions());
    }

    @Test
    void queuesForDepartedNexusesAreBoundedByTheRegistrationLimit() {
        PersistentReservations engine = new PersistentReservations(3);
        LogicalUnit lu = new LogicalUnit(ReservationTable.empty(), engine);
        for (int round = 0; round < 5; round++) {
            Nexus x = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:gone" + round);
            Nexus y = Nexus.iscsi("iqn.2026-11.org.prsidecar.test:stays" + round);
            lu.as(x).register(0, 0x100 + round).good();
            lu.as(y).register(0, 0x200 + round).good();
            lu.as(y).clear(0x200 + round).good(); // x is gone, with 2A/03 waiting
        }
        assertEquals(3, lu.table().unitAttentions().size());
        assertTrue(lu.table().unitAttentions().containsKey(Nexus.iscsi("iqn.2026-11.org.prsidecar.test:gone4")),
                "the newest queues are kept");
    }
}
