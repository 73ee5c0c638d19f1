package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.C;
import static org.prsidecar.reservation.LogicalUnit.EA_AR;
import static org.prsidecar.reservation.LogicalUnit.WE_RO;
import static org.prsidecar.reservation.TableBuilder.table;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;

/** PR IN, as SPC reference section 1.5 and the Decision lines state it. */
class PersistentReserveInTest {

    private static final ReservationTable BUSY_TABLE = table().generation(0x01020304)
            .registered(A, 0xAAAA_0000_0000_0001L).registeredAllTargetPorts(B, 0xB).registered(C, 0xC)
            .reservedBy(A, WE_RO).build();

    @Test
    void readKeysListsOneKeyPerRegistrationInOrder() {
        LogicalUnit lu = new LogicalUnit(BUSY_TABLE);
        assertEquals(List.of(0xAAAA_0000_0000_0001L, 0xBL, 0xCL), lu.as(A).readKeys());
        byte[] data = lu.as(A).in(PrInServiceAction.READ_KEYS, 100).good().data();
        assertArrayEquals(new byte[] {1, 2, 3, 4, 0, 0, 0, 24}, Arrays.copyOf(data, 8));
    }

    @Test
    void readKeysOfAnEmptyTableIsEightBytes() {
        byte[] data = new LogicalUnit().as(A).in(PrInServiceAction.READ_KEYS, 8192).good().data();
        assertArrayEquals(new byte[8], data);
    }

    @Test
    void readReservationWithoutReservationIsEightBytes() {
        byte[] data = table().registered(A, 0xA).lu().as(A).in(PrInServiceAction.READ_RESERVATION, 8192).good()
                .data();
        assertEquals(8, data.length);
    }

    @Test
    void readReservationShowsTheHoldersKeyTypeAndScope() {
        assertEquals(Optional.of(new ReadReservationData.Reserved(0xAAAA_0000_0000_0001L, 0, WE_RO)),
                new LogicalUnit(BUSY_TABLE).as(C).readReservation());
    }

    @Test
    void readReservationOfAllRegistrantsShowsKeyZero() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, EA_AR).lu();
        assertEquals(Optional.of(new ReadReservationData.Reserved(0, 0, EA_AR)), lu.as(A).readReservation());
    }

    @Test
    void reportCapabilitiesFollowsTheDecision() {
        ReportCapabilitiesData caps = new LogicalUnit().as(A).reportCapabilities();
        assertFalse(caps.replaceLostReservationCapable());
        assertFalse(caps.compatibleReservationHandling());
        assertTrue(caps.specifyInitiatorPortsCapable());
        assertTrue(caps.allTargetPortsCapable());
        assertTrue(caps.persistThroughPowerLossCapable());
        assertTrue(caps.typeMaskValid());
        assertEquals(0, caps.allowCommands());
        assertFalse(caps.persistThroughPowerLossActivated());
        assertEquals(EnumSet.allOf(ReservationType.class), caps.typeMask());
        byte[] raw = new LogicalUnit().as(A).in(PrInServiceAction.REPORT_CAPABILITIES, 8).good().data();
        assertArrayEquals(new byte[] {0, 8, 0x0D, (byte) 0x80, (byte) 0xEA, 0x01, 0, 0}, raw);
    }

    @Test
    void reportCapabilitiesReportsTheCurrentAptpl() {
        assertTrue(table().registered(A, 0xA).aptpl().lu().as(A).reportCapabilities().persistThroughPowerLossActivated());
    }

    @Test
    void readFullStatusDescribesEveryRegistration() {
        ReadFullStatusData status = new LogicalUnit(BUSY_TABLE).as(B).readFullStatus();
        assertEquals(0x01020304, status.generation());
        assertEquals(List.of(
                new ReadFullStatusData.Descriptor(0xAAAA_0000_0000_0001L, false, true, 0, Optional.of(WE_RO), 1,
                        A.initiator()),
                new ReadFullStatusData.Descriptor(0xB, true, false, 0, Optional.empty(), 0, B.initiator()),
                new ReadFullStatusData.Descriptor(0xC, false, false, 0, Optional.empty(), 1, C.initiator())),
                status.descriptors());
    }

    @Test
    void readFullStatusKeysAreBigEndian() { // SPDK PR #3699
        byte[] data = new LogicalUnit(BUSY_TABLE).as(A).in(PrInServiceAction.READ_FULL_STATUS, 8192).good().data();
        assertArrayEquals(new byte[] {(byte) 0xAA, (byte) 0xAA, 0, 0, 0, 0, 0, 1}, Arrays.copyOfRange(data, 8, 16));
    }

    @Test
    void readFullStatusUnderAllRegistrantsMarksEveryRegistrantHolder() {
        LogicalUnit lu = table().registered(A, 0xA).registered(B, 0xB).reservedBy(B, EA_AR).lu();
        for (ReadFullStatusData.Descriptor d : lu.as(C).readFullStatus().descriptors()) {
            assertTrue(d.holder());
            assertEquals(Optional.of(EA_AR), d.type());
        }
    }

    @ParameterizedTest
    @EnumSource(PrInServiceAction.class)
    void truncatedAnswersArePrefixesWithUnchangedHeaders(PrInServiceAction sa) { // invariant 6
        LogicalUnit lu = new LogicalUnit(BUSY_TABLE);
        byte[] full = lu.as(A).in(sa, 0xFFFF).good().data();
        for (int n = 0; n <= full.length + 1; n++) {
            byte[] cut = lu.as(A).in(sa, n).good().data();
            assertEquals(Math.min(n, full.length), cut.length);
            assertArrayEquals(Arrays.copyOf(full, cut.length), cut);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 7})
    void allocationLengthBelowEightIsNotAnError(int n) { // section 4: GOOD, not LIO's 24/00
        assertEquals(n, new LogicalUnit(BUSY_TABLE).as(A).in(PrInServiceAction.READ_KEYS, n).good().data().length);
    }

    @Test
    void reservedServiceActionIsInvalidFieldInCdb() {
        byte[] cdb = PersistentReserveInCdb.of(PrInServiceAction.READ_KEYS, 8192).encode();
        for (int sa = 4; sa <= 0x1F; sa++) {
            cdb[1] = (byte) sa;
            new LogicalUnit().execute(Request.of(A, cdb)).rejectedWith(SenseData.INVALID_FIELD_IN_CDB);
        }
    }

    @Test
    void prInNeverChangesTheTable() {
        LogicalUnit lu = new LogicalUnit(BUSY_TABLE);
        for (PrInServiceAction sa : PrInServiceAction.values()) {
            lu.as(B).in(sa, 8192).good().unchanged();
        }
    }
}
