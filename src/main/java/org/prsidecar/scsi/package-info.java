/**
 * Wire codecs for SCSI persistent reservations: the PERSISTENT RESERVE IN and OUT CDBs,
 * their parameter lists, TransportIDs, the four kinds of PR IN data and fixed-format sense.
 *
 * <p>Pure: no I/O, no state. Every structure is one class with its decoder and encoder side
 * by side. Decoders never throw anything but {@link org.prsidecar.scsi.ScsiException}, which
 * carries the SCSI status and sense the error maps to, and never allocate more than the
 * input they were given. Section numbers in comments refer to
 * {@code docs/spc4-coverage.md} and the SPC reference it is built from.
 */
package org.prsidecar.scsi;
