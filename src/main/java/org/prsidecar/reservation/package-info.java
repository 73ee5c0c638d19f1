/**
 * The SPC-4 persistent-reservation state machine: an immutable {@link
 * org.prsidecar.reservation.ReservationTable} and {@link
 * org.prsidecar.reservation.PersistentReservations#execute} which runs one PR IN or PR OUT
 * command for one I_T nexus and returns the new table with the status, sense and data to
 * answer. Also the access table ({@link org.prsidecar.reservation.AccessPolicy}) and the
 * emulated power cycle. Pure: no files, no sockets, no clocks.
 */
package org.prsidecar.reservation;
