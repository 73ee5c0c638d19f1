package org.prsidecar.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.FibreChannelTransportId;
import org.prsidecar.scsi.Ieee1394TransportId;
import org.prsidecar.scsi.IscsiTransportId;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SasTransportId;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SrpTransportId;
import org.prsidecar.scsi.TransportId;
import org.prsidecar.store.SidecarDocument;

/**
 * How the tools print a table: the full view of {@code show} (modelled on
 * {@code sg_persist -k -r -s}, with the sidecar's own facts first), a brief view (the demo,
 * {@code power-cycle}, {@code show --brief}) and the JSON of {@code show --json}
 * (docs/cli.md documents its shape; fields are only ever added).
 */
final class TableView {

    /** Where a shown table comes from. */
    enum Source {
        /** No sidecar yet, or an empty one. */
        FRESH,
        SIDECAR,
        /** The sidecar is torn; the journal's complete pending update is what the daemon serves next. */
        JOURNAL,
        /** An update failed and was not undone: the daemon puts back the table the journal kept from before it. */
        PREVIOUS
    }

    /** One disk's table, with what the tools know about where it comes from. */
    record Shown(String disk, Path sidecar, Source source, Optional<SidecarDocument> doc, List<String> notes) {
        Shown {
            Objects.requireNonNull(disk, "disk");
            Objects.requireNonNull(sidecar, "sidecar");
            Objects.requireNonNull(source, "source");
            Objects.requireNonNull(doc, "doc");
            notes = List.copyOf(notes);
        }

        ReservationTable table() {
            return doc.map(SidecarDocument::table).orElse(ReservationTable.empty());
        }

        long revision() {
            return doc.map(SidecarDocument::revision).orElse(0L);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private TableView() {
    }

    // ---------------------------------------------------------------- full, like sg_persist -k -r -s

    static void full(PrintWriter out, Shown s) {
        ReservationTable t = s.table();
        out.println("disk " + s.disk());
        switch (s.source()) {
            case FRESH -> out.println("  sidecar " + s.sidecar() + ": none written yet, a fresh table");
            case SIDECAR -> out.println("  sidecar " + s.sidecar() + ", revision " + s.revision());
            case JOURNAL -> out.println("  sidecar " + s.sidecar() + " is torn; shown: revision " + s.revision()
                    + " from its journal, which the daemon writes back on its next access");
            case PREVIOUS -> out.println("  sidecar " + s.sidecar() + " holds an update that failed; shown: revision "
                    + s.revision() + " from before it, kept in the journal, which the daemon puts back on its next"
                    + " access");
        }
        s.doc().ifPresent(d -> out.println("  last written by " + d.writer().host() + " (pid " + d.writer().pid()
                + ") at " + d.writer().time() + ": " + d.writer().program()));
        out.println("  APTPL (persist through power loss): " + (t.aptpl() ? "on" : "off"));
        for (String n : s.notes()) {
            out.println("  note: " + n);
        }
        String gen = "  PR generation=0x" + Integer.toHexString(t.generation());
        // READ KEYS
        if (t.registrationCount() == 0) {
            out.println(gen + ", there are NO registered reservation keys");
        } else {
            out.println(gen + ", " + t.registrationCount() + " registered reservation key"
                    + (t.registrationCount() == 1 ? "" : "s") + " follow" + (t.registrationCount() == 1 ? "s" : "")
                    + ":");
            for (Registration r : t.registrations()) {
                out.println("    " + key(r.key()));
            }
        }
        // READ RESERVATION
        if (t.reservation().isEmpty()) {
            out.println(gen + ", there is NO reservation held");
        } else {
            Reservation res = t.reservation().get();
            long holderKey = res.holder().flatMap(t::registration).map(Registration::key).orElse(0L);
            out.println(gen + ", Reservation follows:");
            out.println("    Key=" + key(holderKey));
            out.println("    " + scopeAndType(res.type()));
            out.println("    type code " + res.type().code() + " (" + res.type().name() + "), held by "
                    + res.holder().map(Nexus::toString).orElse("every registrant"));
        }
        // READ FULL STATUS
        out.println(gen);
        if (t.registrationCount() == 0) {
            out.println("    No full status descriptors");
        }
        for (Registration r : t.registrations()) {
            out.println("    Key=" + key(r.key()));
            out.println("      All target ports bit " + (r.allTargetPorts() ? "set" : "clear"));
            if (!r.allTargetPorts()) {
                out.println("      Relative port address: 0x" + Integer.toHexString(r.nexus().relativeTargetPortId()));
            }
            if (t.isHolder(r.nexus())) {
                out.println("      << Reservation holder >>");
                out.println("      " + scopeAndType(t.reservation().orElseThrow().type()));
            } else {
                out.println("      not reservation holder");
            }
            out.println("      Transport Id of initiator:");
            out.println("        " + transportIdText(r.nexus().initiator()));
        }
        // pending unit attentions: part of the table (reference 7.5)
        if (t.unitAttentions().isEmpty()) {
            out.println("  Pending unit attentions: none");
        } else {
            out.println("  Pending unit attentions (reported on that initiator's next PR command):");
            t.unitAttentions().forEach((n, l) -> out.println("    " + n + ": " + senses(l)));
        }
    }

    // ---------------------------------------------------------------- brief

    static void brief(PrintWriter out, Shown s, String indent) {
        ReservationTable t = s.table();
        StringBuilder head = new StringBuilder(indent).append("generation 0x").append(Integer.toHexString(t.generation()))
                .append(", APTPL ").append(t.aptpl() ? "on" : "off");
        if (s.doc().isPresent()) {
            head.append(", sidecar revision ").append(s.revision()).append(" (written by ")
                    .append(s.doc().get().writer().host()).append(')');
        } else {
            head.append(", fresh table (no sidecar written)");
        }
        out.println(head);
        if (t.registrationCount() == 0) {
            out.println(indent + "no registrations, no reservation");
        }
        int width = 0;
        for (Registration r : t.registrations()) {
            width = Math.max(width, key(r.key()).length());
        }
        for (Registration r : t.registrations()) {
            StringBuilder line = new StringBuilder(indent).append(String.format("%-" + width + "s  ", key(r.key())))
                    .append(r.nexus());
            if (r.allTargetPorts()) {
                line.append(" (all target ports)");
            }
            if (t.isHolder(r.nexus())) {
                ReservationType type = t.reservation().orElseThrow().type();
                line.append("  << holder: ").append(type.title()).append(" (").append(type.code()).append(") >>");
            }
            out.println(line);
        }
        t.unitAttentions().forEach((n, l) -> out.println(indent + "unit attention pending for " + n + ": "
                + senses(l)));
        for (String n : s.notes()) {
            out.println(indent + "note: " + n);
        }
    }

    // ---------------------------------------------------------------- JSON

    /** The stable shape of {@code show --json} (docs/cli.md). */
    static ObjectNode json(Shown s) {
        ReservationTable t = s.table();
        ObjectNode root = JSON.createObjectNode();
        root.put("disk", s.disk());
        root.put("sidecar", s.sidecar().toString());
        root.put("source", s.source().name().toLowerCase(Locale.ROOT));
        root.put("revision", s.revision());
        if (s.doc().isPresent()) {
            SidecarDocument.Writer w = s.doc().get().writer();
            ObjectNode lw = root.putObject("lastWriter");
            lw.put("host", w.host());
            lw.put("pid", w.pid());
            lw.put("time", w.time().toString());
            lw.put("program", w.program());
        } else {
            root.putNull("lastWriter");
        }
        root.put("generation", Integer.toUnsignedLong(t.generation()));
        root.put("aptpl", t.aptpl());
        ArrayNode regs = root.putArray("registrations");
        for (Registration r : t.registrations()) {
            ObjectNode n = regs.addObject();
            n.put("initiator", r.nexus().initiator().text());
            n.put("transportId", transportIdText(r.nexus().initiator()));
            n.put("protocol", protocol(r.nexus().initiator()));
            n.put("relativeTargetPort", r.nexus().relativeTargetPortId());
            n.put("key", String.format("0x%016x", r.key()));
            n.put("allTargetPorts", r.allTargetPorts());
            n.put("holder", t.isHolder(r.nexus()));
        }
        if (t.reservation().isEmpty()) {
            root.putNull("reservation");
        } else {
            Reservation res = t.reservation().get();
            ObjectNode n = root.putObject("reservation");
            n.put("type", res.type().code());
            n.put("typeName", res.type().name());
            n.put("title", res.type().title());
            n.put("scope", res.scope());
            if (res.holder().isPresent()) {
                n.put("holder", res.holder().get().initiator().text());
            } else {
                n.putNull("holder");
            }
            n.put("key", String.format("0x%016x", res.holder().flatMap(t::registration).map(Registration::key)
                    .orElse(0L)));
        }
        ArrayNode uas = root.putArray("unitAttentions");
        for (Map.Entry<Nexus, List<SenseData>> e : t.unitAttentions().entrySet()) {
            ObjectNode n = uas.addObject();
            n.put("initiator", e.getKey().initiator().text());
            n.put("relativeTargetPort", e.getKey().relativeTargetPortId());
            ArrayNode pending = n.putArray("pending");
            for (SenseData sd : e.getValue()) {
                ObjectNode p = pending.addObject();
                p.put("asc", sd.asc());
                p.put("ascq", sd.ascq());
                p.put("code", String.format("%02X/%02X", sd.asc(), sd.ascq()));
                p.put("text", sd.description());
            }
        }
        ArrayNode notes = root.putArray("notes");
        s.notes().forEach(notes::add);
        return root;
    }

    static String toJson(ObjectNode n) {
        try {
            return JSON.writeValueAsString(n);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    // ---------------------------------------------------------------- pieces

    /** A key as sg_persist prints it: 0x and lower-case hex, no padding. */
    static String key(long k) {
        return "0x" + Long.toHexString(k);
    }

    static String scopeAndType(ReservationType type) {
        return "scope: LU_SCOPE,  type: " + type.title();
    }

    static String senses(List<SenseData> l) {
        StringBuilder b = new StringBuilder();
        for (SenseData s : l) {
            if (b.length() > 0) {
                b.append(", then ");
            }
            b.append(String.format("%02X/%02X %s", s.asc(), s.ascq(), s.description()));
        }
        return b.toString();
    }

    /** A TransportID as sg_persist decodes it. */
    static String transportIdText(TransportId id) {
        if (id instanceof IscsiTransportId i) {
            return i.isid().isPresent() ? "iSCSI world wide unique port id: " + i.text() : "iSCSI name: " + i.name();
        }
        if (id instanceof FibreChannelTransportId f) {
            return String.format("FCP-2 World Wide Name: 0x%016x", f.nPortName());
        }
        if (id instanceof SasTransportId s) {
            return String.format("SAS address: 0x%016x", s.sasAddress());
        }
        if (id instanceof Ieee1394TransportId e) {
            return String.format("IEEE 1394 EUI-64 name: 0x%016x", e.eui64());
        }
        return "SRP port identifier: 0x" + HexFormat.of().formatHex(((SrpTransportId) id).portId());
    }

    static String protocol(TransportId id) {
        return switch (id.protocolIdentifier()) {
            case TransportId.PROTOCOL_ISCSI -> "iscsi";
            case TransportId.PROTOCOL_FC -> "fc";
            case TransportId.PROTOCOL_SAS -> "sas";
            case TransportId.PROTOCOL_SRP -> "srp";
            case TransportId.PROTOCOL_IEEE1394 -> "sbp";
            default -> "unknown";
        };
    }
}
