package org.prsidecar.helper;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.prsidecar.posix.HostName;
import org.prsidecar.posix.PeerCredentials;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.scsi.IscsiTransportId;

/**
 * Maps a connecting process to its I_T nexus (docs/identity.md). Every initiator is shown as
 * an iSCSI name (TransportID format 00b) through the one emulated target port.
 *
 * <ul>
 *   <li>{@link Rule#VM} (default): one initiator per VM, {@code PREFIX:vm:<uuid>} from QEMU's
 *       {@code -uuid}, else {@code PREFIX:name:<name>} from {@code -name}; stable across helper
 *       and VM restarts and across hosts (live migration keeps the registration).
 *   <li>{@link Rule#UID}: one initiator per peer uid, {@code PREFIX:uid:<uid>}.
 *   <li>{@link Rule#FIXED}: every connection is one configured initiator (one daemon per VM,
 *       as libvirt's managed mode runs it).
 * </ul>
 */
public final class IdentityResolver {

    /** The IQN prefix of generated initiator names. */
    public static final String DEFAULT_PREFIX = "iqn.2026-11.org.prsidecar";
    private static final int MAX_NAME_PART = 120;

    public enum Rule {
        VM, UID, FIXED
    }

    private final Rule rule;
    private final String prefix;
    private final Optional<String> fixed;
    private final ProcessTable processes;
    private final String host;

    private IdentityResolver(Rule rule, String prefix, Optional<String> fixed, ProcessTable processes) {
        this.rule = rule;
        this.prefix = prefix;
        this.fixed = fixed;
        this.processes = processes;
        this.host = HostName.get();
        fixed.ifPresent(IscsiTransportId::new); // fail early on a malformed name
    }

    public static IdentityResolver perVm(String prefix, ProcessTable processes) {
        return new IdentityResolver(Rule.VM, prefix, Optional.empty(), processes);
    }

    public static IdentityResolver perUid(String prefix, ProcessTable processes) {
        return new IdentityResolver(Rule.UID, prefix, Optional.empty(), processes);
    }

    public static IdentityResolver fixed(String initiatorName, ProcessTable processes) {
        return new IdentityResolver(Rule.FIXED, DEFAULT_PREFIX, Optional.of(initiatorName), processes);
    }

    public Rule rule() {
        return rule;
    }

    public PeerIdentity resolve(PeerCredentials peer) throws IdentityException {
        Optional<List<String>> argv = processes.commandLine(peer.pid());
        String who = "pid " + peer.pid() + " (uid " + peer.uid() + ", "
                + processes.executable(peer.pid()).map(Object::toString).orElse("unknown executable") + ")";
        Optional<String> client = client(peer.pid());
        String name = switch (rule) {
            case FIXED -> fixed.orElseThrow();
            case UID -> prefix + ":uid:" + peer.uid();
            case VM -> vmName(peer, argv, who);
        };
        try {
            return new PeerIdentity(Nexus.of(new IscsiTransportId(name)), client, who);
        } catch (IllegalArgumentException e) {
            throw new IdentityException("cannot make an initiator name for " + who + ": " + e.getMessage());
        }
    }

    private String vmName(PeerCredentials peer, Optional<List<String>> argv, String who) throws IdentityException {
        if (argv.isEmpty()) {
            throw new IdentityException("cannot read the command line of " + who + " (did it exit, or is /proc"
                    + " mounted with hidepid?); refusing the connection");
        }
        QemuCommandLine q = QemuCommandLine.parse(argv.get());
        if (q.uuid().isPresent()) {
            return prefix + ":vm:" + q.uuid().get();
        }
        if (q.name().isPresent()) {
            return prefix + ":name:" + nameComponent(q.name().get());
        }
        throw new IdentityException(who + " has neither -uuid nor -name on its command line, so it cannot be told"
                + " apart from other VMs; give the VM a -uuid, or run prsidecar with --initiator NAME or"
                + " --identity uid; refusing the connection");
    }

    /**
     * A VM name as an iSCSI name component: lower-case letters, digits, '.', '-'. A name that
     * had to change to fit gets a hash of the original appended, so distinct names stay distinct.
     */
    static String nameComponent(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < MAX_NAME_PART; i++) {
            char c = name.charAt(i);
            if (c >= 'A' && c <= 'Z') {
                c = (char) (c - 'A' + 'a');
            }
            b.append((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ? c : '-');
        }
        String s = b.toString();
        if (s.equals(name)) {
            return s;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return s + "-" + HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** host/pid/start-time: unique per process on this host, across pid reuse. */
    private Optional<String> client(int pid) {
        OptionalLong start = processes.startTime(pid);
        return start.isPresent() ? Optional.of(host + "/" + pid + "/" + start.getAsLong()) : Optional.empty();
    }
}
