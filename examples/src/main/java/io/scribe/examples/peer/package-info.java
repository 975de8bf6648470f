/**
 * The example peer: a command-line program that syncs {@link io.scribe.examples.peer.Task}s with other peers over
 * TCP or WebSocket, driven by commands on standard input. Run it with {@code java -cp scribe-examples.jar
 * io.scribe.examples.peer.Peer --help}.
 */
package io.scribe.examples.peer;
