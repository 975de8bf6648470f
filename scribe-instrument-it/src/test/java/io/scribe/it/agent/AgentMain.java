package io.scribe.it.agent;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.instrument.ScribeInstrumentation;
import io.scribe.core.spi.Store;
import io.scribe.it.agent.model.Memo;

/** Run by {@code JavaAgentTest} in a JVM started with {@code -javaagent}: prints what was recorded, one per line. */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) {
        System.out.println("enhanced=" + ScribeInstrumentation.isEnhanced(Memo.class));
        Scriber peer = Scriber.builder().clientId("agent").store(Store.inMemory()).register(Memo.class).build();
        Memo memo = peer.call(() -> new Memo("m1", "draft"));
        memo.edit("final");
        for (Scribe s : peer.store().readAfter(0, 100)) {
            System.out.println(s.type() + " " + s.data());
        }
        peer.close();
    }
}
