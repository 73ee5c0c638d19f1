package org.prsidecar.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.prsidecar.cli.ToolsHarness.A;
import static org.prsidecar.cli.ToolsHarness.A_NAME;
import static org.prsidecar.cli.ToolsHarness.B;
import static org.prsidecar.cli.ToolsHarness.B_NAME;
import static org.prsidecar.cli.ToolsHarness.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.prsidecar.cli.ToolsHarness.Run;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.store.Disk;

/** prsidecar show: human and JSON views of fresh, busy and broken tables; never writes. */
class ShowCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;
    Path image;
    Disk disk;

    @BeforeEach
    void disk() throws Exception {
        image = ToolsHarness.image(dir, "disk.img");
        disk = ToolsHarness.diskOf(image);
    }

    /** A registered with key 0xa and holding WE_RO; B registered through all target ports; APTPL on; a UA for B. */
    static ReservationTable busy() {
        return ReservationTable.empty().toBuilder().register(new Registration(A, 0xA))
                .register(new Registration(B, 0xB, true, Optional.empty())).generation(2).aptpl(true)
                .reservation(Optional.of(Reservation.of(ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY, A)))
                .queueUnitAttention(B, SenseData.RESERVATIONS_RELEASED).build();
    }

    @Test
    void aFreshDiskShowsAnEmptyTableAndSaysSoWithoutCreatingAnything() throws Exception {
        String before = ToolsHarness.snapshot(dir);
        Run r = run("show", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("disk " + disk.id()), r.out());
        assertTrue(r.out().contains("none written yet, a fresh table"), r.out());
        assertTrue(r.out().contains("PR generation=0x0, there are NO registered reservation keys"), r.out());
        assertTrue(r.out().contains("PR generation=0x0, there is NO reservation held"), r.out());
        assertTrue(r.out().contains("Pending unit attentions: none"), r.out());
        assertEquals(before, ToolsHarness.snapshot(dir), "show never writes");
    }

    @Test
    void aFreshDiskAsJson() throws Exception {
        Run r = run("show", "--json", image.toString());
        assertEquals(0, r.status(), r.toString());
        JsonNode n = JSON.readTree(r.out());
        assertEquals(image.toString(), n.get("argument").asText());
        assertEquals(disk.id(), n.get("disk").asText());
        assertEquals(disk.sidecar().toString(), n.get("sidecar").asText());
        assertEquals("fresh", n.get("source").asText());
        assertEquals(0, n.get("revision").asLong());
        assertTrue(n.get("lastWriter").isNull());
        assertEquals(0, n.get("generation").asLong());
        assertFalse(n.get("aptpl").asBoolean());
        assertEquals(0, n.get("registrations").size());
        assertTrue(n.get("reservation").isNull());
        assertEquals(0, n.get("unitAttentions").size());
    }

    @Test
    void aBusyTableLikeSgPersist() throws Exception {
        ToolsHarness.write(disk, busy());
        Run r = run("show", image.toString());
        assertEquals(0, r.status(), r.toString());
        String o = r.out();
        for (String expected : new String[] {
            "sidecar " + disk.sidecar() + ", revision 1",
            "last written by ",
            ": test-writer",
            "APTPL (persist through power loss): on",
            "PR generation=0x2, 2 registered reservation keys follow:\n    0xa\n    0xb\n",
            "PR generation=0x2, Reservation follows:\n    Key=0xa\n    scope: LU_SCOPE,  type: Write Exclusive,"
                    + " registrants only\n",
            "type code 5 (WRITE_EXCLUSIVE_REGISTRANTS_ONLY), held by " + A_NAME,
            "    Key=0xa\n      All target ports bit clear\n      Relative port address: 0x1\n"
                    + "      << Reservation holder >>\n",
            "    Key=0xb\n      All target ports bit set\n      not reservation holder\n",
            "        iSCSI name: " + B_NAME,
            "    " + B_NAME + ": 2A/04 RESERVATIONS RELEASED"}) {
            assertTrue(o.contains(expected), "missing <" + expected + "> in\n" + o);
        }
    }

    @Test
    void aBusyTableAsJson() throws Exception {
        ToolsHarness.write(disk, busy());
        JsonNode n = JSON.readTree(run("show", "--json", image.toString()).out());
        assertEquals("sidecar", n.get("source").asText());
        assertEquals(1, n.get("revision").asLong());
        assertEquals("test-writer", n.get("lastWriter").get("program").asText());
        assertEquals(2, n.get("generation").asLong());
        assertTrue(n.get("aptpl").asBoolean());
        JsonNode a = n.get("registrations").get(0);
        assertEquals(A_NAME, a.get("initiator").asText());
        assertEquals("iSCSI name: " + A_NAME, a.get("transportId").asText());
        assertEquals("iscsi", a.get("protocol").asText());
        assertEquals("0x000000000000000a", a.get("key").asText());
        assertFalse(a.get("allTargetPorts").asBoolean());
        assertTrue(a.get("holder").asBoolean());
        JsonNode b = n.get("registrations").get(1);
        assertTrue(b.get("allTargetPorts").asBoolean());
        assertFalse(b.get("holder").asBoolean());
        JsonNode res = n.get("reservation");
        assertEquals(5, res.get("type").asInt());
        assertEquals("WRITE_EXCLUSIVE_REGISTRANTS_ONLY", res.get("typeName").asText());
        assertEquals(A_NAME, res.get("holder").asText());
        assertEquals("0x000000000000000a", res.get("key").asText());
        JsonNode ua = n.get("unitAttentions").get(0);
        assertEquals(B_NAME, ua.get("initiator").asText());
        assertEquals("2A/04", ua.get("pending").get(0).get("code").asText());
        assertEquals("RESERVATIONS RELEASED", ua.get("pending").get(0).get("text").asText());
    }

    @Test
    void underAnAllRegistrantsReservationEveryRegistrantHolds() throws Exception {
        ToolsHarness.write(disk, ReservationTable.empty().toBuilder().register(new Registration(A, 0xA))
                .register(new Registration(B, 0xB)).generation(2)
                .reservation(Optional.of(Reservation.of(ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS, A))).build());
        JsonNode n = JSON.readTree(run("show", "--json", image.toString()).out());
        assertTrue(n.get("registrations").get(0).get("holder").asBoolean());
        assertTrue(n.get("registrations").get(1).get("holder").asBoolean());
        assertTrue(n.get("reservation").get("holder").isNull());
        assertEquals("0x0000000000000000", n.get("reservation").get("key").asText(), "READ RESERVATION reports 0");
        String human = run("show", image.toString()).out();
        assertTrue(human.contains("held by every registrant"), human);
        assertTrue(human.contains("Key=0x0\n"), human);
    }

    @Test
    void severalDisksOneJsonLineEachAndTheSidecarPathWorksLikeTheImage() throws Exception {
        Path other = ToolsHarness.image(dir, "other.img");
        ToolsHarness.write(disk, busy());
        Run r = run("show", "--json", image.toString(), other.toString(), disk.sidecar().toString());
        assertEquals(0, r.status(), r.toString());
        String[] lines = r.out().strip().split("\n");
        assertEquals(3, lines.length, r.out());
        JsonNode first = JSON.readTree(lines[0]);
        JsonNode third = JSON.readTree(lines[2]);
        assertEquals("fresh", JSON.readTree(lines[1]).get("source").asText());
        ((com.fasterxml.jackson.databind.node.ObjectNode) first).remove("argument");
        ((com.fasterxml.jackson.databind.node.ObjectNode) third).remove("argument");
        assertEquals(first, third, "the sidecar names the same disk as its image");
    }

    @Test
    void briefIsOneLinePerRegistration() throws Exception {
        ToolsHarness.write(disk, busy());
        Run r = run("show", "--brief", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("0xa  " + A_NAME + "  << holder: Write Exclusive, registrants only (5) >>"),
                r.out());
        assertTrue(r.out().contains("0xb  " + B_NAME + " (all target ports)"), r.out());
    }

    @Test
    void aBrokenSidecarIsNotShownAndNotTouched() throws Exception {
        ToolsHarness.write(disk, busy());
        byte[] good = Files.readAllBytes(disk.sidecar());
        Files.write(disk.sidecar(), Arrays.copyOf(good, good.length - 30));
        String before = ToolsHarness.snapshot(dir);
        Run r = run("show", image.toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains(disk.sidecar().toString()), r.err());
        assertTrue(r.err().contains("cut short"), r.err());
        assertTrue(r.err().contains("prsidecar repair"), r.err());
        Run j = run("show", "--json", image.toString());
        assertEquals(1, j.status());
        JsonNode n = JSON.readTree(j.out());
        assertTrue(n.get("error").asText().contains("cut short"), j.out());
        assertEquals(disk.id(), n.get("disk").asText());
        assertEquals(before, ToolsHarness.snapshot(dir), "show never writes, not even to repair");
    }

    @Test
    void aTornSidecarWithACompleteJournalShowsTheJournalsTableWithoutWriting() throws Exception {
        ToolsHarness.write(disk, ReservationTable.empty().toBuilder().register(new Registration(A, 1)).build());
        byte[] j = ToolsHarness.journal("PENDING", disk, 2, busy());
        Files.write(ToolsHarness.journalOf(disk), j);
        Files.write(disk.sidecar(), Arrays.copyOfRange(j, ToolsHarness.JOURNAL_HEADER, ToolsHarness.JOURNAL_HEADER + 119));
        String before = ToolsHarness.snapshot(dir);
        Run r = run("show", image.toString());
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("is torn; shown: revision 2 from its journal"), r.out());
        assertTrue(r.out().contains("PR generation=0x2, 2 registered reservation keys follow"), r.out());
        assertEquals(before, ToolsHarness.snapshot(dir));
    }

    @Test
    void anUnknownDiskAndABadOption() {
        Run r = run("show", dir.resolve("nope.img").toString());
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().contains("nope.img: no such file or device"), r.err());
        Run bad = run("show", "--bogus", "x");
        assertEquals(2, bad.status(), bad.toString());
    }
}
