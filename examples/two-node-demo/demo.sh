#!/bin/sh
# Two "nodes" sharing one disk, on one machine: two prsidecar daemons, each with its own
# fixed initiator name (--initiator), both serving the same disk image in one directory.
# The image stands in for a shared LUN; its sidecar (disk.img.prsidecar.json) is the
# reservation table both daemons read and write under OFD locks, as two hosts would on NFS.
#
# The script plays a Pacemaker fence_scsi day: both nodes register, node1 reserves
# Write Exclusive Registrants Only, node2 fences node1 with PREEMPT AND ABORT, node1 is told
# by unit attentions, and the table survives a restart of the daemons. Every step checks
# its exit status (sg_persist's codes: 24 reservation conflict, 6 unit attention) and the
# script ends with "N passed, M failed".
#
# Needs: a JDK 17+ (javac compiles PrClient.java once), Linux x86_64 or aarch64. No root.
# Usage: demo.sh [--keep]      (--keep leaves the temporary directory for inspection)
set -eu

keep=no
[ "${1:-}" = "--keep" ] && keep=yes

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
if [ -f "$top/lib/prsidecar.jar" ]; then            # unpacked distribution
    prsidecar="$top/bin/prsidecar"
    classpath="$top/lib/*"
elif [ -f "$top/pom.xml" ]; then                     # source checkout
    prsidecar="$top/src/main/dist/bin/prsidecar"
    "$prsidecar" --version >/dev/null                # builds target/ on first use
    classpath="$top/target/prsidecar.jar:$top/target/lib/*"
else
    echo "demo.sh: run me from examples/two-node-demo of a prsidecar distribution or checkout" >&2
    exit 3
fi
if [ -n "${JAVA_HOME:-}" ]; then java="$JAVA_HOME/bin/java"; javac="$JAVA_HOME/bin/javac"
else java=java; javac=javac; fi
command -v "$javac" >/dev/null 2>&1 || { echo "demo.sh: javac not found; a JDK 17+ is needed" >&2; exit 3; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/prsidecar-demo.XXXXXX")
pids=""
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
    if [ "$keep" = yes ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$javac" -nowarn -cp "$classpath" -d "$tmp/classes" "$here/PrClient.java"
truncate -s 64M "$tmp/disk.img"
disk="$tmp/disk.img"

IQN=iqn.2026-11.org.example
start_node() {    # start_node N: a daemon for node N, socket $tmp/nodeN.sock, log $tmp/nodeN.log
    "$prsidecar" serve --socket "$tmp/node$1.sock" --initiator "$IQN:node$1" --sidecar-dir "$tmp" \
        --log-file "$tmp/node$1.log" &
    pids="$pids $!"
}
wait_ready() {    # the socket appears once the daemon listens
    for _ in $(seq 1 300); do [ -S "$tmp/node$1.sock" ] && return 0; sleep 0.1; done
    echo "node$1 did not start; its log:" >&2; cat "$tmp/node$1.log" >&2; exit 1
}
stop_nodes() {
    for p in $pids; do kill "$p"; done
    for p in $pids; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
    pids=""
}

passed=0
failed=0
# on NODE COMMAND ARGS... expecting STATUS: runs PrClient against that node's daemon
on() {
    node=$1; shift
    expected=$1; shift
    printf '%-6s %-42s ' "node$node" "$*"
    set +e
    out=$("$java" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -cp "$tmp/classes:$classpath" \
        PrClient "$tmp/node$node.sock" "$disk" "$@" 2>&1)
    rc=$?
    set -e
    if [ "$rc" = "$expected" ]; then passed=$((passed + 1)); verdict=ok; else failed=$((failed + 1)); verdict="FAILED (exit $rc, expected $expected)"; fi
    echo "$verdict"
    echo "$out" | sed 's/^/         /'
}

echo "== two daemons, one disk image: $disk"
start_node 1
start_node 2
wait_ready 1
wait_ready 2

echo "== both nodes register a key (fence_scsi: one key per node)"
on 1 0 register 0x1
on 2 0 register 0x2
on 1 0 read-keys
echo "== node1 reserves Write Exclusive, Registrants Only (type 5)"
on 1 0 reserve 0x1 5
on 2 0 read-reservation
on 2 24 reserve 0x2 5                    # the holder is node1: RESERVATION CONFLICT
on 2 0 read-full-status
echo "== node2 fences node1: PREEMPT AND ABORT of key 0x1"
on 2 0 preempt-abort 0x2 0x1 5
echo "== node1's next PR commands report what happened to it, oldest first"
on 1 6 read-keys                         # 2A/05 REGISTRATIONS PREEMPTED
on 1 6 read-keys                         # 2F/00 COMMANDS CLEARED BY ANOTHER INITIATOR
on 1 0 read-keys
on 1 24 reserve 0x1 5                    # node1 is no longer registered
echo "== restart both daemons: the table lives in the sidecar, not in the daemons"
stop_nodes
start_node 1
start_node 2
wait_ready 1
wait_ready 2
on 1 0 read-reservation
echo "== node1 comes back: registers again; node2 releases, then clears the table"
on 1 0 register 0x1
on 2 0 release 0x2 5
on 1 6 read-keys                         # 2A/04 RESERVATIONS RELEASED (type 5 release)
on 2 0 clear 0x2
on 1 6 read-keys                         # 2A/03 RESERVATIONS PREEMPTED (CLEAR removed node1)
on 1 0 read-full-status
stop_nodes

echo "== the sidecar both daemons shared: $disk.prsidecar.json"
sed 's/^/    /' "$disk.prsidecar.json"
echo "== node1's log: what each command did (DEBUG would add the PR INs that succeeded)"
grep -E ' (INFO  disk|WARNING|ERROR) ' "$tmp/node1.log" | sed 's/^/    /' || true
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
