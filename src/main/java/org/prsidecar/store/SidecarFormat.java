package org.prsidecar.store;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32C;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Registration;
import org.prsidecar.reservation.Reservation;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.SenseData;
import org.prsidecar.scsi.SenseKey;
import org.prsidecar.scsi.TransportId;

/**
 * The sidecar's JSON, version 1 (docs/sidecar-format.md): readable and diffable, fields in a
 * fixed order, keys as fixed-width hex, and a CRC-32C over the canonical encoding so that a
 * torn or altered file is never taken for a table. Decoding is strict: every field present,
 * no unknown field, no duplicate, nothing after the document.
 */
public final class SidecarFormat {

    public static final String FORMAT = "prsidecar-table";
    public static final int VERSION = 1;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper(JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(16).maxStringLength(65_536)
                    .maxNumberLength(32).build())
            .build())
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final ObjectWriter WRITER = MAPPER.writerWithDefaultPrettyPrinter();

    private static final Set<String> DOCUMENT_FIELDS = Set.of("format", "version", "revision", "disk", "writer",
            "generation", "aptpl", "registrations", "reservation", "unitAttentions", "checksum");
    private static final Set<String> WRITER_FIELDS = Set.of("host", "pid", "time", "program");
    private static final Set<String> REGISTRATION_FIELDS =
            Set.of("initiator", "relativeTargetPort", "key", "allTargetPorts", "client");
    private static final Set<String> RESERVATION_FIELDS = Set.of("type", "typeName", "scope", "holder");
    private static final Set<String> NEXUS_FIELDS = Set.of("initiator", "relativeTargetPort");
    private static final Set<String> UNIT_ATTENTION_FIELDS = Set.of("initiator", "relativeTargetPort", "pending");

    /** Where {@code "revision"} sits: within the first bytes of every sidecar this class writes. */
    public static final int HEAD_LENGTH = 256;
    private static final Pattern HEAD_REVISION = Pattern.compile("\"revision\"\\s*:\\s*(\\d{1,19})\\s*,");
    private static final Pattern KEY = Pattern.compile("0x[0-9a-f]{16}");
    private static final Pattern SENSE = Pattern.compile("([0-9A-F]{2})/([0-9A-F]{2}) (.+)");

    private SidecarFormat() {
    }

    // ---------------------------------------------------------------- encode

    /** The sidecar's bytes: pretty-printed UTF-8 JSON ending in a newline. */
    public static byte[] encode(SidecarDocument doc) {
        ObjectNode root = tree(doc);
        root.put("checksum", checksum(root));
        return serialize(root);
    }

    private static ObjectNode tree(SidecarDocument doc) {
        ReservationTable t = doc.table();
        ObjectNode root = NODES.objectNode();
        root.put("format", FORMAT);
        root.put("version", VERSION);
        root.put("revision", doc.revision());
        root.put("disk", doc.disk());
        ObjectNode w = root.putObject("writer");
        w.put("host", doc.writer().host());
        w.put("pid", doc.writer().pid());
        w.put("time", doc.writer().time().toString());
        w.put("program", doc.writer().program());
        root.put("generation", Integer.toUnsignedLong(t.generation()));
        root.put("aptpl", t.aptpl());
        ArrayNode regs = root.putArray("registrations");
        for (Registration r : t.registrations()) {
            ObjectNode n = regs.addObject();
            putNexus(n, r.nexus());
            n.put("key", String.format("0x%016x", r.key()));
            n.put("allTargetPorts", r.allTargetPorts());
            r.client().ifPresent(c -> n.put("client", c));
        }
        if (t.reservation().isEmpty()) {
            root.putNull("reservation");
        } else {
            Reservation res = t.reservation().get();
            ObjectNode n = root.putObject("reservation");
            n.put("type", res.type().code());
            n.put("typeName", res.type().name());
            n.put("scope", res.scope());
            if (res.holder().isEmpty()) {
                n.putNull("holder");
            } else {
                putNexus(n.putObject("holder"), res.holder().get());
            }
        }
        ArrayNode uas = root.putArray("unitAttentions");
        t.unitAttentions().forEach((nexus, pending) -> {
            ObjectNode n = uas.addObject();
            putNexus(n, nexus);
            ArrayNode list = n.putArray("pending");
            for (SenseData s : pending) {
                list.add(String.format("%02X/%02X %s", s.asc(), s.ascq(), s.description()));
            }
        });
        return root;
    }

    private static void putNexus(ObjectNode n, Nexus nexus) {
        n.put("initiator", nexus.initiator().text());
        n.put("relativeTargetPort", nexus.relativeTargetPortId());
    }

    private static String checksum(ObjectNode withoutChecksum) {
        CRC32C crc = new CRC32C();
        crc.update(serialize(withoutChecksum));
        return String.format("crc32c:%08x", crc.getValue());
    }

    private static byte[] serialize(ObjectNode root) {
        try {
            byte[] json = WRITER.writeValueAsBytes(root);
            byte[] out = new byte[json.length + 1];
            System.arraycopy(json, 0, out, 0, json.length);
            out[json.length] = '\n';
            return out;
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a sidecar tree", e);
        }
    }

    // ---------------------------------------------------------------- decode

    /**
     * Decodes and validates a sidecar of {@code expectedDisk} (null: any disk). Every problem
     * is a {@link SidecarFormatException} naming the field.
     */
    public static SidecarDocument decode(byte[] bytes, String expectedDisk) throws SidecarFormatException {
        return decode(bytes, expectedDisk, true);
    }

    /**
     * Like {@link #decode}, but accepts a missing or wrong checksum: what a hand-edited sidecar
     * holds, for inspection and an explicit repair. Never use it to serve a table.
     */
    public static SidecarDocument decodeIgnoringChecksum(byte[] bytes, String expectedDisk)
            throws SidecarFormatException {
        return decode(bytes, expectedDisk, false);
    }

    /** The checksum field this document is sealed with. */
    public static String checksumOf(SidecarDocument doc) {
        return checksum(tree(doc));
    }

    private static SidecarDocument decode(byte[] bytes, String expectedDisk, boolean verifyChecksum)
            throws SidecarFormatException {
        JsonNode root;
        try {
            root = MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new SidecarFormatException("not valid JSON: " + firstLine(e.getMessage()), e);
        }
        if (root == null || !root.isObject()) {
            throw new SidecarFormatException("not a JSON object");
        }
        String format = text(root, "format", "");
        if (!FORMAT.equals(format)) {
            throw new SidecarFormatException("format is \"" + format + "\", not \"" + FORMAT + "\": not a prsidecar sidecar");
        }
        long version = number(root, "version", "", 0, Integer.MAX_VALUE);
        if (version != VERSION) {
            throw new SidecarFormatException("version " + version + " is not supported (this prsidecar reads version "
                    + VERSION + "); upgrade prsidecar on this host");
        }
        if (verifyChecksum) {
            checkFields(root, DOCUMENT_FIELDS, "");
        } else {
            checkFields(root, DOCUMENT_FIELDS, "", "checksum");
        }
        String disk = text(root, "disk", "");
        if (expectedDisk != null && !expectedDisk.equals(disk)) {
            throw new SidecarFormatException("belongs to disk \"" + disk + "\", not \"" + expectedDisk + "\"");
        }
        SidecarDocument doc = new SidecarDocument(disk, number(root, "revision", "", 0, Long.MAX_VALUE),
                writer(field(root, "writer", "")), table(root));
        if (!verifyChecksum) {
            return doc;
        }
        String stored = text(root, "checksum", "");
        String expected = checksum(tree(doc));
        if (!expected.equals(stored)) {
            throw new SidecarFormatException("checksum is " + stored + " but the content sums to " + expected
                    + ": the file was torn or edited by hand");
        }
        return doc;
    }

    /** The revision in the first bytes of a sidecar, if they show one: the cache's cheap check. */
    public static OptionalLong peekRevision(byte[] head, int length) {
        Matcher m = HEAD_REVISION.matcher(new String(head, 0, Math.min(length, head.length), StandardCharsets.UTF_8));
        if (!m.find()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1)));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static SidecarDocument.Writer writer(JsonNode w) throws SidecarFormatException {
        requireObject(w, "writer");
        checkFields(w, WRITER_FIELDS, "writer.");
        String time = text(w, "time", "writer.");
        try {
            return new SidecarDocument.Writer(text(w, "host", "writer."), number(w, "pid", "writer.", 0, Long.MAX_VALUE),
                    Instant.parse(time), text(w, "program", "writer."));
        } catch (DateTimeParseException e) {
            throw new SidecarFormatException("writer.time: not an ISO-8601 instant: \"" + time + "\"");
        }
    }

    private static ReservationTable table(JsonNode root) throws SidecarFormatException {
        int generation = (int) number(root, "generation", "", 0, 0xFFFF_FFFFL);
        boolean aptpl = bool(root, "aptpl", "");
        List<Registration> regs = new ArrayList<>();
        JsonNode list = array(root, "registrations");
        for (int i = 0; i < list.size(); i++) {
            regs.add(registration(list.get(i), "registrations[" + i + "]."));
        }
        Optional<Reservation> reservation = reservation(field(root, "reservation", ""));
        Map<Nexus, List<SenseData>> uas = new LinkedHashMap<>();
        JsonNode ualist = array(root, "unitAttentions");
        for (int i = 0; i < ualist.size(); i++) {
            String at = "unitAttentions[" + i + "].";
            JsonNode n = ualist.get(i);
            requireObject(n, at);
            checkFields(n, UNIT_ATTENTION_FIELDS, at);
            Nexus nexus = nexus(n, at);
            JsonNode pending = field(n, "pending", at);
            if (!pending.isArray() || pending.isEmpty()) {
                throw new SidecarFormatException(at + "pending: not a non-empty array");
            }
            List<SenseData> senses = new ArrayList<>();
            for (int j = 0; j < pending.size(); j++) {
                senses.add(unitAttention(pending.get(j), at + "pending[" + j + "]"));
            }
            if (uas.put(nexus, senses) != null) {
                throw new SidecarFormatException(at + "initiator: a second queue for " + nexus);
            }
        }
        try {
            return ReservationTable.of(generation, aptpl, regs, reservation, uas);
        } catch (IllegalArgumentException e) {
            throw new SidecarFormatException("inconsistent table: " + e.getMessage());
        }
    }

    private static Registration registration(JsonNode n, String at) throws SidecarFormatException {
        requireObject(n, at);
        checkFields(n, REGISTRATION_FIELDS, at, "client");
        String key = text(n, "key", at);
        if (!KEY.matcher(key).matches()) {
            throw new SidecarFormatException(at + "key: not 0x and 16 lower-case hex digits: \"" + key + "\"");
        }
        long k = Long.parseUnsignedLong(key.substring(2), 16);
        if (k == 0) {
            throw new SidecarFormatException(at + "key: a registration never has key 0");
        }
        Optional<String> client = n.has("client") ? Optional.of(text(n, "client", at)) : Optional.empty();
        return new Registration(nexus(n, at), k, bool(n, "allTargetPorts", at), client);
    }

    private static Optional<Reservation> reservation(JsonNode n) throws SidecarFormatException {
        if (n.isNull()) {
            return Optional.empty();
        }
        requireObject(n, "reservation");
        checkFields(n, RESERVATION_FIELDS, "reservation.");
        int code = (int) number(n, "type", "reservation.", 0, 15);
        ReservationType type = ReservationType.fromCode(code)
                .orElseThrow(() -> new SidecarFormatException("reservation.type: " + code + " is not a reservation type"));
        String name = text(n, "typeName", "reservation.");
        if (!type.name().equals(name)) {
            throw new SidecarFormatException("reservation.typeName: \"" + name + "\" does not match type " + code);
        }
        long scope = number(n, "scope", "reservation.", 0, 15);
        JsonNode holder = field(n, "holder", "reservation.");
        Optional<Nexus> h = Optional.empty();
        if (!holder.isNull()) {
            requireObject(holder, "reservation.holder");
            checkFields(holder, NEXUS_FIELDS, "reservation.holder.");
            h = Optional.of(nexus(holder, "reservation.holder."));
        }
        try {
            return Optional.of(new Reservation(type, (int) scope, h));
        } catch (IllegalArgumentException e) {
            throw new SidecarFormatException("reservation: " + e.getMessage());
        }
    }

    private static Nexus nexus(JsonNode n, String at) throws SidecarFormatException {
        String initiator = text(n, "initiator", at);
        int port = (int) number(n, "relativeTargetPort", at, 1, 0xFFFF);
        try {
            return new Nexus(TransportId.parse(initiator), port);
        } catch (IllegalArgumentException e) {
            throw new SidecarFormatException(at + "initiator: " + e.getMessage());
        }
    }

    private static SenseData unitAttention(JsonNode n, String at) throws SidecarFormatException {
        Matcher m = n.isTextual() ? SENSE.matcher(n.asText()) : null;
        if (m == null || !m.matches()) {
            throw new SidecarFormatException(at + ": not \"ASC/ASCQ text\": " + n);
        }
        return new SenseData(SenseKey.UNIT_ATTENTION, Integer.parseInt(m.group(1), 16), Integer.parseInt(m.group(2), 16));
    }

    // ---------------------------------------------------------------- strict field access

    private static void checkFields(JsonNode n, Set<String> allowed, String at, String... optional)
            throws SidecarFormatException {
        Set<String> opt = Set.of(optional);
        for (Iterator<String> it = n.fieldNames(); it.hasNext();) {
            String f = it.next();
            if (!allowed.contains(f)) {
                throw new SidecarFormatException(at + f + ": unknown field");
            }
        }
        for (String f : allowed) {
            if (!n.has(f) && !opt.contains(f)) {
                throw new SidecarFormatException(at + f + ": missing");
            }
        }
    }

    private static JsonNode field(JsonNode n, String name, String at) throws SidecarFormatException {
        JsonNode v = n.get(name);
        if (v == null) {
            throw new SidecarFormatException(at + name + ": missing");
        }
        return v;
    }

    private static void requireObject(JsonNode n, String at) throws SidecarFormatException {
        if (!n.isObject()) {
            throw new SidecarFormatException(at + ": not an object");
        }
    }

    private static String text(JsonNode n, String name, String at) throws SidecarFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isTextual()) {
            throw new SidecarFormatException(at + name + ": not a string");
        }
        return v.asText();
    }

    private static long number(JsonNode n, String name, String at, long min, long max) throws SidecarFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isIntegralNumber() || !v.canConvertToLong() || v.asLong() < min || v.asLong() > max) {
            throw new SidecarFormatException(at + name + ": not an integer from " + min + " to " + max + ": " + v);
        }
        return v.asLong();
    }

    private static boolean bool(JsonNode n, String name, String at) throws SidecarFormatException {
        JsonNode v = field(n, name, at);
        if (!v.isBoolean()) {
            throw new SidecarFormatException(at + name + ": not true or false");
        }
        return v.asBoolean();
    }

    private static JsonNode array(JsonNode n, String name) throws SidecarFormatException {
        JsonNode v = field(n, name, "");
        if (!v.isArray()) {
            throw new SidecarFormatException(name + ": not an array");
        }
        return v;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
