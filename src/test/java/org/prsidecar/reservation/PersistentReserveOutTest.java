package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.C;
import static org.prsidecar.reservation.LogicalUnit.D;
import static org.prsidecar.reservation.LogicalUnit.EA;
import static org.prsidecar.reservation.LogicalUnit.EA_AR;
import static org.prsidecar.reservation.LogicalUnit.EA_RO;
import static org.prsidecar.reservation.LogicalUnit.WE;
import static org.prsidecar.reservation.LogicalUnit.WE_AR;
import static org.prsidecar.reservation.LogicalUnit.WE_RO;
import static org.prsidecar.reservation.TableBuilder.table;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.FibreChannelTransportId;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.RegisterAndMoveParameterList;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;

/** PR OUT, rule by rule, as SPC reference section 2 states them. */
class PersistentReserveOutTest {

    @Nested
    class Register { // reference 2.1

        @Test
        void unregisteredNexusWithNonZeroReservationKeyConflicts() {
            new LogicalUnit().as(A).register(0x1, 0xA).conflict();
        }

        @Test
        void unregisteredNexusWithZeroKeysIsAGoodNoOp() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).register(0, 0).good().unchanged();
            assertEquals(0, lu.generation());
        }

        @Test
        void unregisteredNexusRegistersServiceActionKeyAndBumpsGeneration() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).register(0, 0xA).good();
            assertEquals(List.of(0xAL), lu.as(B).readKeys());
            assertEquals(1, lu.generation());
        }

        @Test
        void registeredNexusWithAnotherKeyConflicts() {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).register(0xB, 0xC).conflict();
        }

        @Test
        void registeredNexusReplacesItsKeyEvenWithTheSameValue() {
            LogicalUnit lu = table().registered(A, 0xA).generation(5).lu();
            lu.as(A).register(0xA, 0xA).good();
            assertEquals(6, lu.generation());
            lu.as(A).register(0xA, 0xB).good();
            assertEquals(7, lu.generation());
            assertEquals(List.of(0xBL), lu.as(A).readKeys());
        }

        @Test
        void reRegisteringKeepsTheReservationAndReadReservationShowsTheNewKey() { // SPDK PR #3700
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE_RO).lu();
            lu.as(A).register(0xA, 0xB).good();
            assertEquals(Optional.of(new ReadReservationData.Reserved(0xB, 0, WE_RO)), lu.as(A).readReservation());
        }

        @Test
        void unregisterBumpsGeneration() { // LIO forgets this (reference 2.8)
            LogicalUnit lu = table().registered(A, 0xA).generation(3).lu();
            lu.as(A).register(0xA, 0).good();
            assertEquals(4, lu.generation());
            assertEquals(0, lu.table().registrationCount());
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE", "EXCLUSIVE_ACCESS"})
        void holderOfType1Or3UnregisteringReleasesWithoutUnitAttention(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, type).lu();
            lu.as(A).register(0xA, 0).good();
            assertTrue(lu.table().reservation().isEmpty());
            assertTrue(lu.table().unitAttentions().isEmpty());
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE_REGISTRANTS_ONLY",
            "EXCLUSIVE_ACCESS_REGISTRANTS_ONLY"})
        void holderOfType5Or6UnregisteringReleasesAndTellsEveryRemainingRegistrant(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(A, type).lu();
            lu.as(A).register(0xA, 0).good();
            assertTrue(lu.table().reservation().isEmpty());
            assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_RELEASED), C, List.of(SenseData.RESERVATIONS_RELEASED)),
                    lu.table().unitAttentions());
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE_ALL_REGISTRANTS",
            "EXCLUSIVE_ACCESS_ALL_REGISTRANTS"})
        void allRegistrantsReservationStaysUntilTheLastRegistrantLeaves(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, type).lu();
            lu.as(A).register(0xA, 0).good();
            assertEquals(type, lu.table().reservation().orElseThrow().type());
            assertTrue(lu.table().isHolder(B));
            lu.as(B).register(0xB, 0).good();
            assertTrue(lu.table().reservation().isEmpty());
            assertTrue(lu.table().unitAttentions().isEmpty());
        }

        @Test
        void nonHolderUnregisteringLeavesTheReservation() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE_RO).lu();
            lu.as(B).register(0xB, 0).good();
            assertTrue(lu.table().isHolder(A));
            assertTrue(lu.table().unitAttentions().isEmpty());
        }

        @Test
        void keysNeedNotBeUniqueAcrossNexuses() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).register(0, 0x1234).good();
            lu.as(B).register(0, 0x1234).good();
            assertEquals(List.of(0x1234L, 0x1234L), lu.as(C).readKeys());
        }

        @Test
        void allTargetPortsIsRecordedAndReported() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).register(0, 0xA, true, false).good();
            assertTrue(lu.table().registration(A).orElseThrow().allTargetPorts());
            var d = lu.as(A).readFullStatus().descriptors().get(0);
            assertTrue(d.allTargetPorts());
            assertEquals(0, d.relativeTargetPortId(), "relative port is reported only without ALL_TG_PT");
        }

        @Test
        void aptplIsTakenFromEveryRegistrationChangeIncludingUnregister() { // reference 7.6
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).register(0, 0xA, false, true).good();
            assertTrue(lu.table().aptpl());
            lu.as(A).register(0, 0, false, false).conflict(); // registered: RK must match
            assertTrue(lu.table().aptpl());
            lu.as(B).register(0, 0, false, false).good(); // no-op REGISTER keeps APTPL
            assertTrue(lu.table().aptpl());
            lu.as(A).register(0xA, 0, false, false).good();
            assertFalse(lu.table().aptpl());
        }

        @Test
        void registrationsBeyondTheLimitAreInsufficientResources() {
            LogicalUnit lu = new LogicalUnit(ReservationTable.empty(), new PersistentReservations(2));
            lu.as(A).register(0, 0xA).good();
            lu.as(B).register(0, 0xB).good();
            lu.as(C).register(0, 0xC).rejectedWith(SenseData.INSUFFICIENT_REGISTRATION_RESOURCES);
            lu.as(A).register(0xA, 0xAA).good(); // replacing a key needs no room
        }
    }

    @Nested
    class RegisterAndIgnoreExistingKey { // reference 2.1, RIEK column

        @Test
        void ignoresTheReservationKeyOfAnUnregisteredNexus() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, BasicParameterList.of(0x99, 0xA))
                    .good();
            assertEquals(List.of(0xAL), lu.as(A).readKeys());
        }

        @Test
        void replacesAKeyWhateverTheReservationKey() {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null, BasicParameterList.of(0x77, 0xB))
                    .good();
            assertEquals(List.of(0xBL), lu.as(A).readKeys());
            assertEquals(1, lu.generation());
        }

        @Test
        void zeroKeyUnregisters() {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).registerAndIgnore(0).good();
            assertEquals(0, lu.table().registrationCount());
        }

        @Test
        void specifyInitiatorPortsIsInvalid() { // reference 7.2
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).out(PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY, null,
                    new BasicParameterList(0, 0xA, true, false, false, List.of(B.initiator())))
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }
    }

    @Nested
    class SpecifyInitiatorPorts { // reference 1.2, 7.2, 7.3

        @Test
        void registersTheSenderAndEverySpecifiedPortWithOneGenerationStep() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).registerSpecifying(0xA, B.initiator(), C.initiator()).good();
            assertEquals(List.of(0xAL, 0xAL, 0xAL), lu.as(D).readKeys());
            assertTrue(lu.table().isRegistered(B) && lu.table().isRegistered(C));
            assertEquals(1, lu.generation());
        }

        @Test
        void aPortThatIsAlreadyRegisteredFailsTheWholeList() {
            LogicalUnit lu = table().registered(C, 0xC).lu();
            lu.as(A).registerSpecifying(0xA, B.initiator(), C.initiator())
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
            assertFalse(lu.table().isRegistered(A) || lu.table().isRegistered(B));
        }

        @Test
        void aNonIscsiTransportIdFailsTheWholeList() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).registerSpecifying(0xA, B.initiator(), new FibreChannelTransportId(0x5000_0000_0000_0001L))
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
            assertEquals(0, lu.table().registrationCount());
        }

        @Test
        void iscsiPortWithIsidIsItsOwnNexus() {
            LogicalUnit lu = new LogicalUnit();
            IscsiTransportId port = new IscsiTransportId("iqn.2026-11.org.prsidecar.test:b", Optional.of("23D000000001"));
            lu.as(A).registerSpecifying(0xA, port).good();
            assertTrue(lu.table().isRegistered(Nexus.of(port)));
            assertFalse(lu.table().isRegistered(B));
        }

        @Test
        void fromARegisteredNexusIsInvalid() {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(PrOutServiceAction.REGISTER, null,
                    new BasicParameterList(0xA, 0xA, true, false, false, List.of(B.initiator())))
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void theSenderListedAgainAndDuplicatesAreRegisteredOnce() {
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).registerSpecifying(0xA, A.initiator(), B.initiator(), B.initiator()).good();
            assertEquals(2, lu.table().registrationCount());
        }

        @Test
        void overrunningTransportIdsAreInvalidFieldInParameterList() {
            byte[] p = new BasicParameterList(0, 0xA, true, false, false, List.of(B.initiator())).encode();
            p[27] += 4; // TRANSPORTID PARAMETER DATA LENGTH beyond the list
            new LogicalUnit().as(A).out(PrOutServiceAction.REGISTER, null, p)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void onlyWithinTheRegistrationLimit() {
            LogicalUnit lu = new LogicalUnit(ReservationTable.empty(), new PersistentReservations(2));
            lu.as(A).registerSpecifying(0xA, B.initiator(), C.initiator())
                    .rejectedWith(SenseData.INSUFFICIENT_REGISTRATION_RESOURCES);
            assertEquals(0, lu.table().registrationCount());
        }
    }

    @Nested
    class Reserve { // reference 2.2

        @Test
        void unregisteredNexusConflicts() {
            new LogicalUnit().as(A).reserve(0, WE).conflict();
        }

        @Test
        void wrongReservationKeyConflicts() {
            table().registered(A, 0xA).lu().as(A).reserve(0xB, WE).conflict();
        }

        @Test
        void createsTheReservationWithoutChangingTheGeneration() {
            LogicalUnit lu = table().registered(A, 0xA).generation(9).lu();
            lu.as(A).reserve(0xA, EA_RO).good();
            assertEquals(Optional.of(Reservation.of(EA_RO, A)), lu.table().reservation());
            assertEquals(9, lu.generation());
            assertTrue(lu.table().unitAttentions().isEmpty());
        }

        @ParameterizedTest
        @ValueSource(ints = {0, 2, 4, 9, 15})
        void undefinedTypeIsInvalidFieldInCdb(int type) {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 0, type, 24, 0),
                    BasicParameterList.of(0xA, 0).encode()).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void scopeOtherThanLogicalUnitIsInvalidFieldInCdb() { // reference section 4: 24/00, not LIO's 26/00
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.RESERVE, 1, WE.code(), 24, 0),
                    BasicParameterList.of(0xA, 0).encode()).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void holderReservingTheSameTypeAgainIsAGoodNoOp() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE).lu();
            lu.as(A).reserve(0xA, WE).good().unchanged();
        }

        @Test
        void holderAskingForAnotherTypeConflicts() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A).reserve(0xA, EA).conflict();
        }

        @Test
        void nonHolderConflicts() {
            table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE_RO).lu().as(B).reserve(0xB, WE_RO)
                    .conflict();
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE_ALL_REGISTRANTS",
            "EXCLUSIVE_ACCESS_ALL_REGISTRANTS"})
        void allRegistrantsTypesMakeEveryRegistrantAHolder(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).lu();
            lu.as(A).reserve(0xA, type).good();
            assertTrue(lu.table().isHolder(A) && lu.table().isHolder(B));
            lu.as(B).reserve(0xB, type).good().unchanged();
            assertEquals(Optional.of(new ReadReservationData.Reserved(0, 0, type)), lu.as(B).readReservation());
        }
    }

    @Nested
    class Release { // reference 2.3, 7.1

        @Test
        void unregisteredNexusConflicts() { // section 4: CONFLICT, not LIO's NOT READY
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(B).release(0, WE).conflict();
        }

        @Test
        void wrongKeyConflicts() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A).release(0xB, WE).conflict();
        }

        @Test
        void withoutAReservationIsAGoodNoOp() {
            table().registered(A, 0xA).lu().as(A).release(0xA, WE).good().unchanged();
        }

        @Test
        void byARegisteredNonHolderIsAGoodNoOp() {
            table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE).lu().as(B).release(0xB, WE).good()
                    .unchanged();
        }

        @Test
        void withAnotherTypeIsInvalidRelease() { // section 4: 26/04, not LIO's CONFLICT
            table().registered(A, 0xA).reservedBy(A, WE_RO).lu().as(A).release(0xA, EA_RO)
                    .rejectedWith(SenseData.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        }

        @Test
        void withAnUndefinedTypeIsInvalidFieldInCdb() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.RELEASE, 0, 2, 24, 0),
                    BasicParameterList.of(0xA, 0).encode()).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void withAnotherScopeIsInvalidFieldInCdb() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.RELEASE, 2, WE.code(), 24, 0),
                    BasicParameterList.of(0xA, 0).encode()).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE", "EXCLUSIVE_ACCESS"})
        void ofType1Or3ReleasesWithoutUnitAttentionOrGenerationChange(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, type).generation(4).lu();
            lu.as(A).release(0xA, type).good();
            assertTrue(lu.table().reservation().isEmpty());
            assertEquals(2, lu.table().registrationCount());
            assertEquals(4, lu.generation());
            assertTrue(lu.table().unitAttentions().isEmpty());
        }

        @ParameterizedTest
        @EnumSource(value = ReservationType.class, names = {"WRITE_EXCLUSIVE_REGISTRANTS_ONLY",
            "EXCLUSIVE_ACCESS_REGISTRANTS_ONLY", "WRITE_EXCLUSIVE_ALL_REGISTRANTS", "EXCLUSIVE_ACCESS_ALL_REGISTRANTS"})
        void ofTypes5To8TellsEveryOtherRegistrant(ReservationType type) {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(A, type).lu();
            lu.as(A).release(0xA, type).good();
            assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_RELEASED), C, List.of(SenseData.RESERVATIONS_RELEASED)),
                    lu.table().unitAttentions());
        }

        @Test
        void anyRegistrantMayReleaseAnAllRegistrantsReservation() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, EA_AR).lu();
            lu.as(B).release(0xB, EA_AR).good();
            assertTrue(lu.table().reservation().isEmpty());
            assertEquals(Map.of(A, List.of(SenseData.RESERVATIONS_RELEASED)), lu.table().unitAttentions());
        }
    }

    @Nested
    class Clear { // reference 2.4

        @Test
        void unregisteredNexusConflicts() {
            table().registered(A, 0xA).lu().as(B).clear(0).conflict();
        }

        @Test
        void wrongKeyConflicts() {
            table().registered(A, 0xA).lu().as(A).clear(0xB).conflict();
        }

        @Test
        void removesEverythingOnceAndTellsEveryoneButTheCallerReservationsPreempted() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, EA)
                    .generation(10).lu();
            lu.as(A).clear(0xA).good();
            assertEquals(0, lu.table().registrationCount());
            assertTrue(lu.table().reservation().isEmpty());
            assertEquals(11, lu.generation());
            // section 4: 2A/03, not CTL's 2A/05
            assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_PREEMPTED), C, List.of(SenseData.RESERVATIONS_PREEMPTED)),
                    lu.table().unitAttentions());
        }

        @Test
        void ignoresTypeAndScope() {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.CLEAR, 7, 15, 24, 0),
                    BasicParameterList.of(0xA, 0).encode()).good();
            assertEquals(0, lu.table().registrationCount());
        }
    }

    @Nested
    class Preempt { // reference 2.5

        @Test
        void unregisteredNexusConflicts() {
            table().registered(A, 0xA).lu().as(B).preempt(0, 0xA, WE).conflict();
        }

        @Test
        void withoutReservationZeroKeyIsInvalidFieldInParameterList() { // section 4: 26/00, not SCST's CONFLICT
            table().registered(A, 0xA).lu().as(A).preempt(0xA, 0, WE)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void withoutReservationRemovesEveryRegistrationOfTheKeyButTheCallers() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xB).registered(D, 0xD).lu();
            lu.as(A).preempt(0xA, 0xB, WE).good();
            assertEquals(List.of(0xAL, 0xDL), lu.as(A).readKeys());
            assertEquals(1, lu.generation());
            assertEquals(Map.of(B, List.of(SenseData.REGISTRATIONS_PREEMPTED), C, List.of(SenseData.REGISTRATIONS_PREEMPTED)),
                    lu.table().unitAttentions());
            assertTrue(lu.table().reservation().isEmpty(), "no reservation is created without one");
        }

        @Test
        void withoutReservationTypeAndScopeAreIgnored() { // reference 7.1
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.PREEMPT, 3, 0, 24, 0),
                    BasicParameterList.of(0xA, 0xB).encode()).good();
            assertFalse(lu.table().isRegistered(B));
        }

        @Test
        void withoutReservationAKeyNobodyElseHasConflicts() {
            table().registered(A, 0xA).registered(B, 0xB).lu().as(A).preempt(0xA, 0xC, WE).conflict();
        }

        @Test
        void neverRemovesTheCallersOwnRegistration() { // reference 2.5 Decision
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xA).lu();
            lu.as(A).preempt(0xA, 0xA, WE).good();
            assertEquals(List.of(0xAL), lu.as(A).readKeys());
            assertTrue(lu.table().isRegistered(A));
        }

        @Test
        void ofTheHolderMovesTheReservationAndQueuesRegistrationsPreempted() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, WE_RO)
                    .lu();
            lu.as(A).preempt(0xA, 0xB, WE_RO).good();
            assertEquals(Optional.of(Reservation.of(WE_RO, A)), lu.table().reservation());
            assertFalse(lu.table().isRegistered(B));
            assertEquals(Map.of(B, List.of(SenseData.REGISTRATIONS_PREEMPTED)), lu.table().unitAttentions(),
                    "same type: no RESERVATIONS RELEASED for C");
            assertEquals(1, lu.generation());
        }

        @Test
        void ofTheHolderWithANewTypeAlsoTellsTheRemainingRegistrantsReservationsReleased() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, WE_RO)
                    .lu();
            lu.as(A).preempt(0xA, 0xB, EA_RO).good();
            assertEquals(Optional.of(Reservation.of(EA_RO, A)), lu.table().reservation());
            assertEquals(Map.of(B, List.of(SenseData.REGISTRATIONS_PREEMPTED), C, List.of(SenseData.RESERVATIONS_RELEASED)),
                    lu.table().unitAttentions());
        }

        @Test
        void ofTheHolderRemovesEveryRegistrationWithTheHoldersKey() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xB).reservedBy(B, WE).lu();
            lu.as(A).preempt(0xA, 0xB, WE).good();
            assertEquals(List.of(0xAL), lu.as(A).readKeys());
        }

        @Test
        void selfPreemptChangesTheTypeAndKeepsTheRegistration() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE).lu();
            lu.as(A).preempt(0xA, 0xA, EA).good();
            assertEquals(Optional.of(Reservation.of(EA, A)), lu.table().reservation());
            assertTrue(lu.table().isRegistered(A) && lu.table().isRegistered(B));
            assertEquals(Map.of(B, List.of(SenseData.RESERVATIONS_RELEASED)), lu.table().unitAttentions());
        }

        @Test
        void ofANonHolderKeyRemovesItsRegistrationsAndLeavesTheReservation() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, WE).lu();
            lu.as(A).preempt(0xA, 0xC, EA).good();
            assertEquals(Optional.of(Reservation.of(WE, B)), lu.table().reservation());
            assertFalse(lu.table().isRegistered(C));
            assertEquals(Map.of(C, List.of(SenseData.REGISTRATIONS_PREEMPTED)), lu.table().unitAttentions());
        }

        @Test
        void ofANonHolderKeyNobodyHasConflicts() {
            table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE).lu().as(A).preempt(0xA, 0xC, WE).conflict();
        }

        @Test
        void withAReservationZeroKeyIsInvalidFieldInParameterList() {
            table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE).lu().as(A).preempt(0xA, 0, WE)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void withAReservationAnUndefinedTypeIsInvalidFieldInCdb() { // reference 7.1
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE).lu();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.PREEMPT, 0, 4, 24, 0),
                    BasicParameterList.of(0xA, 0xB).encode()).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void allRegistrantsWithZeroKeyRemovesEveryoneElseAndTakesANewReservation() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, WE_AR)
                    .lu();
            lu.as(A).preempt(0xA, 0, WE_RO).good();
            assertEquals(Optional.of(Reservation.of(WE_RO, A)), lu.table().reservation());
            assertEquals(List.of(0xAL), lu.as(A).readKeys());
            assertEquals(Map.of(B, List.of(SenseData.REGISTRATIONS_PREEMPTED), C, List.of(SenseData.REGISTRATIONS_PREEMPTED)),
                    lu.table().unitAttentions());
        }

        @Test
        void allRegistrantsWithAKeyRemovesThoseAndKeepsTheReservation() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).registered(C, 0xC).reservedBy(B, EA_AR)
                    .lu();
            lu.as(A).preempt(0xA, 0xB, EA_AR).good();
            assertEquals(Optional.of(Reservation.of(EA_AR, A)), lu.table().reservation());
            assertEquals(List.of(0xAL, 0xCL), lu.as(A).readKeys());
        }

        @Test
        void allRegistrantsWithAKeyNobodyHasConflicts() {
            table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, EA_AR).lu().as(A).preempt(0xA, 0xC, EA_AR)
                    .conflict();
        }

        @Test
        void andAbortQueuesRegistrationsPreemptedThenCommandsCleared() { // reference 7.5
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, WE_RO).lu();
            lu.as(A).preemptAndAbort(0xA, 0xB, WE_RO).good();
            assertEquals(Map.of(B, List.of(SenseData.REGISTRATIONS_PREEMPTED,
                    SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR)), lu.table().unitAttentions());
            assertEquals(Optional.of(Reservation.of(WE_RO, A)), lu.table().reservation());
        }
    }

    @Nested
    class RegisterAndMove { // reference 2.6

        @Test
        void movesTheReservationAndRegistersTheDestination() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE_RO).generation(2).lu();
            lu.as(A).registerAndMove(0xA, 0xB, B, false).good();
            assertEquals(Optional.of(Reservation.of(WE_RO, B)), lu.table().reservation());
            assertEquals(List.of(0xAL, 0xBL), lu.as(A).readKeys());
            assertEquals(3, lu.generation());
            assertTrue(lu.table().unitAttentions().isEmpty(), "no unit attention is defined");
        }

        @Test
        void unregUnregistersTheSender() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, EA).lu();
            lu.as(A).registerAndMove(0xA, 0xB, B, true).good();
            assertFalse(lu.table().isRegistered(A));
            assertEquals(Optional.of(Reservation.of(EA, B)), lu.table().reservation());
        }

        @Test
        void overwritesTheKeyOfARegisteredDestination() {
            LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, WE).lu();
            lu.as(A).registerAndMove(0xA, 0xBB, B, false).good();
            assertEquals(List.of(0xAL, 0xBBL), lu.as(A).readKeys());
        }

        @Test
        void takesAptplFromTheParameterList() {
            LogicalUnit lu = table().registered(A, 0xA).reservedBy(A, WE).lu();
            byte[] p = new RegisterAndMoveParameterList(0xA, 0xB, false, true, 1, B.initiator()).encode();
            lu.as(A).out(PrOutServiceAction.REGISTER_AND_MOVE, null, p).good();
            assertTrue(lu.table().aptpl());
        }

        @Test
        void zeroServiceActionKeyIsInvalidFieldInParameterList() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A).registerAndMove(0xA, 0, B, false)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void withoutAReservationIsInvalidFieldInCdb() {
            table().registered(A, 0xA).lu().as(A).registerAndMove(0xA, 0xB, B, false)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void byANonHolderConflicts() {
            table().registered(A, 0xA).registered(C, 0xC).reservedBy(A, WE).lu().as(C)
                    .registerAndMove(0xC, 0xB, B, false).conflict();
        }

        @Test
        void ofAnAllRegistrantsReservationConflicts() {
            table().registered(A, 0xA).reservedBy(A, WE_AR).lu().as(A).registerAndMove(0xA, 0xB, B, false).conflict();
        }

        @Test
        void toTheSenderItselfIsInvalidFieldInParameterList() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A).registerAndMove(0xA, 0xB, A, false)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void toAnUnknownTargetPortIsInvalidFieldInParameterList() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A)
                    .registerAndMove(0xA, 0xB, new Nexus(B.initiator(), 2), false)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void toANonIscsiInitiatorIsInvalidFieldInParameterList() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(A)
                    .registerAndMove(0xA, 0xB, Nexus.of(new FibreChannelTransportId(0x21L)), false)
                    .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        }

        @Test
        void fromAnUnregisteredNexusConflicts() {
            table().registered(A, 0xA).reservedBy(A, WE).lu().as(C).registerAndMove(0, 0xB, B, false).conflict();
        }
    }

    @Nested
    class ReplaceLostReservation { // reference 2.7 Decision

        @Test
        void isNotSupported() {
            new LogicalUnit().as(A).out(PrOutServiceAction.REPLACE_LOST_RESERVATION, WE, BasicParameterList.of(0, 0xA))
                    .rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }
    }

    @Nested
    class ParameterList { // reference 1.1, 1.2, 7.7

        @ParameterizedTest
        @ValueSource(ints = {0, 8, 23, 25, 32})
        void lengthOtherThan24WithoutSpecIptIsParameterListLengthError(int length) {
            LogicalUnit lu = table().registered(A, 0xA).lu();
            lu.as(A).out(PrOutServiceAction.REGISTER, null, new byte[length])
                    .rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        }

        @Test
        void cdbLengthThatDisagreesWithTheBytesSentIsParameterListLengthError() {
            // QEMU frames by CDB bytes 7-8; bytes 5-6 non-zero make the 32-bit length disagree
            LogicalUnit lu = new LogicalUnit();
            lu.as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.REGISTER, 0, 0, 0x1_0018L, 0),
                    BasicParameterList.of(0, 0xA).encode()).rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        }

        @Test
        void hugeDeclaredLengthIsParameterListLengthError() {
            new LogicalUnit().as(A).out(new PersistentReserveOutCdb(PrOutServiceAction.REGISTER, 0, 0, 0xFFFF_FFFFL, 0),
                    BasicParameterList.of(0, 0xA).encode()).rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        }

        @Test
        void reservedServiceActionIsInvalidFieldInCdb() {
            byte[] cdb = PersistentReserveOutCdb.of(PrOutServiceAction.REGISTER, null, 24).encode();
            cdb[1] = 0x1F;
            new LogicalUnit().execute(Request.of(A, cdb, BasicParameterList.of(0, 0xA).encode()))
                    .rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }

        @Test
        void otherOpcodesAreInvalidCommandOperationCode() {
            new LogicalUnit().execute(Request.of(A, new byte[] {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}))
                    .rejectedWith(SenseData.INVALID_COMMAND_OPERATION_CODE);
        }

        @Test
        void emptyCdbIsInvalidCommandOperationCode() {
            new LogicalUnit().execute(Request.of(A, new byte[0])).rejectedWith(SenseData.INVALID_COMMAND_OPERATION_CODE);
        }

        @Test
        void shortCdbIsInvalidFieldInCdb() {
            new LogicalUnit().execute(Request.of(A, new byte[] {0x5F, 0, 0})).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }
    }
}
