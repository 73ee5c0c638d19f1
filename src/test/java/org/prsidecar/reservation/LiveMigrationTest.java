package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.WE_RO;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.SenseData;

/** SPC reference 7.9: QEMU >= 11 replays REGISTER and PREEMPT on the migration destination. */
class LiveMigrationTest {

    private static final String SOURCE = "host1/pid 4100/start 77";
    private static final String DESTINATION = "host2/pid 5200/start 91";

    @Test
    void replayedRegisterFromTheDestinationProcessIsANoOp() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(A, SOURCE).register(0, 0xA).good();
        int generation = lu.generation();
        lu.as(A, DESTINATION).register(0, 0xA).good().unchanged();
        assertEquals(generation, lu.generation());
        assertEquals(Optional.of(SOURCE), lu.table().registration(A).orElseThrow().client(),
                "the replay changes nothing, so the PREEMPT that follows is recognised too");
    }

    @Test
    void theReplayIsExecutedEvenWithAUnitAttentionWaitingForTheGuest() {
        LogicalUnit lu = TableBuilder.table().registeredByClient(A, 0xA, SOURCE).registered(B, 0xB)
                .reservedBy(A, WE_RO).unitAttention(A, SenseData.RESERVATIONS_RELEASED).lu();
        lu.as(A, DESTINATION).register(0, 0xA).good().unchanged();
        lu.as(A, DESTINATION).preempt(0xA, 0xA, WE_RO).good();
        assertEquals(Optional.of(Reservation.of(WE_RO, A)), lu.table().reservation());
        assertEquals(Optional.of(DESTINATION), lu.table().registration(A).orElseThrow().client());
        // the unit attention waited for the guest, and the guest gets it now
        lu.as(A, DESTINATION).in(PrInServiceAction.READ_KEYS, 8192).checkCondition(SenseData.RESERVATIONS_RELEASED);
    }

    @Test
    void aRegistrationMadeByAnotherNexusCanBeReplayed() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(B, SOURCE).registerSpecifying(0xA, A.initiator()).good(); // A registered by B, no process of A yet
        lu.as(A, DESTINATION).register(0, 0xA).good().unchanged();
    }

    @Test
    void replayedPreemptOfItsOwnKeyKeepsTheReservation() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(A, SOURCE).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A, SOURCE).reserve(0xA, WE_RO).good();
        lu.as(A, DESTINATION).register(0, 0xA).good();
        lu.as(A, DESTINATION).preempt(0xA, 0xA, WE_RO).good();
        assertEquals(Optional.of(new ReadReservationData.Reserved(0xA, 0, WE_RO)), lu.as(B).readReservation());
        assertEquals(2, lu.table().registrationCount());
        assertEquals(0, lu.table().unitAttentions().size());
    }

    @Test
    void registerWithZeroKeyFromTheSameProcessStillConflicts() { // libiscsi ProutRegister.Simple
        LogicalUnit lu = new LogicalUnit();
        lu.as(A, SOURCE).register(0, 0xA).good();
        lu.as(A, SOURCE).register(0, 0xA).conflict();
    }

    @Test
    void registerWithZeroKeyAndAnotherKeyConflictsWhateverTheProcess() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(A, SOURCE).register(0, 0xA).good();
        lu.as(A, DESTINATION).register(0, 0xB).conflict();
    }

    @Test
    void withoutAKnownProcessInTheRequestTheStandardRuleApplies() {
        LogicalUnit lu = new LogicalUnit();
        lu.as(A).register(0, 0xA).good();
        lu.as(A).register(0, 0xA).conflict();
    }
}
