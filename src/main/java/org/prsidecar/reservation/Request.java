package org.prsidecar.reservation;

import java.util.Objects;
import java.util.Optional;

/**
 * One PERSISTENT RESERVE IN or OUT command as it arrived: who sent it, the CDB and, for PR
 * OUT, the parameter list (exactly the bytes transferred).
 *
 * @param client the process behind the nexus when known (for QEMU: host, pid and start time
 *     of the QEMU process); it tells a live-migration replay from a repeated command
 */
public record Request(Nexus nexus, Optional<String> client, byte[] cdb, byte[] parameterList) {

    public Request {
        Objects.requireNonNull(nexus, "nexus");
        Objects.requireNonNull(client, "client");
        cdb = cdb.clone();
        parameterList = parameterList.clone();
    }

    /** A request with no client information and no parameter list (PR IN). */
    public static Request of(Nexus nexus, byte[] cdb) {
        return new Request(nexus, Optional.empty(), cdb, new byte[0]);
    }

    public static Request of(Nexus nexus, byte[] cdb, byte[] parameterList) {
        return new Request(nexus, Optional.empty(), cdb, parameterList);
    }

    public Request withClient(String c) {
        return new Request(nexus, Optional.of(c), cdb, parameterList);
    }

    @Override
    public byte[] cdb() {
        return cdb.clone();
    }

    @Override
    public byte[] parameterList() {
        return parameterList.clone();
    }

    /** The operation code, without copying the CDB. */
    public int opcode() {
        return cdb.length == 0 ? -1 : cdb[0] & 0xFF;
    }

    byte[] cdbBytes() {
        return cdb;
    }

    byte[] parameterBytes() {
        return parameterList;
    }
}
