/**
 * The doc-sync server: {@link io.scribe.docsync.server.DocServer} wires a Scribe hub, the Netty WebSocket endpoint,
 * HMAC authentication, access by owner and the event log.
 */
package io.scribe.docsync.server;
