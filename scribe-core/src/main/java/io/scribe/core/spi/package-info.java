/**
 * What plugin authors implement: {@link io.scribe.core.spi.Connection} (a transport), {@link
 * io.scribe.core.spi.Store} (where a peer keeps its log, cursors and objects), {@link
 * io.scribe.core.spi.MessageHandler} (extension messages), and the types they exchange with the engine.
 */
package io.scribe.core.spi;
