package io.scribe.transport.netty.internal;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Closes connections over a maximum number open at once, so a flood of connections cannot exhaust the server. */
@ChannelHandler.Sharable
public final class ConnectionLimit extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
    /** Warnings a misbehaving peer repeats (resets, refused handshakes) are written once per kind per 10 s. */
    private static final io.scribe.core.internal.ThrottledLog WARNINGS =
            new io.scribe.core.internal.ThrottledLog(log, java.time.Duration.ofSeconds(10));

    private final int max;
    private final AtomicInteger open = new AtomicInteger();

    public ConnectionLimit(int max) {
        this.max = max;
    }

    /**
     * Counts the connection until it closes, closes it at once over the maximum, and otherwise leaves the pipeline:
     * an open connection's events do not pass through this handler.
     */
    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().closeFuture().addListener(closed -> open.decrementAndGet());
        if (open.incrementAndGet() > max) {
            WARNINGS.warn("{}: refused, {} connections are open already", ctx.channel().remoteAddress(), max);
            ctx.close();
            return;
        }
        ctx.pipeline().remove(this);
        super.channelActive(ctx);
    }

    /** The connections open now. */
    public int open() {
        return open.get();
    }
}
