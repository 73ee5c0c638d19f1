package org.prsidecar.cli;

import java.io.PrintWriter;
import java.util.Optional;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.reservation.ReservationTable;
import org.prsidecar.scsi.PersistentReserveInCdb;
import org.prsidecar.scsi.PrInServiceAction;
import org.prsidecar.scsi.ReadFullStatusData;
import org.prsidecar.scsi.ReadKeysData;
import org.prsidecar.scsi.ReadReservationData;
import org.prsidecar.scsi.ReportCapabilitiesData;
import org.prsidecar.scsi.ReservationType;
import org.prsidecar.scsi.ScsiException;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;
import picocli.CommandLine.Command;

/**
 * The PERSISTENT RESERVE IN commands as an initiator, printed as sg_persist prints them. As
 * for any initiator, a unit attention pending for it is reported (and so consumed) instead of
 * the data: that is the one way these commands change the table.
 */
final class PrInCommands {
    private PrInCommands() {
    }

    /** Largest allocation length of a PR IN CDB. */
    private static final int ALLOCATION_LENGTH = 0xFFFF;

    abstract static class Base extends PrCommand {
        @Override
        java.util.List<String> exitCodes() {
            return ScsiExit.PR_IN_EXIT_CODES;
        }


        abstract PrInServiceAction serviceAction();

        /** Prints the decoded data. */
        abstract void print(PrintWriter out, byte[] data) throws ScsiException;

        @Override
        String direction() {
            return "PR in";
        }

        @Override
        Request request(Nexus nexus) {
            return Request.of(nexus, PersistentReserveInCdb.of(serviceAction(), ALLOCATION_LENGTH).encode());
        }

        /** As the daemon: read under a shared lock; an update only to consume a unit attention. */
        @Override
        Outcome execute(SidecarStore store, PersistentReservations engine, Disk disk, Request request)
                throws StoreException {
            ReservationTable t = store.read(disk);
            Outcome o = engine.execute(t, request);
            if (o.changed()) {
                o = store.update(disk, current -> {
                    Outcome again = engine.execute(current, request);
                    return new TableStore.Change<>(again.table(), again);
                }).result();
            }
            return o;
        }

        @Override
        void printGood(PrintWriter out, String what, Outcome o) {
            try {
                print(out, o.data());
            } catch (ScsiException e) {
                throw new IllegalStateException(what + ": the engine's answer does not decode: " + e.getMessage(), e);
            }
        }
    }

    @Command(name = "read-keys", header = "PR IN READ KEYS as an initiator (sg_persist -k).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR IN READ KEYS as an initiator (sg_persist -k): the generation and every registered key.")
    static final class ReadKeys extends Base {
        @Override
        String title() {
            return "Read keys";
        }

        @Override
        PrInServiceAction serviceAction() {
            return PrInServiceAction.READ_KEYS;
        }

        @Override
        void print(PrintWriter out, byte[] data) throws ScsiException {
            ReadKeysData d = ReadKeysData.decode(data);
            String gen = "  PR generation=0x" + Integer.toHexString(d.generation());
            if (d.keys().isEmpty()) {
                out.println(gen + ", there are NO registered reservation keys");
                return;
            }
            out.println(gen + ", " + d.keys().size() + " registered reservation key" + (d.keys().size() == 1
                    ? " follows:" : "s follow:"));
            for (long k : d.keys()) {
                out.println("    " + TableView.key(k));
            }
        }
    }

    @Command(name = "read-reservation", header = "PR IN READ RESERVATION as an initiator (sg_persist -r).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR IN READ RESERVATION as an initiator (sg_persist -r): the reservation, if any.")
    static final class ReadReservation extends Base {
        @Override
        String title() {
            return "Read reservation";
        }

        @Override
        PrInServiceAction serviceAction() {
            return PrInServiceAction.READ_RESERVATION;
        }

        @Override
        void print(PrintWriter out, byte[] data) throws ScsiException {
            ReadReservationData d = ReadReservationData.decode(data);
            String gen = "  PR generation=0x" + Integer.toHexString(d.generation());
            if (d.reservation().isEmpty()) {
                out.println(gen + ", there is NO reservation held");
                return;
            }
            ReadReservationData.Reserved r = d.reservation().get();
            out.println(gen + ", Reservation follows:");
            out.println("    Key=" + TableView.key(r.key()));
            out.println("    " + (r.scope() == 0 ? "scope: LU_SCOPE" : "scope: " + r.scope()) + ",  type: "
                    + r.type().title());
        }
    }

    @Command(name = "read-full-status", header = "PR IN READ FULL STATUS as an initiator (sg_persist -s).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR IN READ FULL STATUS as an initiator (sg_persist -s): every registration with its"
                    + " initiator and holder mark.")
    static final class ReadFullStatus extends Base {
        @Override
        String title() {
            return "Read full status";
        }

        @Override
        PrInServiceAction serviceAction() {
            return PrInServiceAction.READ_FULL_STATUS;
        }

        @Override
        void print(PrintWriter out, byte[] data) throws ScsiException {
            ReadFullStatusData d = ReadFullStatusData.decode(data);
            out.println("  PR generation=0x" + Integer.toHexString(d.generation()));
            if (d.descriptors().isEmpty()) {
                out.println("    No full status descriptors");
            }
            for (ReadFullStatusData.Descriptor x : d.descriptors()) {
                out.println("    Key=" + TableView.key(x.key()));
                out.println("      All target ports bit " + (x.allTargetPorts() ? "set" : "clear"));
                if (!x.allTargetPorts()) {
                    out.println("      Relative port address: 0x" + Integer.toHexString(x.relativeTargetPortId()));
                }
                Optional<ReservationType> type = x.type();
                if (x.holder()) {
                    out.println("      << Reservation holder >>");
                    out.println("      " + (x.scope() == 0 ? "scope: LU_SCOPE" : "scope: " + x.scope())
                            + ",  type: " + type.orElseThrow().title());
                } else {
                    out.println("      not reservation holder");
                }
                out.println("      Transport Id of initiator:");
                out.println("        " + TableView.transportIdText(x.transportId()));
            }
        }
    }

    @Command(name = "report-capabilities", header = "PR IN REPORT CAPABILITIES as an initiator (sg_persist -c).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR IN REPORT CAPABILITIES as an initiator (sg_persist -c).")
    static final class ReportCapabilities extends Base {
        @Override
        String title() {
            return "Report capabilities";
        }

        @Override
        PrInServiceAction serviceAction() {
            return PrInServiceAction.REPORT_CAPABILITIES;
        }

        @Override
        void print(PrintWriter out, byte[] data) throws ScsiException {
            ReportCapabilitiesData d = ReportCapabilitiesData.decode(data);
            out.println("Report capabilities response:");
            out.println("  Replace Lost Reservation Capable(RLR_C): " + bit(d.replaceLostReservationCapable()));
            out.println("  Compatible Reservation Handling(CRH): " + bit(d.compatibleReservationHandling()));
            out.println("  Specify Initiator Ports Capable(SIP_C): " + bit(d.specifyInitiatorPortsCapable()));
            out.println("  All Target Ports Capable(ATP_C): " + bit(d.allTargetPortsCapable()));
            out.println("  Persist Through Power Loss Capable(PTPL_C): " + bit(d.persistThroughPowerLossCapable()));
            out.println("  Type Mask Valid(TMV): " + bit(d.typeMaskValid()));
            out.println("  Allow Commands: " + d.allowCommands());
            out.println("  Persist Through Power Loss Active(PTPL_A): "
                    + bit(d.persistThroughPowerLossActivated()));
            if (d.typeMaskValid()) {
                out.println("    Support indicated in Type mask:");
                for (ReservationType t : new ReservationType[] {ReservationType.WRITE_EXCLUSIVE_ALL_REGISTRANTS,
                    ReservationType.EXCLUSIVE_ACCESS_REGISTRANTS_ONLY, ReservationType.WRITE_EXCLUSIVE_REGISTRANTS_ONLY,
                    ReservationType.EXCLUSIVE_ACCESS, ReservationType.WRITE_EXCLUSIVE,
                    ReservationType.EXCLUSIVE_ACCESS_ALL_REGISTRANTS}) {
                    out.println("      " + t.title() + ": " + bit(d.typeMask().contains(t)));
                }
            }
        }

        private static int bit(boolean b) {
            return b ? 1 : 0;
        }
    }
}
