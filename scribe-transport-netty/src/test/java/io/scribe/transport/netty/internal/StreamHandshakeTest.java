package io.scribe.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.scribe.annotations.SyncId;
import io.scribe.annotations.Synced;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hello handshake of a byte stream, on an {@link EmbeddedChannel}: the bytes it writes and what it accepts. */
class StreamHandshakeTest {

    @Synced(explicit = true)
    static final class Item {
        @SyncId
        String id;
    }

    private final Scriber hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(Item.class)
            .onError(e -> { }).build();
    private final Settings settings = new Settings(Wire.scribe(), null, Duration.ofSeconds(15),
            Duration.ofSeconds(45), 1024, 4096, 1 << 20, Duration.ofSeconds(30), a -> "syncro");

    @AfterEach
    void close() {
        hub.close();
    }

    private static List<String> frames(EmbeddedChannel ch) {
        ch.runPendingTasks();
        List<String> out = new ArrayList<>();
        ByteBuf all = Unpooled.buffer();
        for (Object o; (o = ch.readOutbound()) != null; ) {
            ByteBuf b = (ByteBuf) o;
            all.writeBytes(b);
            b.release();
        }
        while (all.readableBytes() >= 4) {
            int len = all.readInt();
            out.add(all.readCharSequence(len, StandardCharsets.UTF_8).toString());
        }
        return out;
    }

    @Test
    void aHelloFollowedByARequestInTheSameReadOpensTheSessionAndAnswersBoth() {
        AtomicReference<Session> opened = new AtomicReference<>();
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, opened::set));
        ByteBuf in = Unpooled.buffer();
        in.writeBytes(Hello.frame(Wire.scribe(), Hello.text("laptop")));
        in.writeBytes(Hello.frame(Wire.scribe(), "{\"type\":\"noop\",\"id\":5}"));
        ch.writeInbound(in);

        List<String> out = frames(ch);
        assertThat(out.get(0)).isEqualTo("{\"type\":\"hello\",\"client\":\"hub\",\"protocol\":1,\"min_protocol\":1}");
        assertThat(out).anySatisfy(f -> assertThat(f).contains("\"type\":\"sync\""));
        assertThat(out).anySatisfy(f -> assertThat(f).contains("\"type\":\"response\"", "\"id\":5"));
        assertThat(opened.get().client().id()).isEqualTo("laptop");
        assertThat(ch.pipeline().get(StreamHandshake.class)).isNull();
        assertThat(ch.pipeline().get(SessionHandler.class)).isNotNull();
        ch.close();
        assertThat(opened.get().isOpen()).isFalse();
    }

    @Test
    void aHelloSplitIntoSingleBytesIsReassembled() {
        AtomicReference<Session> opened = new AtomicReference<>();
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, opened::set));
        for (byte b : Hello.frame(Wire.scribe(), Hello.text("phone"))) {
            ch.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
        }
        assertThat(frames(ch).get(0)).contains("\"hello\"");
        assertThat(opened.get().client().id()).isEqualTo("phone");
    }

    @Test
    void somethingElseThanAHelloIsRefusedWith400AndClosed() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, s -> { }));
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(), "{\"type\":\"sync\",\"id\":1}")));
        List<String> out = frames(ch);
        assertThat(out).singleElement().satisfies(f -> assertThat(f).contains("\"error\"", "400"));
        assertThat(ch.isOpen()).isFalse();
        assertThat(hub.sessions()).isEmpty();
    }

    @Test
    void aPeerCallingItselfByTheServersNameIsRefusedWith403() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, s -> { }));
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(), Hello.text("hub"))));
        List<String> out = frames(ch);
        assertThat(out).last().satisfies(f -> assertThat(f).contains("\"error\"", "403"));
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void theConnectingSideSpeaksFirst() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, false, "server", s -> { }));
        assertThat(frames(ch)).containsExactly("{\"type\":\"hello\",\"client\":\"hub\",\"protocol\":1,\"min_protocol\":1}");
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(), Hello.text("impostor"))));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
    }

    @Test
    void aHelloOfAnIncompatibleProtocolIsRefusedWithBothRanges() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, s -> { }));
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(),
                "{\"type\":\"hello\",\"client\":\"future\",\"protocol\":3,\"min_protocol\":2}")));
        List<String> out = frames(ch);
        assertThat(out).containsExactly("{\"type\":\"error\",\"code\":400,\"message\":\"incompatible protocol: the"
                + " peer speaks versions 2..3, this peer 1..1; upgrade the older side\"}");
        assertThat(ch.isOpen()).isFalse();
        assertThat(hub.sessions()).isEmpty();
    }

    @Test
    void aHelloWithoutAVersionIsVersionOneAndAccepted() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, true, null, s -> { }));
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(), "{\"type\":\"hello\",\"client\":\"old\"}")));
        assertThat(frames(ch)).first().asString().contains("\"hello\"", "\"protocol\":1");
        assertThat(ch.isOpen()).isTrue();
        assertThat(hub.client("old").sessions()).hasSize(1);
    }

    @Test
    void theConnectingSideRefusesAServerOfAnIncompatibleProtocol() {
        EmbeddedChannel ch = new EmbeddedChannel(new StreamHandshake(hub, settings, false, null, s -> { }));
        frames(ch);
        ch.writeInbound(Unpooled.wrappedBuffer(Hello.frame(Wire.scribe(),
                "{\"type\":\"hello\",\"client\":\"server\",\"protocol\":0}")));
        ch.runPendingTasks();
        assertThat(ch.isOpen()).isFalse();
        assertThat(hub.sessions()).isEmpty();
    }
}
