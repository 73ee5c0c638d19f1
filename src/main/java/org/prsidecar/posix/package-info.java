/**
 * The only place that touches native code (JNA, direct mapping): file descriptors and
 * fcntl OFD locks, AF_UNIX sockets with SCM_RIGHTS and SO_PEERCRED, fstat and statfs,
 * SG_IO, and the few process calls a daemon needs. Small classes that throw {@link
 * org.prsidecar.posix.PosixException} carrying errno; everything above can be tested
 * without them.
 *
 * <h2>Map</h2>
 * <ul>
 * <li>Files: {@link org.prsidecar.posix.PosixFile} (open with O_CLOEXEC|O_NOFOLLOW,
 *     pread/pwrite, fsync), {@link org.prsidecar.posix.FileStat}, {@link
 *     org.prsidecar.posix.FileSystemType}, {@link org.prsidecar.posix.Fd} for raw fds.
 * <li>Locks: {@link org.prsidecar.posix.FileLocks} opens and locks in one step and hands
 *     back a {@link org.prsidecar.posix.LockedFile}; waiting has a deadline ({@link
 *     org.prsidecar.posix.LockTimeoutException}).
 * <li>Sockets: {@link org.prsidecar.posix.UnixServerSocket} (bind or systemd socket
 *     activation), {@link org.prsidecar.posix.UnixConnection} (fd passing, peer
 *     credentials, receive timeout).
 * <li>Process: {@link org.prsidecar.posix.Credentials} (ids, user and group look-ups,
 *     privilege drop); SCSI: {@link org.prsidecar.posix.SgIo}.
 * <li>Loading: {@link org.prsidecar.posix.PosixPlatform} (Linux x86_64 and aarch64;
 *     {@link org.prsidecar.posix.PosixUnavailableException} elsewhere, or when JNA cannot
 *     load, with what to do).
 * </ul>
 *
 * <h2>Rules the code follows</h2>
 * <ul>
 * <li>errno is read with {@code Native.getLastError()} right after each call; no
 *     {@code LastErrorException} (a failed lock attempt is a normal event).
 * <li>Hot paths (pread, pwrite, fcntl locks, fstat) reuse per-thread native memory.
 * <li>Every fd is created close-on-exec; EINTR is retried (never for close(2)).
 * <li>An fd wrapped here is closed only after the calls in flight on it returned, so a
 *     close from another thread cannot let its number be reused under a running call.
 * <li>The per-architecture differences (open flags, struct stat, syscall numbers) live in
 *     one place, {@code Arch}.
 * </ul>
 */
package org.prsidecar.posix;
