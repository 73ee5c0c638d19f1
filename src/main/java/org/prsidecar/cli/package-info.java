/**
 * The command line: {@code serve} (the daemon), administrative PR commands, {@code show},
 * {@code check}, {@code repair}, {@code power-cycle}, {@code bench} and {@code demo}.
 */
package org.prsidecar.cli;
