package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
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

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.prsidecar.reservation.AccessPolicy.Decision;
import org.prsidecar.reservation.LogicalUnit.Result;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.FibreChannelTransportId;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadReservationData.Reserved;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;

/**
 * A cluster's day on one shared disk, step by step, with assertions at each step: the
 * checks of libiscsi's PR suite, FreeBSD CTL's persist.sh and sg3_utils' sg_persist_tst.sh
 * (in their spirit, not their code), the Windows failover cluster validator, a Pacemaker
 * fence_scsi day, regressions of bugs seen in other targets, and live migration (SPC
 * reference 7.9). Tables are read by an observer nexus that never registers, so reading
 * never consumes anyone's unit attention.
 */
class ClusterScenariosTest {

    private static final Nexus OBSERVER = GenCommands.OBSERVER;

    private static final byte[] READ_10 = ModelChecks.cdb(0x28);
    private static final byte[] WRITE_10 = ModelChecks.cdb(0x2A);

    private final LogicalUnit lu = new LogicalUnit();

    // ------------------------------------------------------------------ helpers

    private List<Long> keys() {
        return lu.as(OBSERVER).readKeys();
    }

    private Optional<Reserved> reservation() {
        return lu.as(OBSERVER).readReservation();
    }

    private ReadFullStatusData fullStatus() {
        return lu.as(OBSERVER).readFullStatus();
    }

    private Decision access(byte[] cdb, Nexus n) {
        return AccessPolicy.check(cdb, n, lu.table());
    }

    private static Reserved reserved(long key, ReservationType type) {
        return new Reserved(key, 0, type);
    }

    private void assertReadAllowed(Nexus n, boolean allowed) {
        assertEquals(allowed ? Decision.ALLOWED : Decision.RESERVATION_CONFLICT, access(READ_10, n), "READ(10) from " + n);
    }

    private void assertWriteAllowed(Nexus n, boolean allowed) {
        assertEquals(allowed ? Decision.ALLOWED : Decision.RESERVATION_CONFLICT, access(WRITE_10, n), "WRITE(10) from " + n);
    }

    /** The next PR command of {@code n} reports this unit attention and is not executed. */
    private void nextCommandReports(Nexus n, SenseData ua) {
        ReservationTable before = lu.table();
        lu.as(n).in(PrInServiceAction.READ_KEYS, 8192).checkCondition(ua);
        assertEquals(before.generation(), lu.generation(), "reporting a unit attention is not a state change");
        assertEquals(new ArrayList<>(before.registrations()), new ArrayList<>(lu.table().registrations()));
    }

    private void noUnitAttentionFor(Nexus n) {
        assertEquals(List.of(), lu.table().unitAttentions(n), "unit attentions of " + n);
    }

    // ------------------------------------------------------------------ libiscsi's PR suite

    @Test
    void prinReadKeysSimpleListsEveryKeyWithTheGeneration() {
        assertEquals(List.of(), keys());
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        assertEquals(List.of(0xAL, 0xBL), keys().stream().sorted().toList());
        byte[] data = lu.as(A).in(PrInServiceAction.READ_KEYS, 8192).good().data();
        assertEquals(2, ModelChecks.get(data, 0, 4), "PRGENERATION after two registrations");
        assertEquals(16, ModelChecks.get(data, 4, 4), "ADDITIONAL LENGTH = 8 x registrations");
    }

    @Test
    void prinReadKeysTruncateKeepsTheHeaderOfTheWholeAnswer() {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(C).register(0, 0xC).good();
        byte[] whole = lu.as(A).in(PrInServiceAction.READ_KEYS, 8192).good().data();
        assertEquals(32, whole.length);
        for (int alloc : new int[] {0, 1, 4, 7, 8, 12, 15, 16, 31, 32, 33}) {
            byte[] cut = lu.as(A).in(PrInServiceAction.READ_KEYS, alloc).good().data();
            assertEquals(Math.min(alloc, 32), cut.length, "allocation length " + alloc);
            assertArrayEquals(Arrays.copyOf(whole, cut.length), cut, "a prefix of the whole answer at " + alloc);
            if (cut.length >= 8) {
                assertEquals(24, ModelChecks.get(cut, 4, 4), "ADDITIONAL LENGTH describes all keys at " + alloc);
            }
        }
    }

    @Test
    void prinServiceActionRangeAnswersFourToThirtyOneWithInvalidFieldInCdb() {
        for (int sa = 0; sa <= 0x1F; sa++) {
            byte[] cdb = new byte[10];
            cdb[0] = 0x5E;
            cdb[1] = (byte) sa;
            cdb[8] = (byte) 0xFF;
            Result r = lu.execute(Request.of(A, cdb));
            if (sa <= 3) {
                r.good();
            } else {
                r.rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
            }
        }
    }

    @Test
    void prinReportCapabilitiesSaysWhatPrsidecarEmulates() {
        byte[] caps = lu.as(A).in(PrInServiceAction.REPORT_CAPABILITIES, 8192).good().data();
        assertEquals(8, caps.length);
        assertEquals(8, ModelChecks.get(caps, 0, 2), "LENGTH");
        assertEquals(0x0D, caps[2] & 0xFF, "RLR_C=0 CRH=0 SIP_C=1 ATP_C=1 PTPL_C=1 (reference 1.5 Decision)");
        assertEquals(0x80, caps[3] & 0xFF, "TMV=1, ALLOW COMMANDS 000b, PTPL_A=0 on a fresh disk");
        assertEquals(0xEA, caps[4] & 0xFF, "WR_EX_AR EX_AC_RO WR_EX_RO EX_AC WR_EX");
        assertEquals(0x01, caps[5] & 0xFF, "EX_AC_AR");
        lu.as(A).register(0, 0xA, false, true).good();
        assertTrue(lu.as(A).reportCapabilities().persistThroughPowerLossActivated(), "PTPL_A follows APTPL");
    }

    @Test
    void proutRegisterSimpleRegistersRefusesARepeatFromTheSameProcessAndUnregisters() {
        lu.as(A, "qemu-a").register(0, 0xA).good();
        assertEquals(List.of(0xAL), keys());
        assertEquals(1, lu.generation());
        // registering again with RK=0 from the process that registered: RK is not the key
        lu.as(A, "qemu-a").register(0, 0xA).conflict();
        lu.as(A, "qemu-a").register(0, 0xB).conflict();
        lu.as(A, "qemu-a").register(0xA, 0).good();
        assertEquals(List.of(), keys());
        assertEquals(2, lu.generation(), "unregistering moves the generation too");
    }

    @ParameterizedTest
    @EnumSource(ReservationType.class)
    void proutReserveSimpleForEveryType(ReservationType type) {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        int gen = lu.generation();
        lu.as(A).reserve(0xA, type).good();
        assertEquals(gen, lu.generation(), "RESERVE does not move the generation");
        assertEquals(Optional.of(reserved(type.allRegistrants() ? 0 : 0xA, type)), reservation());
        lu.as(A).reserve(0xA, type).good().unchanged();
        if (type.allRegistrants()) {
            lu.as(B).reserve(0xB, type).good().unchanged(); // B holds it as well
        } else {
            lu.as(B).reserve(0xB, type).conflict();
        }
        lu.as(C).reserve(0, type).conflict();
        ReservationType other = type == WE ? EA : WE;
        lu.as(A).reserve(0xA, other).conflict();
        lu.as(A).release(0xA, type).good();
        assertEquals(Optional.empty(), reservation());
    }

    /** libiscsi's ProutReserve.Access*: initiator 1 holds, 2 is registered, 3 is not. */
    @ParameterizedTest
    @EnumSource(ReservationType.class)
    void proutReserveAccessMatrixForReadsAndWrites(ReservationType type) {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A).reserve(0xA, type).good();
        assertReadAllowed(A, true);
        assertWriteAllowed(A, true);
        boolean exclusiveAccess = type == EA || type == EA_RO || type == EA_AR;
        boolean registrantsShare = type != WE && type != EA;
        assertReadAllowed(B, !exclusiveAccess || registrantsShare);
        assertWriteAllowed(B, registrantsShare);
        assertReadAllowed(C, !exclusiveAccess);
        assertWriteAllowed(C, false);
        // PR commands: REGISTER always; RELEASE/CLEAR/PREEMPT for registrants; RESERVE for holders
        assertEquals(Decision.ALLOWED, access(ModelChecks.cdb(0x5F, 0), C));
        assertEquals(Decision.RESERVATION_CONFLICT, access(ModelChecks.cdb(0x5F, 2), C));
        assertEquals(Decision.ALLOWED, access(ModelChecks.cdb(0x5F, 4), B));
        assertEquals(type.allRegistrants() ? Decision.ALLOWED : Decision.RESERVATION_CONFLICT,
                access(ModelChecks.cdb(0x5F, 1), B));
        assertEquals(Decision.ALLOWED, access(ModelChecks.cdb(0x12), C), "INQUIRY always");
    }

    @ParameterizedTest
    @EnumSource(ReservationType.class)
    void proutReserveOwnershipWhenTheHolderUnregisters(ReservationType type) {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A).reserve(0xA, type).good();
        lu.as(A).register(0xA, 0).good();
        if (type.allRegistrants()) {
            assertEquals(Optional.of(reserved(0, type)), reservation(), "kept while B is registered");
            assertTrue(lu.table().isHolder(B));
            noUnitAttentionFor(B);
            lu.as(B).register(0xB, 0).good();
            assertEquals(Optional.empty(), reservation(), "the last registrant takes it with it");
        } else {
            assertEquals(Optional.empty(), reservation(), "released with its holder");
            if (type.registrantsOnly()) {
                nextCommandReports(B, SenseData.RESERVATIONS_RELEASED);
            } else {
                noUnitAttentionFor(B);
            }
            assertEquals(List.of(0xBL), lu.as(B).readKeys());
        }
    }

    @Test
    void proutClearSimpleRemovesEverythingAndTellsTheOthers() {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A).reserve(0xA, WE_RO).good();
        int gen = lu.generation();
        lu.as(C).clear(0).conflict(); // not registered
        lu.as(B).clear(0xA).conflict(); // not its key
        lu.as(B).clear(0xB).good();
        assertEquals(gen + 1, lu.generation(), "CLEAR: one increment");
        assertEquals(List.of(), keys());
        assertEquals(Optional.empty(), reservation());
        nextCommandReports(A, SenseData.RESERVATIONS_PREEMPTED);
        noUnitAttentionFor(B);
        lu.as(A).readKeys();
    }

    @Test
    void proutPreemptRemoveRegistrationWithoutAReservation() {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A).preempt(0xA, 0xC, WE).conflict(); // nobody has key 0xC
        lu.as(A).preempt(0xA, 0, WE).rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        lu.as(A).preempt(0xA, 0xB, WE).good();
        assertEquals(List.of(0xAL), keys());
        assertEquals(Optional.empty(), reservation(), "PREEMPT without a reservation makes none");
        nextCommandReports(B, SenseData.REGISTRATIONS_PREEMPTED);
        lu.as(B).reserve(0xB, WE).conflict();
    }

    // ------------------------------------------------------------------ sg_persist / CTL persist.sh style

    @Test
    void sgPersistSessionRegisterReserveReadReleaseReregisterAndClear() {
        // sg_persist --out --register --param-sark=0x123abc
        lu.as(A).register(0, 0x123abc).good();
        assertEquals(List.of(0x123abcL), keys());
        // sg_persist --out --reserve --param-rk=0x123abc --prout-type=1
        lu.as(A).reserve(0x123abc, WE).good();
        assertEquals(Optional.of(reserved(0x123abc, WE)), reservation());
        // sg_persist --in --read-full-status
        ReadFullStatusData status = fullStatus();
        assertEquals(1, status.descriptors().size());
        ReadFullStatusData.Descriptor d = status.descriptors().get(0);
        assertEquals(0x123abc, d.key());
        assertTrue(d.holder());
        assertEquals(Optional.of(WE), d.type());
        assertEquals(1, d.relativeTargetPortId(), "the one emulated target port");
        assertEquals(A.initiator(), d.transportId());
        // sg_persist --out --release --param-rk=0x123abc --prout-type=1
        lu.as(A).release(0x123abc, WE).good();
        assertEquals(Optional.empty(), reservation());
        // a second sg_persist with the old key as RK changes it
        lu.as(A).register(0x123abc, 0x456def).good();
        assertEquals(List.of(0x456defL), keys());
        assertEquals(0x456def, fullStatus().descriptors().get(0).key());
        assertFalse(fullStatus().descriptors().get(0).holder());
        lu.as(A).register(0x123abc, 0x1).conflict(); // the old key is gone (sg_persist exits 24)
        // sg_persist --out --clear --param-rk=0x456def
        lu.as(A).clear(0x456def).good();
        assertEquals(List.of(), keys());
        assertEquals(3, lu.generation(), "register, re-register, clear; reserve, release and conflicts do not count");
    }

    @Test
    void ctlPersistChecksReleaseOfAnotherTypeAndPreemptOfTheHolder() {
        lu.as(A).register(0, 0x1111).good();
        lu.as(B).register(0, 0x2222).good();
        lu.as(A).reserve(0x1111, EA).good();
        lu.as(A).release(0x1111, WE).rejectedWith(SenseData.INVALID_RELEASE_OF_PERSISTENT_RESERVATION);
        lu.as(B).release(0x2222, EA).good().unchanged(); // not the holder: nothing to do
        lu.as(B).preempt(0x2222, 0x1111, EA).good();
        assertEquals(Optional.of(reserved(0x2222, EA)), reservation());
        assertEquals(List.of(0x2222L), keys());
        nextCommandReports(A, SenseData.REGISTRATIONS_PREEMPTED);
        lu.as(A).register(0, 0x1111).good();
        lu.as(A).reserve(0x1111, EA).conflict();
    }

    // ------------------------------------------------------------------ Windows failover cluster

    /**
     * "Validate SCSI-3 Persistent Reservation": each node registers with RIEK and a random key,
     * reads the reservation, one node reserves, another takes over with PREEMPT, keys are
     * read. Here two nodes draw the same random key, which the validator can do.
     */
    @Test
    void windowsClusterValidationSequence() {
        long k1 = 0x6f3a_11c2_0000_0001L;
        long k2 = 0x6f3a_11c2_0000_0001L; // node 2 drew the same key
        long k3 = 0x0042_9b7d_aa00_0003L;
        lu.as(A).registerAndIgnore(k1).good();
        lu.as(B).registerAndIgnore(k2).good();
        lu.as(C).registerAndIgnore(k3).good();
        assertEquals(3, lu.generation());
        assertEquals(3, keys().size(), "a shared key appears once per registration");
        assertEquals(Optional.empty(), reservation());
        lu.as(A).reserve(k1, WE_RO).good();
        assertEquals(Optional.of(reserved(k1, WE_RO)), lu.as(C).readReservation());
        // the RIEK re-register every node does on arbitration leaves the reservation alone
        lu.as(A).registerAndIgnore(k1).good();
        assertEquals(Optional.of(reserved(k1, WE_RO)), reservation());
        // node 3 arbitrates: PREEMPT of the holder's key, same type
        int gen = lu.generation();
        lu.as(C).preempt(k3, k1, WE_RO).good();
        assertEquals(gen + 1, lu.generation());
        assertEquals(Optional.of(reserved(k3, WE_RO)), reservation());
        assertEquals(List.of(k3), keys(), "both registrations with the preempted key are gone");
        nextCommandReports(A, SenseData.REGISTRATIONS_PREEMPTED);
        nextCommandReports(B, SenseData.REGISTRATIONS_PREEMPTED);
        // the losers come back with new random keys
        lu.as(A).registerAndIgnore(0x1234_5678_9abc_def0L).good();
        lu.as(B).registerAndIgnore(0x0fed_cba9_8765_4321L).good();
        assertEquals(List.of(0x0042_9b7d_aa00_0003L, 0x0fed_cba9_8765_4321L, 0x1234_5678_9abc_def0L),
                keys().stream().sorted().toList());
        assertEquals(Optional.of(reserved(k3, WE_RO)), reservation());
        // validation cleans up: node 3 clears
        lu.as(C).clear(k3).good();
        assertEquals(List.of(), keys());
    }

    // ------------------------------------------------------------------ Pacemaker fence_scsi

    @Test
    void fenceScsiFencesANodeWithPreemptAndAbort() {
        long ka = 0x7d2e_0000L;
        long kb = 0x7d2e_0001L;
        long kc = 0x7d2e_0002L;
        // unfence on start: every node registers its key, APTPL on; the first reserves WE_RO
        lu.as(A).register(0, ka, false, true).good();
        lu.as(B).register(0, kb, false, true).good();
        lu.as(C).register(0, kc, false, true).good();
        lu.as(A).reserve(ka, WE_RO).good();
        for (Nexus n : List.of(A, B, C)) {
            assertWriteAllowed(n, true);
        }
        assertWriteAllowed(D, false);
        assertReadAllowed(D, true);
        // node C misbehaves: A fences it
        int gen = lu.generation();
        lu.as(A).preemptAndAbort(ka, kc, WE_RO).good();
        assertEquals(gen + 1, lu.generation());
        assertEquals(List.of(ka, kb), keys().stream().sorted().toList());
        assertEquals(Optional.of(reserved(ka, WE_RO)), reservation(), "a registrant's key: reservation stays");
        noUnitAttentionFor(B);
        // C's writes are refused from now on; reads still pass under type 5
        assertWriteAllowed(C, false);
        assertReadAllowed(C, true);
        // C learns it, oldest first, one per command, each command not executed
        lu.as(C).register(0, kc).checkCondition(SenseData.REGISTRATIONS_PREEMPTED);
        assertFalse(lu.table().isRegistered(C), "the command that reported the unit attention did not run");
        lu.as(C).in(PrInServiceAction.READ_KEYS, 8192).checkCondition(SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR);
        assertEquals(List.of(ka, kb), lu.as(C).readKeys().stream().sorted().toList());
        // unfence after the node is repaired
        lu.as(C).register(0, kc, false, true).good();
        assertWriteAllowed(C, true);
        // a power cycle of the storage: APTPL keeps everything, the generation restarts
        lu.powerCycle();
        assertEquals(0, lu.generation());
        assertEquals(List.of(ka, kb, kc), keys().stream().sorted().toList());
        assertEquals(Optional.of(reserved(ka, WE_RO)), reservation());
        assertWriteAllowed(C, true);
    }

    @Test
    void fenceScsiFencesTheReservationHolderAndTakesTheReservationOver() {
        lu.as(A).register(0, 0xA0).good();
        lu.as(B).register(0, 0xB0).good();
        lu.as(A).reserve(0xA0, WE_RO).good();
        lu.as(B).preemptAndAbort(0xB0, 0xA0, WE_RO).good();
        assertEquals(Optional.of(reserved(0xB0, WE_RO)), reservation());
        assertEquals(List.of(0xB0L), keys());
        assertWriteAllowed(A, false);
        assertEquals(List.of(SenseData.REGISTRATIONS_PREEMPTED, SenseData.COMMANDS_CLEARED_BY_ANOTHER_INITIATOR),
                lu.table().unitAttentions(A), "same type: no RESERVATIONS RELEASED on top");
    }

    @Test
    void fenceScsiWithoutAptplLosesEverythingOnAPowerCycle() {
        lu.as(A).register(0, 0xA0).good();
        lu.as(A).reserve(0xA0, WE_RO).good();
        lu.powerCycle();
        assertEquals(0, lu.generation());
        assertEquals(List.of(), keys());
        assertEquals(Optional.empty(), reservation());
        assertWriteAllowed(B, true);
    }

    // ------------------------------------------------------------------ regressions of other targets' bugs

    /** SPDK #3409: Exclusive Access, All Registrants was not enforced against non-registrants. */
    @Test
    void spdk3409AllRegistrantsTypesShutOutNonRegistrants() {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        lu.as(A).reserve(0xA, EA_AR).good();
        assertReadAllowed(C, false);
        assertWriteAllowed(C, false);
        assertReadAllowed(B, true);
        assertWriteAllowed(B, true);
        lu.as(A).release(0xA, EA_AR).good();
        lu.as(B).in(PrInServiceAction.READ_KEYS, 8).checkCondition(SenseData.RESERVATIONS_RELEASED);
        lu.as(A).reserve(0xA, WE_AR).good();
        assertReadAllowed(C, true);
        assertWriteAllowed(C, false);
    }

    /** SPDK PR #3700: after the holder re-registers, READ RESERVATION showed its old key. */
    @Test
    void spdk3700ReadReservationShowsTheHoldersNewKeyAfterReRegister() {
        lu.as(A).register(0, 0xA).good();
        lu.as(A).reserve(0xA, WE_RO).good();
        lu.as(A).register(0xA, 0xAA).good();
        assertEquals(Optional.of(reserved(0xAA, WE_RO)), reservation());
        lu.as(A).registerAndIgnore(0xAAA).good();
        assertEquals(Optional.of(reserved(0xAAA, WE_RO)), reservation());
        lu.as(A).release(0xAA, WE_RO).conflict(); // the old key is no longer the key
        lu.as(A).release(0xAAA, WE_RO).good();
    }

    /** SPDK PR #3699: keys in READ FULL STATUS were in the wrong byte order. */
    @Test
    void spdk3699KeysAreBigEndianInReadFullStatusAndReadKeys() {
        long key = 0x0102_0304_0506_0708L;
        lu.as(A).register(0, key).good();
        lu.as(A).reserve(key, EA).good();
        byte[] expected = {1, 2, 3, 4, 5, 6, 7, 8};
        byte[] full = lu.as(OBSERVER).in(PrInServiceAction.READ_FULL_STATUS, 8192).good().data();
        assertArrayEquals(expected, Arrays.copyOfRange(full, 8, 16), "READ FULL STATUS descriptor bytes 0-7");
        byte[] keys = lu.as(OBSERVER).in(PrInServiceAction.READ_KEYS, 8192).good().data();
        assertArrayEquals(expected, Arrays.copyOfRange(keys, 8, 16), "READ KEYS");
        byte[] res = lu.as(OBSERVER).in(PrInServiceAction.READ_RESERVATION, 8192).good().data();
        assertArrayEquals(expected, Arrays.copyOfRange(res, 8, 16), "READ RESERVATION");
    }

    /**
     * LIO acked REGISTER in memory and then failed the APTPL write. The engine's part of the
     * rule: a command that fails leaves the table exactly as it was (same instance), so the
     * store has nothing to persist and nothing to undo; SPEC_I_PT is all or nothing.
     */
    @Test
    void lioAckThenFailRegisterEngineLeavesTheTableAsItWasWhenARegisterFails() {
        LogicalUnit small = new LogicalUnit(ReservationTable.empty(), new PersistentReservations(3));
        small.as(A).register(0, 0xA, false, true).good();
        ReservationTable before = small.table();
        // too many registrations: 55/04, nobody registered (C and D were valid)
        small.as(B).registerSpecifying(0xB, C.initiator(), D.initiator())
                .rejectedWith(SenseData.INSUFFICIENT_REGISTRATION_RESOURCES);
        // an FC TransportID in the list: 26/00, C not registered either
        small.as(B).registerSpecifying(0xB, C.initiator(), new FibreChannelTransportId(0x2100_0024_ff00_0001L))
                .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        // an already registered port in the list
        small.as(B).registerSpecifying(0xB, C.initiator(), A.initiator())
                .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        // a REGISTER with APTPL that conflicts does not flip APTPL
        small.as(A).register(0xB, 0xC, false, false).conflict();
        assertSame(before, small.table());
        assertTrue(small.table().aptpl());
        assertEquals(1, small.generation());
        small.as(B).registerSpecifying(0xB, C.initiator()).good();
        assertEquals(3, small.table().registrationCount(), "the same list, once it fits");
        assertEquals(2, small.generation(), "one increment for the whole SPEC_I_PT list");
    }

    /** LIO forgets to increment PRgeneration on unregister (reference 2.8: do not copy that). */
    @Test
    void lioUnregisterWithoutGenerationIncrementIsNotCopied() {
        lu.as(A).register(0, 0xA).good();
        lu.as(B).register(0, 0xB).good();
        assertEquals(2, lu.generation());
        lu.as(A).register(0xA, 0).good();
        assertEquals(3, lu.generation(), "REGISTER SARK=0");
        lu.as(B).registerAndIgnore(0).good();
        assertEquals(4, lu.generation(), "RIEK SARK=0");
        lu.as(C).register(0, 0).good().unchanged();
        assertEquals(4, lu.generation(), "an unregistered nexus registering key 0: no-op, no increment");
    }

    // ------------------------------------------------------------------ live migration (reference 7.9)

    private static final List<ReservationType> MIGRATION_TYPES = List.of(WE, WE_RO, WE_AR);

    @Test
    void liveMigrationOnQemuBefore11KeepsRegistrationsAndReservation() {
        for (ReservationType type : MIGRATION_TYPES) {
            LogicalUnit unit = new LogicalUnit();
            unit.as(A, "qemu-a@host1").register(0, 0xA).good();
            unit.as(B, "qemu-b@host2").register(0, 0xB).good();
            unit.as(A, "qemu-a@host1").reserve(0xA, type).good();
            ReservationTable beforeMigration = unit.table();
            // the VM now runs in a new QEMU process on host 3, which replays nothing
            assertEquals(Optional.of(reserved(type.allRegistrants() ? 0 : 0xA, type)),
                    unit.as(A, "qemu-a@host3").readReservation(), type.toString());
            assertEquals(List.of(0xAL, 0xBL), unit.as(A, "qemu-a@host3").readKeys());
            assertSame(beforeMigration, unit.table(), "reading from the new process changes nothing");
            assertEquals(Decision.ALLOWED, AccessPolicy.check(WRITE_10, A, unit.table()), "writes keep flowing");
            // the guest carries on with its key from the new process
            unit.as(A, "qemu-a@host3").register(0xA, 0xA1).good();
            unit.as(A, "qemu-a@host3").release(0xA1, type).good();
            assertEquals(List.of(), unit.table().unitAttentions(A));
        }
    }

    @Test
    void liveMigrationOnQemu11ReplaysRegisterAndPreemptAndNothingElseChanges() {
        for (ReservationType type : MIGRATION_TYPES) {
            LogicalUnit unit = new LogicalUnit();
            unit.as(A, "qemu-a@host1").register(0, 0xA).good();
            unit.as(B, "qemu-b@host2").register(0, 0xB).good();
            unit.as(A, "qemu-a@host1").reserve(0xA, type).good();
            ReservationTable before = unit.table();
            Optional<Reserved> reservationBefore = unit.as(OBSERVER).readReservation();
            // destination process replays: REGISTER RK=0 SARK=K, then PREEMPT RK=K SARK=K type T
            unit.as(A, "qemu-a@host3").register(0, 0xA).good();
            unit.as(A, "qemu-a@host3").preempt(0xA, 0xA, type).good();
            ReservationTable after = unit.table();
            assertEquals(before.generation() + 1, after.generation(), type + ": only PREEMPT counts");
            assertEquals(keysOf(before), keysOf(after), type + ": registrations as they were");
            assertEquals(before.reservation(), after.reservation(), type + ": reservation as it was");
            assertEquals(reservationBefore, unit.as(OBSERVER).readReservation(), type.toString());
            assertTrue(after.unitAttentions().isEmpty(), type + ": nobody is told anything");
            // B carries on untouched
            assertEquals(List.of(0xAL, 0xBL), unit.as(B, "qemu-b@host2").readKeys());
            // and the new process is now the one using the nexus: a repeat is a conflict again
            unit.as(A, "qemu-a@host3").register(0, 0xA).conflict();
        }
    }

    @Test
    void registerWithZeroKeyByARegisteredNexusFromTheSameProcessIsStillAConflict() {
        lu.as(A, "qemu-a").register(0, 0xA).good();
        lu.as(A, "qemu-a").register(0, 0xA).conflict();
        lu.as(A, "qemu-a").reserve(0xA, WE_RO).good();
        lu.as(A, "qemu-a").register(0, 0xA).conflict();
        // another process, but asking for another key: not a replay
        lu.as(A, "qemu-a2").register(0, 0xB).conflict();
        assertEquals(List.of(0xAL), keys());
    }

    private static List<Long> keysOf(ReservationTable t) {
        return t.registrations().stream().map(Registration::key).toList();
    }

    // ------------------------------------------------------------------ a whole day

    /**
     * Two cluster nodes and a backup host through a day: boot and unfence, a reservation, the
     * backup host reading, a failover by PREEMPT, a migration of the new primary, an operator
     * moving the reservation with REGISTER AND MOVE, and a planned shutdown with CLEAR.
     */
    @Test
    void twoNodeClusterDayWithFailoverMigrationAndMove() {
        lu.as(A, "a#1").register(0, 0xA, false, true).good();
        lu.as(B, "b#1").register(0, 0xB, false, true).good();
        lu.as(A, "a#1").reserve(0xA, WE_RO).good();
        assertReadAllowed(C, true); // backup host reads without registering
        assertWriteAllowed(C, false);
        // node A hangs; B takes over
        lu.as(B, "b#1").preempt(0xB, 0xA, WE_RO).good();
        assertEquals(Optional.of(reserved(0xB, WE_RO)), reservation());
        // B live-migrates to another host (QEMU >= 11)
        lu.as(B, "b#2").register(0, 0xB).good();
        lu.as(B, "b#2").preempt(0xB, 0xB, WE_RO).good();
        assertEquals(Optional.of(reserved(0xB, WE_RO)), reservation());
        // A comes back and learns what happened before doing anything
        nextCommandReports(A, SenseData.REGISTRATIONS_PREEMPTED);
        lu.as(A, "a#2").register(0, 0xA, false, true).good();
        // the operator hands the reservation to A with REGISTER AND MOVE, B stays registered
        lu.as(B, "b#2").registerAndMove(0xB, 0xA2, A, false).good();
        assertEquals(Optional.of(reserved(0xA2, WE_RO)), reservation());
        assertEquals(List.of(0xBL, 0xA2L), keys().stream().sorted().toList());
        // moving to itself or through a port that does not exist is refused
        lu.as(A, "a#2").registerAndMove(0xA2, 0xA3, A, false).rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        lu.as(A, "a#2").registerAndMove(0xA2, 0xA3, new Nexus(B.initiator(), 2), false)
                .rejectedWith(SenseData.INVALID_FIELD_IN_PARAMETER_LIST);
        lu.as(B, "b#2").registerAndMove(0xB, 0xB2, C, false).conflict(); // B no longer holds
        // planned shutdown
        lu.as(A, "a#2").clear(0xA2).good();
        nextCommandReports(B, SenseData.RESERVATIONS_PREEMPTED);
        assertEquals(List.of(), keys());
        lu.powerCycle();
        assertEquals(List.of(), keys());
    }

    /** Reference 1.1 and 7.7: a basic list that is not 24 bytes, or CDB bytes 5-6 that disagree. */
    @Test
    void wrongParameterListLengthsAreParameterListLengthErrors() {
        lu.as(A).register(0, 0xA).good();
        byte[] list = BasicParameterList.of(0xA, 0).encode();
        lu.as(A).out(PrOutServiceAction.RESERVE, WE, Arrays.copyOf(list, 16))
                .rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        lu.as(A).out(PrOutServiceAction.RESERVE, WE, Arrays.copyOf(list, 32))
                .rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        byte[] cdb = org.prsidecar.scsi.PersistentReserveOutCdb.of(PrOutServiceAction.RESERVE, WE, 24).encode();
        cdb[5] = (byte) 0xFF; // 0xFF000018: bytes 5-6 disagree with the framed 24 bytes (7.7)
        lu.execute(Request.of(A, cdb, list)).rejectedWith(SenseData.PARAMETER_LIST_LENGTH_ERROR);
        lu.as(A).reserve(0xA, WE).good();
    }
}
