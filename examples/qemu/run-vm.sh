#!/bin/sh
# A QEMU guest whose shared disk sends its PERSISTENT RESERVE IN/OUT commands to prsidecar.
# docs/protocol.md explains the protocol, docs/identity.md how prsidecar names this VM's
# initiator and finds the disk's sidecar.
#
#   SHARED=/dev/disk/by-id/wwn-0x600140...  the shared disk: a block (or sg) device that
#                                            answers SG_IO (a SAN LUN, an iSCSI or LIO LUN)
#   BOOT=/var/lib/images/node1.qcow2        the guest's own boot disk
#   UUID=...                                 the VM's identity: keep it for the VM's life
#                                            (prsidecar's initiator name is made from it)
#   SOCKET=/run/prsidecar.sock               where prsidecar listens (it must already listen:
#                                            QEMU exits at start if nobody answers)
#
# Only the -object/-blockdev/-device lines marked "PR" matter for prsidecar; they are the
# ones the e2e harness (shared/e2e/run-guest.sh) runs against prsidecar with QEMU 7.2.
set -eu

: "${SHARED:?set SHARED to the shared disk's device path}"
: "${BOOT:?set BOOT to the guest boot image}"
: "${UUID:=$(cat /proc/sys/kernel/random/uuid)}"
: "${SOCKET:=/run/prsidecar.sock}"
: "${NAME:=node1}"

[ -S "$SOCKET" ] || { echo "run-vm.sh: nothing listens on $SOCKET; start prsidecar first" >&2; exit 1; }

set -x
exec qemu-system-x86_64 \
    -machine q35,accel=kvm -cpu host -m 2048 -smp 2 \
    -name "guest=$NAME" -uuid "$UUID" \
    -drive "file=$BOOT,if=virtio" \
    -object "pr-manager-helper,id=pr0,path=$SOCKET" `# PR: the connection to prsidecar` \
    -device virtio-scsi-pci,id=scsi0 \
    -blockdev "node-name=shared0,driver=raw,file.driver=host_device,file.filename=$SHARED,file.pr-manager=pr0" `# PR` \
    -device scsi-block,bus=scsi0.0,drive=shared0,share-rw=on `# PR: the guest sees the LUN, PR included` \
    -nographic
