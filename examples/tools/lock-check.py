#!/usr/bin/env python3
"""Are fcntl locks on this file system seen by other hosts? (docs/operations.md)

prsidecar guards each sidecar with OFD locks (F_OFD_SETLK), and relies on the file system
to make them cluster-wide. This takes the same kind of lock on a test file:

  host A:  lock-check.py /mnt/shared/prsidecar/.lock-check --hold 60
  host B:  lock-check.py /mnt/shared/prsidecar/.lock-check

On host B the answer must be "held by someone else". If host B gets the lock while host A
holds it, locks on that mount are host-local (NFS mounted with nolock or local_lock=,
GFS2 with localflocks, a FUSE file system without lock support...) and prsidecar cannot
keep one table for the cluster there. Exit status: 0 locked, 1 held elsewhere, 2 error.
Linux only (F_OFD_SETLK, Linux 3.15+); the struct layout is that of x86_64 and aarch64.
"""
import argparse
import errno
import fcntl
import os
import struct
import sys
import time

F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)
# struct flock: short l_type, short l_whence, off_t l_start, off_t l_len, pid_t l_pid (0 for OFD)
FLOCK = "hhqqi4x"


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("path", help="a test file on the shared storage (created if missing)")
    p.add_argument("--hold", type=float, metavar="SECONDS", help="keep the lock this long")
    a = p.parse_args()
    try:
        fd = os.open(a.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as e:
        print(f"cannot open {a.path}: {e.strerror}", file=sys.stderr)
        return 2
    try:
        fcntl.fcntl(fd, F_OFD_SETLK, struct.pack(FLOCK, fcntl.F_WRLCK, os.SEEK_SET, 0, 0, 0))
    except OSError as e:
        if e.errno in (errno.EAGAIN, errno.EACCES):
            print(f"{a.path}: held by someone else")
            return 1
        print(f"{a.path}: cannot lock: {e.strerror}"
              + (" (no lock manager: NFSv3 needs rpc.statd and lockd)" if e.errno == errno.ENOLCK else ""),
              file=sys.stderr)
        return 2
    print(f"{a.path}: locked" + (f", holding it for {a.hold:g} s" if a.hold else ""), flush=True)
    if a.hold:
        time.sleep(a.hold)
    return 0


if __name__ == "__main__":
    sys.exit(main())
