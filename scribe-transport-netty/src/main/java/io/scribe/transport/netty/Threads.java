package io.scribe.transport.netty;

import io.netty.util.concurrent.DefaultThreadFactory;
import java.util.concurrent.ThreadFactory;

/** Named daemon threads for the event loops, so that a forgotten server or client never keeps a JVM alive. */
final class Threads {

    private Threads() {}

    static ThreadFactory factory(String name) {
        return new DefaultThreadFactory(name, true);
    }
}
