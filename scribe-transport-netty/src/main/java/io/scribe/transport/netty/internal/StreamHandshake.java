package io.scribe.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first handler of a length-prefixed stream: names the peer, opens its session, then leaves the pipeline to a
 * {@link SessionHandler} (bytes that followed the hello in the same read go to the session).
 *
 * <pre>
 * connecting side                              accepting side
 *   [len]{"type":"hello","client":"laptop"}  --&gt;
 *                                           &lt;--  [len]{"type":"hello","client":"server"}
 *   [len]{"type":"sync",...}  &lt;-------------------&gt;  [len]{"type":"sync",...}
 * </pre>
 *
 * <p>In Syncro mode ({@link io.scribe.core.Wire#isSyncro()}) there is no hello, since Syncro peers send none: the
 * accepting side names the peer from its address and the connecting side uses the configured server id.
 */
public final class StreamHandshake extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(StreamHandshake.class);
    /** Warnings a misbehaving peer repeats (resets, refused handshakes) are written once per kind per 10 s. */
    private static final io.scribe.core.internal.ThrottledLog WARNINGS =
            new io.scribe.core.internal.ThrottledLog(log, java.time.Duration.ofSeconds(10));

    private final Scriber scriber;
    private final Settings settings;
    private final boolean accepting;
    private final String expectedPeer;
    private final Consumer<Session> onSession;
    // The smallest frame payload this side compresses, or -1: no compression offered or accepted.
    private final int compressThreshold;
    private NettyConnection connection;
    private boolean done;
    /** The timer that closes the channel if the handshake does not finish in time; cancelled once it is removed. */
    private io.netty.util.concurrent.ScheduledFuture<?> silence;

    /**
     * @param accepting whether this is the server side of the channel
     * @param expectedPeer the GUID the connecting side expects of the server (required in Syncro mode), or null
     * @param onSession told of the session once it is open, on the event loop
     */
    public StreamHandshake(Scriber scriber, Settings settings, boolean accepting, String expectedPeer,
            Consumer<Session> onSession) {
        this(scriber, settings, accepting, expectedPeer, onSession, -1);
    }

    /**
     * @param compressThreshold with 0 or more, {@code deflate} frames are offered (connecting side) or accepted
     *     (accepting side) on a {@code u32} wire, and frames of at least this many payload bytes are compressed once
     *     both agreed; -1: none
     */
    public StreamHandshake(Scriber scriber, Settings settings, boolean accepting, String expectedPeer,
            Consumer<Session> onSession, int compressThreshold) {
        this.compressThreshold = settings.wire().isSyncro()
                || settings.wire().framing() != io.scribe.core.Wire.Framing.U32 ? -1 : compressThreshold;
        this.scriber = scriber;
        this.settings = settings;
        this.accepting = accepting;
        this.expectedPeer = expectedPeer;
        this.onSession = onSession;
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (silence != null) {
            silence.cancel(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connection = new NettyConnection(ctx.channel(), false, settings.maxPendingBytes());
        if (settings.wire().isSyncro()) {
            String peer = accepting
                    ? settings.syncroNamer().apply((InetSocketAddress) ctx.channel().remoteAddress())
                    : expectedPeer;
            open(ctx, peer);
        } else {
            if (!accepting) {
                connection.send(Hello.frame(settings.wire(), Hello.text(scriber.id(), compressThreshold >= 0)));
            }
            silence = Hello.closeIfSilent(ctx, settings.idleTimeout().toMillis(), () -> done, "hello");
        }
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (done) {
            in.skipBytes(in.readableBytes());
            return;
        }
        int prefix = settings.wire().framing().prefixBytes();
        if (in.readableBytes() < prefix) {
            return;
        }
        long length = prefix == 2 ? in.getUnsignedShort(in.readerIndex()) : in.getUnsignedInt(in.readerIndex());
        if (in.readableBytes() >= 4) {
            String http = Hello.http(in.toString(in.readerIndex(), 4, java.nio.charset.StandardCharsets.ISO_8859_1),
                    accepting);
            if (http != null) {
                if (accepting) {
                    // An HTTP client reads an HTTP answer: the refusal's status line says what this port is.
                    done = true;
                    WARNINGS.warn("{}: handshake failed [400]: {}", ctx.channel().remoteAddress(), http);
                    ctx.writeAndFlush(io.netty.buffer.Unpooled.wrappedBuffer(Hello.httpRefusal()))
                            .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
                    in.skipBytes(in.readableBytes());
                    return;
                }
                refuse(ctx, new ScribeException(ScribeException.BAD_REQUEST, http));
                return;
            }
        }
        if (length > Settings.MAX_HELLO_BYTES) {
            refuse(ctx, new ScribeException(ScribeException.BAD_REQUEST,
                    "hello expected, got a frame of " + length + " bytes"));
            return;
        }
        if (in.readableBytes() < prefix + length) {
            return;
        }
        in.skipBytes(prefix);
        byte[] json = new byte[(int) length];
        in.readBytes(json);
        String peer;
        try {
            peer = Hello.parse(json);
            if (!accepting && expectedPeer != null && !expectedPeer.equals(peer)) {
                throw new ScribeException(ScribeException.FORBIDDEN,
                        "expected server " + expectedPeer + ", reached " + peer);
            }
        } catch (ScribeException e) {
            refuse(ctx, e);
            return;
        }
        boolean deflate = compressThreshold >= 0 && Hello.deflate(json);
        if (accepting) {
            connection.send(Hello.frame(settings.wire(), Hello.text(scriber.id(), deflate)));
        }
        open(ctx, peer, deflate);
    }

    private void open(ChannelHandlerContext ctx, String peer) {
        open(ctx, peer, false);
    }

    private void open(ChannelHandlerContext ctx, String peer, boolean deflate) {
        done = true;
        try {
            Peer.start(ctx, scriber, peer, settings.wire(), connection, settings, true, onSession);
        } catch (ScribeException e) {
            refuse(ctx, e);
            return;
        } catch (RuntimeException e) {
            refuse(ctx, new ScribeException(ScribeException.FORBIDDEN, e.getMessage()));
            return;
        }
        if (deflate) {
            // Inbound: before the session, so that bytes read after the hello are inflated too. Outbound: the
            // accepting side's hello is still queued and must go out plain (the peer reads it before it knows).
            ctx.pipeline().addBefore("scribe-session", "inflate", new FrameInflater(settings.wire().maxFrameBytes()));
            FrameDeflater deflater = new FrameDeflater(compressThreshold, accepting ? 1 : 0);
            if (ctx.pipeline().get("tls") != null) {
                ctx.pipeline().addAfter("tls", "deflate", deflater);
            } else {
                ctx.pipeline().addFirst("deflate", deflater);
            }
            log.debug("{}: deflate frames agreed with {}", ctx.channel().remoteAddress(), peer);
        }
        if (accepting && settings.wire().isSyncro() && settings.syncroNamer() instanceof ConnectionNames) {
            // A name of this connection only: nobody can come back under it.
            ctx.pipeline().get(SessionHandler.class).forgetClientOnClose(scriber);
        }
        // Leaving hands any bytes read after the hello to the session handler just added.
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ScribeException e) {
        done = true;
        ctx.channel().attr(Hello.FAILURE).set(e);
        WARNINGS.warn("{}: handshake failed [{}]: {}", ctx.channel().remoteAddress(), e.code(), e.getMessage());
        if (accepting && !settings.wire().isSyncro()) {
            connection.send(Hello.frame(settings.wire(), Hello.error(e.code(), e.getMessage())));
        }
        connection.close();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent) {
            return; // the hello timeout above bounds the handshake
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        WARNINGS.warn("{}: {} during handshake; closing", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
