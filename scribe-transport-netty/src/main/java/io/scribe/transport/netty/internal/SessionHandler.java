package io.scribe.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.ReferenceCountUtil;
import io.scribe.core.Session;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins a channel to its {@link Session} once the handshake is done: feeds what is read to the session, disconnects
 * it when the channel closes, sends a {@code noop} when the connection wrote nothing for the heartbeat interval,
 * drops a peer that was silent past the idle timeout (both checked by one timer per channel, which takes over from
 * the pipeline's {@link IdleStateHandler} of the handshake), and drops one whose channel stays unwritable too long
 * (back-pressure). It keeps reading while the channel is unwritable, so that two peers writing to each other cannot
 * each wait for the other to read.
 *
 * <p>For a byte stream, a {@link FrameGuard} watches the frame boundaries: after a frame that declares more than
 * the maximum, the session answers 413 and the connection is closed (the stream is out of step); a frame that starts
 * and does not end within the idle timeout closes the connection too.
 */
public final class SessionHandler extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(SessionHandler.class);
    /** Warnings a misbehaving peer repeats (resets, refused handshakes) are written once per kind per 10 s. */
    private static final io.scribe.core.internal.ThrottledLog WARNINGS =
            new io.scribe.core.internal.ThrottledLog(log, java.time.Duration.ofSeconds(10));

    private final Session session;
    /** Set for a client named after this connection only: forgotten when it ends. */
    private volatile io.scribe.core.Scriber forgetting;
    private final NettyConnection connection;
    private final Settings settings;
    private final FrameGuard guard;
    private boolean guardArmed;
    private long unwritableEpoch;
    private io.netty.util.concurrent.ScheduledFuture<?> heartbeatTimer;
    /** When the last read completed ({@link System#nanoTime()} terms). */
    private long lastRead;
    /** The text messages of the current read, handed to the session together when the read completes. */
    private final java.util.List<String> messages = new java.util.ArrayList<>();

    public SessionHandler(Session session, NettyConnection connection, Settings settings, boolean stream) {
        this.session = session;
        this.connection = connection;
        this.settings = settings;
        this.guard = stream
                ? new FrameGuard(session.wire().framing().prefixBytes(), session.wire().maxFrameBytes())
                : null;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (!ctx.channel().isActive()) {
            session.disconnect();
            return;
        }
        // The handshake's idle handler goes: this handler's timer watches the read side from here on (one handler
        // and one scheduled task less per connection).
        IdleStateHandler idle = ctx.pipeline().get(IdleStateHandler.class);
        if (idle != null) {
            ctx.pipeline().remove(idle);
        }
        lastRead = System.nanoTime();
        tick(ctx);
    }

    /**
     * Drops the peer when nothing was read for the idle timeout, and sends a {@code noop} when the connection wrote
     * nothing for the heartbeat interval; one timer that re-arms itself for the nearer of the two (neither side is
     * watched in the pipeline, which would cost a handler, and on the write side a listener on every write).
     */
    private void tick(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        long idle = settings.idleTimeout().toNanos() - (now - lastRead);
        if (idle <= 0) {
            log.info("{}: nothing read for {}; dropping the connection", ctx.channel().remoteAddress(),
                    settings.idleTimeout());
            session.disconnectBecause(new io.scribe.core.ScribeException(io.scribe.core.ScribeException.TIMEOUT,
                    "nothing read for " + settings.idleTimeout()));
            ctx.close();
            return;
        }
        long interval = settings.heartbeat().toNanos();
        long wait = interval - (now - connection.lastWrite());
        if (wait <= 0) {
            if (session.isOpen()) {
                session.noop().exceptionally(e -> {
                    log.debug("{}: heartbeat unanswered: {}", ctx.channel().remoteAddress(), e.toString());
                    return null;
                });
            }
            wait = interval;
        }
        heartbeatTimer = ctx.executor().schedule(() -> {
            if (ctx.channel().isActive()) {
                tick(ctx);
            }
        }, Math.min(wait, idle), TimeUnit.NANOSECONDS);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof ByteBuf buf) {
                readBytes(ctx, buf);
            } else if (msg instanceof TextWebSocketFrame text) {
                messages.add(text.text());
            } else if (msg instanceof WebSocketFrame frame) {
                log.warn("{}: {} is not a Scribe message; closing", ctx.channel().remoteAddress(),
                        frame.getClass().getSimpleName());
                connection.close();
            } else {
                log.debug("{}: unexpected {} ignored", ctx.channel().remoteAddress(), msg.getClass().getName());
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        lastRead = System.nanoTime();
        deliverMessages();
        super.channelReadComplete(ctx);
    }

    /** Hands the messages of the read to the session: the pushed scribes among them are stored together. */
    private void deliverMessages() {
        if (messages.isEmpty()) {
            return;
        }
        java.util.List<String> read = messages.size() == 1 ? java.util.List.of(messages.get(0))
                : new java.util.ArrayList<>(messages);
        messages.clear();
        session.receiveMessages(read);
    }

    private void readBytes(ChannelHandlerContext ctx, ByteBuf buf) {
        boolean sane = guard.inspect(buf);
        int length = buf.readableBytes();
        if (buf.hasArray()) {
            session.receiveData(buf.array(), buf.arrayOffset() + buf.readerIndex(), length);
        } else {
            session.receiveData(ByteBufUtil.getBytes(buf));
        }
        if (!sane) {
            log.warn("{}: frame over the maximum of {} bytes; closing the connection",
                    ctx.channel().remoteAddress(), session.wire().maxFrameBytes());
            connection.close();
            return;
        }
        if (guard.inFrame() && !guardArmed) {
            // A frame that starts must end within the idle timeout, even if its bytes trickle in.
            guardArmed = true;
            long at = guard.completed();
            ctx.executor().schedule(() -> {
                guardArmed = false;
                if (guard.inFrame() && guard.completed() == at && ctx.channel().isActive()) {
                    log.warn("{}: incomplete frame for {}; closing", ctx.channel().remoteAddress(),
                            settings.idleTimeout());
                    connection.close();
                }
            }, settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** When the connection ends, {@code scriber} forgets the session's client (a name of this connection only). */
    public void forgetClientOnClose(io.scribe.core.Scriber scriber) {
        this.forgetting = scriber;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (heartbeatTimer != null) {
            heartbeatTimer.cancel(false);
        }
        deliverMessages();
        session.disconnect();
        if (forgetting != null) {
            try {
                forgetting.forgetClient(session.client().id());
            } catch (RuntimeException e) {
                log.warn("{}: forgetting client {} failed", ctx.channel().remoteAddress(), session.client().id(), e);
            }
        }
        super.channelInactive(ctx);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        boolean writable = ctx.channel().isWritable();
        // Reading goes on: a peer may be unable to read what this side sends only because it waits for this side to
        // read what it sends (two peers answering each other's catch-up with large pages). Stopping reading here
        // would make both wait for ever; what is queued for the peer stays bounded by the maximum and the timeout.
        if (!writable) {
            long epoch = ++unwritableEpoch;
            ctx.executor().schedule(() -> {
                if (epoch == unwritableEpoch && !ctx.channel().isWritable() && ctx.channel().isActive()) {
                    log.warn("{}: unwritable for {}; dropping the connection", ctx.channel().remoteAddress(),
                            settings.unwritableTimeout());
                    session.disconnectBecause(new io.scribe.core.ScribeException(io.scribe.core.ScribeException.TIMEOUT,
                            "peer read nothing for " + settings.unwritableTimeout()));
                    ctx.close();
                }
            }, settings.unwritableTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } else {
            unwritableEpoch++;
        }
        super.channelWritabilityChanged(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof java.io.IOException && !(cause instanceof javax.net.ssl.SSLException)) {
            // The socket failed under the session (a peer killed or cut off: reset, broken pipe): it went away.
            WARNINGS.info("{}: connection lost ({}); closing", ctx.channel().remoteAddress(), cause.getMessage());
        } else {
            WARNINGS.warn("{}: {}; closing", ctx.channel().remoteAddress(), cause.toString());
        }
        log.debug("{}: failure", ctx.channel().remoteAddress(), cause);
        session.disconnectBecause(cause);
        ctx.close();
    }

    /** The session this channel carries. */
    public Session session() {
        return session;
    }
}
