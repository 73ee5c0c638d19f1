/**
 * The only place that touches native code (JNA): file descriptors and fcntl OFD locks,
 * AF_UNIX sockets with SCM_RIGHTS and SO_PEERCRED, fstat and statfs, SG_IO, and the few
 * process calls a daemon needs. Small classes that throw {@link
 * org.prsidecar.posix.PosixException} carrying errno; everything above can be tested
 * without them.
 */
package org.prsidecar.posix;
