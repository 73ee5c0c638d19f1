package org.prsidecar.cli;

import java.io.PrintWriter;
import java.util.List;
import org.prsidecar.reservation.Nexus;
import org.prsidecar.reservation.Outcome;
import org.prsidecar.reservation.PersistentReservations;
import org.prsidecar.reservation.Request;
import org.prsidecar.scsi.BasicParameterList;
import org.prsidecar.scsi.PersistentReserveOutCdb;
import org.prsidecar.scsi.PrOutServiceAction;
import org.prsidecar.scsi.RegisterAndMoveParameterList;
import org.prsidecar.scsi.TransportId;
import org.prsidecar.store.Disk;
import org.prsidecar.store.SidecarStore;
import org.prsidecar.store.StoreException;
import org.prsidecar.store.TableStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/**
 * The administrative PERSISTENT RESERVE OUT commands, one per service action, with
 * sg_persist's flags: {@code prsidecar reserve --initiator NAME --param-rk 0x1 --prout-type 5 DISK}
 * is what {@code sg_persist --out --reserve --param-rk=0x1 --prout-type=5 DEV} does from
 * that initiator's guest.
 */
final class PrOutCommands {
    private PrOutCommands() {
    }

    /** The PR OUT flow: one atomic, durable update of the table through the store. */
    abstract static class Base extends PrCommand {
        @Override
        List<String> exitCodes() {
            return ScsiExit.PR_OUT_EXIT_CODES;
        }

        abstract PrOutServiceAction serviceAction();

        /** The TYPE field (0 where the service action ignores it). */
        int typeCode() {
            return 0;
        }

        abstract byte[] parameterList();

        @Override
        String direction() {
            return "PR out";
        }

        @Override
        Request request(Nexus nexus) {
            byte[] params = parameterList();
            byte[] cdb = new PersistentReserveOutCdb(serviceAction(), PersistentReserveOutCdb.LU_SCOPE, typeCode(),
                    params.length, 0).encode();
            return Request.of(nexus, cdb, params);
        }

        @Override
        Outcome execute(SidecarStore store, PersistentReservations engine, Disk disk, Request request)
                throws StoreException {
            return store.update(disk, t -> {
                Outcome o = engine.execute(t, request);
                return new TableStore.Change<>(o.table(), o);
            }).result();
        }

        @Override
        void printGood(PrintWriter out, String what, Outcome o) {
            out.println(what + ": GOOD");
            out.println("  " + o.detail());
        }

        int requiredType() {
            throw new ParameterException(spec.commandLine(), "Missing --prout-type TYPE: " + spec.name()
                    + " needs the reservation type (1|WE, 3|EA, 5|WE_RO, 6|EA_RO, 7|WE_AR, 8|EA_AR)");
        }
    }

    /** RESERVE and RELEASE: the current key and the reservation's type, nothing else. */
    abstract static class WithKeyAndType extends Base {
        @Mixin
        PrOptions.Rk rk;
        @Mixin
        PrOptions.Type type;

        @Override
        int typeCode() {
            return type.type != null ? type.type : requiredType();
        }

        @Override
        byte[] parameterList() {
            return BasicParameterList.of(rk.rk, 0).encode();
        }
    }

    @Command(name = "register", header = "PR OUT REGISTER as an initiator (sg_persist --out --register).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = {"PR OUT REGISTER as an initiator: register key SARK (RK 0 when not registered yet), replace"
                    + " the key (RK = the current key), or unregister (SARK 0).",
                "With --transport-id, also registers those initiators (SPEC_I_PT)."})
    static final class Register extends Base {
        @Mixin
        PrOptions.Rk rk;
        @Mixin
        PrOptions.Sark sark;
        @Mixin
        PrOptions.Aptpl aptpl;
        @Mixin
        PrOptions.AllTgPt allTgPt;
        @Mixin
        PrOptions.TransportIds tids;

        @Override
        String title() {
            return "Register";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.REGISTER;
        }

        @Override
        byte[] parameterList() {
            List<TransportId> ids = tids.parse();
            return new BasicParameterList(rk.rk, sark.sark, !ids.isEmpty(), allTgPt.allTgPt, aptpl.aptpl, ids)
                    .encode();
        }
    }

    @Command(name = "register-ignore", header = "PR OUT REGISTER AND IGNORE EXISTING KEY as an initiator.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR OUT REGISTER AND IGNORE EXISTING KEY as an initiator: register SARK whatever key it"
                    + " has (SARK 0 unregisters).")
    static final class RegisterIgnore extends Base {
        @Mixin
        PrOptions.Sark sark;
        @Mixin
        PrOptions.Aptpl aptpl;
        @Mixin
        PrOptions.AllTgPt allTgPt;

        @Override
        String title() {
            return "Register and ignore existing key";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.REGISTER_AND_IGNORE_EXISTING_KEY;
        }

        @Override
        byte[] parameterList() {
            return new BasicParameterList(0, sark.sark, false, allTgPt.allTgPt, aptpl.aptpl, List.of()).encode();
        }
    }

    @Command(name = "reserve", header = "PR OUT RESERVE as an initiator.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR OUT RESERVE as an initiator: take the reservation of type TYPE with key RK.")
    static final class Reserve extends WithKeyAndType {
        @Override
        String title() {
            return "Reserve";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.RESERVE;
        }
    }

    @Command(name = "release", header = "PR OUT RELEASE as an initiator.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR OUT RELEASE as an initiator: release the reservation it holds (TYPE must be the"
                    + " reservation's).")
    static final class Release extends WithKeyAndType {
        @Override
        String title() {
            return "Release";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.RELEASE;
        }
    }

    @Command(name = "clear", header = "PR OUT CLEAR as an initiator.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR OUT CLEAR as an initiator: release the reservation and remove every registration.")
    static final class Clear extends Base {
        @Mixin
        PrOptions.Rk rk;

        @Override
        String title() {
            return "Clear";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.CLEAR;
        }

        @Override
        byte[] parameterList() {
            return BasicParameterList.of(rk.rk, 0).encode();
        }
    }

    @Command(name = "preempt", header = "PR OUT PREEMPT as an initiator (a failover).", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = {"PR OUT PREEMPT as an initiator: remove the registrations with key SARK and, if their"
                    + " initiator holds the reservation, take it over with type TYPE (a cluster's failover).",
                "TYPE is used only when a reservation exists (then it is required)."})
    static class Preempt extends Base {
        @Mixin
        PrOptions.Rk rk;
        @Mixin
        PrOptions.Sark sark;
        @Mixin
        PrOptions.Type type;

        @Override
        String title() {
            return "Preempt";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.PREEMPT;
        }

        @Override
        int typeCode() {
            return type.type != null ? type.type : 0;
        }

        @Override
        byte[] parameterList() {
            return BasicParameterList.of(rk.rk, sark.sark).encode();
        }
    }

    @Command(name = "preempt-abort", header = "PR OUT PREEMPT AND ABORT as an initiator.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = {"PR OUT PREEMPT AND ABORT as an initiator: as preempt; the preempted initiators also get"
                    + " 2F/00 COMMANDS CLEARED BY ANOTHER INITIATOR (prsidecar sees no data commands to abort)."})
    static final class PreemptAbort extends Preempt {
        @Override
        String title() {
            return "Preempt and abort";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.PREEMPT_AND_ABORT;
        }
    }

    @Command(name = "register-move", header = "PR OUT REGISTER AND MOVE as the reservation holder.", sortOptions = false, usageHelpAutoWidth = true,
            exitCodeOnInvalidInput = ScsiExit.SYNTAX_ERROR,
            description = "PR OUT REGISTER AND MOVE as the reservation holder: register SARK for the initiator"
                    + " --transport-id names and move the reservation to it.")
    static final class RegisterMove extends Base {
        @Mixin
        PrOptions.Rk rk;
        @Mixin
        PrOptions.Sark sark;
        @Mixin
        PrOptions.Aptpl aptpl;
        @Mixin
        PrOptions.Unreg unreg;
        @Mixin
        PrOptions.RelativePort port;
        @Mixin
        PrOptions.TransportIds tids;

        @Override
        String title() {
            return "Register and move";
        }

        @Override
        PrOutServiceAction serviceAction() {
            return PrOutServiceAction.REGISTER_AND_MOVE;
        }

        @Override
        byte[] parameterList() {
            List<TransportId> ids = tids.parse();
            if (ids.size() != 1) {
                throw new ParameterException(spec.commandLine(), "register-move needs exactly one --transport-id:"
                        + " the initiator to move the reservation to (" + ids.size() + " given)");
            }
            if (port.port < 0 || port.port > 0xFFFF) {
                throw new ParameterException(spec.commandLine(), "--relative-port " + port.port
                        + " is not 0 to 65535");
            }
            return new RegisterAndMoveParameterList(rk.rk, sark.sark, unreg.unreg, aptpl.aptpl, port.port, ids.get(0))
                    .encode();
        }
    }
}
