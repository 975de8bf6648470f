package io.scribe.transport.netty.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** When a connection's frames go out: at the end of the event loop's task, or at once when asked to. */
class NettyConnectionTest {

    private static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    @Test
    void framesSentOnTheEventLoopGoOutWhenItsTaskEndsOrAtOnceOnWriteNow() {
        EmbeddedChannel channel = new EmbeddedChannel();
        NettyConnection connection = new NettyConnection(channel, false, 1 << 20);

        connection.send("first".getBytes(StandardCharsets.UTF_8));
        connection.send("second".getBytes(StandardCharsets.UTF_8));
        // Queued for one write at the end of the task that sent them.
        assertThat((Object) channel.readOutbound()).isNull();

        connection.writeNow();
        assertThat(text(channel.readOutbound())).isEqualTo("first");
        assertThat(text(channel.readOutbound())).isEqualTo("second");
        assertThat((Object) channel.readOutbound()).isNull();

        // The task queued for them finds nothing left, and later frames still go out with the next task.
        channel.runPendingTasks();
        assertThat((Object) channel.readOutbound()).isNull();
        connection.send("third".getBytes(StandardCharsets.UTF_8));
        channel.runPendingTasks();
        assertThat(text(channel.readOutbound())).isEqualTo("third");
        channel.finishAndReleaseAll();
    }
}
