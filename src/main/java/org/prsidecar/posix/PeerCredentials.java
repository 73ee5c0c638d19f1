package org.prsidecar.posix;

/** The peer of a connected AF_UNIX socket as the kernel recorded it at connect (SO_PEERCRED). */
public record PeerCredentials(int pid, int uid, int gid) {
}
