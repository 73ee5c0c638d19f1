#!/usr/bin/env python3
"""Back up, or restore, one prsidecar sidecar and its journal, consistently, while prsidecar
runs (docs/operations.md, "Backup and restore").

  sidecar-backup.py backup  SIDECAR DESTDIR    copy SIDECAR and SIDECAR.journal into DESTDIR
  sidecar-backup.py restore SIDECAR SRCDIR     write them back, in place

A backup holds a shared OFD lock on the sidecar while it copies, the lock prsidecar's
writers take exclusively, so it never sees an update half done. A restore holds the
exclusive lock and writes into the existing files (the sidecar is never replaced, so that
every host's lock stays on the same inode): first it empties the journal, then it
overwrites the sidecar, then it writes the backed-up journal, if there was one. Commands on
that disk wait for the lock meanwhile (and answer BUSY past prsidecar's lock-timeout).

Run it as a user that can read (backup) or write (restore) both files. Exit status 0 on
success, 1 if the lock was not had within --timeout, 2 on any other error.
"""
import argparse
import errno
import fcntl
import json
import os
import struct
import sys
import time

F_OFD_SETLK = getattr(fcntl, "F_OFD_SETLK", 37)
FLOCK = "hhqqi4x"  # struct flock on x86_64 and aarch64; l_pid must be 0 for OFD locks
JOURNAL = ".journal"


class LockTimeout(Exception):
    pass


def lock(fd, kind, timeout):
    deadline = time.monotonic() + timeout
    pause = 0.001
    while True:
        try:
            fcntl.fcntl(fd, F_OFD_SETLK, struct.pack(FLOCK, kind, os.SEEK_SET, 0, 0, 0))
            return
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                raise
        if time.monotonic() >= deadline:
            raise LockTimeout()
        time.sleep(pause)
        pause = min(pause * 2, 0.064)


def read_all(fd):
    chunks = []
    offset = 0
    while True:
        b = os.pread(fd, 1 << 20, offset)
        if not b:
            return b"".join(chunks)
        chunks.append(b)
        offset += len(b)


def write_in_place(fd, data):
    view = memoryview(data)
    offset = 0
    while offset < len(data):
        offset += os.pwrite(fd, view[offset:], offset)
    os.ftruncate(fd, len(data))
    os.fsync(fd)


def backup(sidecar, dest, timeout):
    fd = os.open(sidecar, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        lock(fd, fcntl.F_RDLCK, timeout)
        data = read_all(fd)
        try:
            with open(sidecar + JOURNAL, "rb") as j:
                journal = j.read()
        except FileNotFoundError:
            journal = None
    finally:
        os.close(fd)  # releases the lock
    os.makedirs(dest, exist_ok=True)
    name = os.path.basename(sidecar)
    with open(os.path.join(dest, name), "wb") as f:
        f.write(data)
    print(f"{os.path.join(dest, name)}: {len(data)} bytes")
    stale = os.path.join(dest, name + JOURNAL)
    if journal is None:
        if os.path.exists(stale):
            os.remove(stale)
    else:
        with open(stale, "wb") as f:
            f.write(journal)
        print(f"{stale}: {len(journal)} bytes")


def restore(sidecar, src, timeout, force):
    name = os.path.basename(sidecar)
    with open(os.path.join(src, name), "rb") as f:
        data = f.read()
    journal_path = os.path.join(src, name + JOURNAL)
    journal = open(journal_path, "rb").read() if os.path.exists(journal_path) else None
    try:
        if json.loads(data).get("format") != "prsidecar-table":
            raise ValueError("no \"format\": \"prsidecar-table\"")
    except ValueError as e:
        if not force:
            print(f"{os.path.join(src, name)} does not look like a sidecar ({e}); --force to restore it anyway",
                  file=sys.stderr)
            return 2
    fd = os.open(sidecar, os.O_RDWR | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        lock(fd, fcntl.F_WRLCK, timeout)
        jfd = os.open(sidecar + JOURNAL, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o640)
        try:
            write_in_place(jfd, b"")        # no journal entry can be replayed over the restore
            write_in_place(fd, data)
            if journal is not None:
                write_in_place(jfd, journal)
        finally:
            os.close(jfd)
    finally:
        os.close(fd)
    print(f"{sidecar}: restored {len(data)} bytes" + ("" if journal is None else f" and its journal ({len(journal)} bytes)"))
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("action", choices=["backup", "restore"])
    p.add_argument("sidecar", help="the sidecar, e.g. /mnt/shared/images/q.raw.prsidecar.json")
    p.add_argument("dir", help="backup directory (destination of backup, source of restore)")
    p.add_argument("--timeout", type=float, default=5.0, help="seconds to wait for the lock (5)")
    p.add_argument("--force", action="store_true", help="restore even what does not parse as a sidecar")
    a = p.parse_args()
    try:
        if a.action == "backup":
            backup(a.sidecar, a.dir, a.timeout)
            return 0
        return restore(a.sidecar, a.dir, a.timeout, a.force)
    except LockTimeout:
        print(f"{a.sidecar}: lock not had within {a.timeout:g} s", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"{e.filename or a.sidecar}: {e.strerror}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
