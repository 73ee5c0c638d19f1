/**
 * Durable, cluster-wide storage of reservation tables: {@link org.prsidecar.store.TableStore}
 * reads a disk's table and applies atomic read-modify-write updates to it; {@link
 * org.prsidecar.store.SidecarStore} keeps each table in a JSON sidecar on shared storage,
 * guarded by OFD locks, written crash-safely and cached. Knows tables, not SCSI commands.
 */
package org.prsidecar.store;
