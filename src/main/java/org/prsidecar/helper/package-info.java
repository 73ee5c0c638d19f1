/**
 * The qemu-pr-helper protocol server: listener, per-connection framing, identity resolution
 * (which initiator is asking), disk resolution (which sidecar) and request dispatch into the
 * reservation engine through the table store.
 */
package org.prsidecar.helper;
