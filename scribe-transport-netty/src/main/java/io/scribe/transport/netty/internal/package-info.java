/**
 * Netty handlers and helpers behind {@link io.scribe.transport.netty.ScribeServer} and {@link
 * io.scribe.transport.netty.ScribeClient}: the hello handshake, the {@link io.scribe.core.spi.Connection} that batches
 * writes onto a channel, the frame guard for bad input, heartbeat and back-pressure. Not an API: anything here may
 * change in any release.
 */
package io.scribe.transport.netty.internal;
