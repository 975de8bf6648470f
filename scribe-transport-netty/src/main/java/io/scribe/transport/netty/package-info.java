/**
 * Netty transports for Scribe: {@link io.scribe.transport.netty.ScribeServer} accepts peers over length-prefixed TCP
 * and/or WebSocket, {@link io.scribe.transport.netty.ScribeClient} connects to one and stays connected (reconnect
 * with backoff and jitter, catch-up after each reconnect). Both name the peer at the other end with a one-message
 * hello before the session starts (none in Syncro mode), send {@code noop} heartbeats, drop silent peers, support
 * TLS and bound what each connection may hold in memory. See {@code docs/TRANSPORTS.md}.
 */
package io.scribe.transport.netty;
