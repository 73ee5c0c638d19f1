package org.prsidecar.reservation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.prsidecar.reservation.AccessPolicy.Decision.ALLOWED;
import static org.prsidecar.reservation.AccessPolicy.Decision.RESERVATION_CONFLICT;
import static org.prsidecar.reservation.LogicalUnit.A;
import static org.prsidecar.reservation.LogicalUnit.B;
import static org.prsidecar.reservation.LogicalUnit.C;
import static org.prsidecar.reservation.TableBuilder.table;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.prsidecar.reservation.AccessPolicy.Decision;
import org.prsidecar.reservation.AccessPolicy.Standing;
import org.prsidecar.scsi.ReservationType;

/** The access table of SPC reference section 3, cell by cell. */
class AccessPolicyTest {

    /** Section 3 as written: group -> type -> {registered, unregistered}; "y" allowed, "-" conflict. */
    private static final String[][] TABLE = {
        // group              WE    EA    WE_RO WE_AR EA_RO EA_AR  (types 1, 3, 5, 7, 6, 8) as R/U
        {"ALWAYS",            "yy", "yy", "yy", "yy", "yy", "yy"},
        {"READ",              "yy", "--", "yy", "yy", "y-", "y-"},
        {"WRITE",             "--", "--", "y-", "y-", "y-", "y-"},
        {"PR_OUT_REGISTER",   "yy", "yy", "yy", "yy", "yy", "yy"},
        {"PR_OUT_REGISTRANT", "y-", "y-", "y-", "y-", "y-", "y-"},
        {"PR_OUT_HOLDER",     "--", "--", "--", "--", "--", "--"},
    };
    private static final ReservationType[] COLUMNS = {ReservationType.WRITE_EXCLUSIVE,
        ReservationType.EXCLUSIVE_ACCESS, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
        ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS, ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY,
        ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS};

    @Test
    void everyCellOfTheTable() {
        for (String[] row : TABLE) {
            CommandGroup group = CommandGroup.valueOf(row[0]);
            for (int col = 0; col < COLUMNS.length; col++) {
                ReservationType type = COLUMNS[col];
                String cell = row[col + 1];
                assertEquals(cell.charAt(0) == 'y' ? ALLOWED : RESERVATION_CONFLICT,
                        AccessPolicy.check(group, type, Standing.REGISTERED), group + " registered under " + type);
                assertEquals(cell.charAt(1) == 'y' ? ALLOWED : RESERVATION_CONFLICT,
                        AccessPolicy.check(group, type, Standing.UNREGISTERED), group + " unregistered under " + type);
                assertEquals(ALLOWED, AccessPolicy.check(group, type, Standing.HOLDER), group + " holder of " + type);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ReservationType.class)
    void libiscsiReadWriteMatrix(ReservationType type) {
        // initiator A holds, B is registered, C is not
        ReservationTable t = table().registered(A, 0xA).registered(B, 0xB).reservedBy(A, type).build();
        byte[] read10 = {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        byte[] write10 = {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0};
        Map<ReservationType, String> expected = new EnumMap<>(Map.of(
                // B read, B write, C read, C write
                ReservationType.EXCLUSIVE_ACCESS, "----",
                ReservationType.WRITE_EXCLUSIVE, "y-y-",
                ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, "yy--",
                ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS, "yy--",
                ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, "yyy-",
                ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS, "yyy-"));
        String want = expected.get(type);
        assertEquals(ALLOWED, AccessPolicy.check(write10, A, t));
        assertEquals(decision(want, 0), AccessPolicy.check(read10, B, t), "B read");
        assertEquals(decision(want, 1), AccessPolicy.check(write10, B, t), "B write");
        assertEquals(decision(want, 2), AccessPolicy.check(read10, C, t), "C read");
        assertEquals(decision(want, 3), AccessPolicy.check(write10, C, t), "C write");
    }

    private static Decision decision(String cells, int i) {
        return cells.charAt(i) == 'y' ? ALLOWED : RESERVATION_CONFLICT;
    }

    @Test
    void exclusiveAccessAllRegistrantsKeepsNonRegistrantsOut() { // SPDK #3409
        ReservationTable t = table().registered(A, 0xA).reservedBy(A, ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS)
                .build();
        assertEquals(RESERVATION_CONFLICT, AccessPolicy.check(new byte[] {0x28, 0, 0, 0, 0, 0, 0, 0, 1, 0}, C, t));
        assertEquals(RESERVATION_CONFLICT, AccessPolicy.check(new byte[] {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, C, t));
    }

    @Test
    void withoutAReservationEverythingIsAllowed() {
        ReservationTable t = table().registered(A, 0xA).build();
        assertEquals(ALLOWED, AccessPolicy.check(new byte[] {0x2A, 0, 0, 0, 0, 0, 0, 0, 1, 0}, C, t));
    }

    @Test
    void commandsAreClassifiedIntoTheirGroups() {
        assertEquals(CommandGroup.ALWAYS, CommandGroup.of(new byte[] {0x12})); // INQUIRY
        assertEquals(CommandGroup.ALWAYS, CommandGroup.of(new byte[] {0x00})); // TEST UNIT READY
        assertEquals(CommandGroup.ALWAYS, CommandGroup.of(new byte[] {0x5E, 0})); // PR IN
        assertEquals(CommandGroup.ALWAYS, CommandGroup.of(new byte[] {(byte) 0x9E, 0x10})); // READ CAPACITY(16)
        assertEquals(CommandGroup.ALWAYS, CommandGroup.of(new byte[] {(byte) 0xA3, 0x0A})); // REPORT TPG
        assertEquals(CommandGroup.READ, CommandGroup.of(new byte[] {(byte) 0x88})); // READ(16)
        assertEquals(CommandGroup.READ, CommandGroup.of(new byte[] {(byte) 0x9E, 0x12})); // GET LBA STATUS
        assertEquals(CommandGroup.READ, CommandGroup.of(new byte[] {(byte) 0xA3, 0x0C})); // REPORT SUPPORTED OPCODES
        assertEquals(CommandGroup.READ, CommandGroup.of(new byte[] {0x7F, 0, 0, 0, 0, 0, 0, 0x18, 0, 9})); // READ(32)
        assertEquals(CommandGroup.WRITE, CommandGroup.of(new byte[] {0x7F, 0, 0, 0, 0, 0, 0, 0x18, 0, 0xB}));
        assertEquals(CommandGroup.WRITE, CommandGroup.of(new byte[] {0x7F})); // too short to tell: strictest
        assertEquals(CommandGroup.WRITE, CommandGroup.of(new byte[] {(byte) 0x8A})); // WRITE(16)
        assertEquals(CommandGroup.WRITE, CommandGroup.of(new byte[] {0x35})); // SYNCHRONIZE CACHE
        assertEquals(CommandGroup.PR_OUT_REGISTER, CommandGroup.of(new byte[] {0x5F, 0}));
        assertEquals(CommandGroup.PR_OUT_REGISTER, CommandGroup.of(new byte[] {0x5F, 6}));
        assertEquals(CommandGroup.PR_OUT_REGISTRANT, CommandGroup.of(new byte[] {0x5F, 5}));
        assertEquals(CommandGroup.PR_OUT_HOLDER, CommandGroup.of(new byte[] {0x5F, 7}));
        assertThrows(IllegalArgumentException.class, () -> CommandGroup.of(new byte[0]));
    }

    @Test
    void everyOpcodeIsClassified() {
        for (int op = 0; op < 256; op++) {
            for (int sa = 0; sa < 32; sa++) {
                CommandGroup.of(new byte[] {(byte) op, (byte) sa, 0, 0, 0, 0, 0, 0, 0, 0});
            }
        }
    }
}
