package io.scribe.transport.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The first Scribe handler of a WebSocket channel, after Netty's own upgrade handling: names the peer with the same
 * hello as the stream handshake, one text message each way, then leaves the pipeline to a {@link SessionHandler}.
 * The accepting side also takes the connecting peer's GUID from a {@code client} query parameter of the upgrade
 * request, and then sends its hello at once. Plain HTTP requests to other paths are answered 404.
 */
public final class WebSocketHandshake extends ChannelInboundHandlerAdapter {

    private static final Logger log = LoggerFactory.getLogger(WebSocketHandshake.class);
    /** Warnings a misbehaving peer repeats (resets, refused handshakes) are written once per kind per 10 s. */
    private static final io.scribe.core.internal.ThrottledLog WARNINGS =
            new io.scribe.core.internal.ThrottledLog(log, java.time.Duration.ofSeconds(10));

    private final Scriber scriber;
    private final Settings settings;
    private final Wire wire;
    private final boolean accepting;
    private final String expectedPeer;
    private final Consumer<Session> onSession;
    private final java.util.Map<String, java.util.function.Supplier<String>> httpGets;
    private NettyConnection connection;
    private boolean done;
    /** The timer that closes the channel if the handshake does not finish in time; cancelled once it is removed. */
    private io.netty.util.concurrent.ScheduledFuture<?> silence;
    private StaticResources staticResources;

    public WebSocketHandshake(Scriber scriber, Settings settings, boolean accepting, String expectedPeer,
            Consumer<Session> onSession) {
        this(scriber, settings, accepting, expectedPeer, onSession, java.util.Map.of());
    }

    /** As above, answering plain HTTP {@code GET} of the paths of {@code httpGets} with their JSON. */
    public WebSocketHandshake(Scriber scriber, Settings settings, boolean accepting, String expectedPeer,
            Consumer<Session> onSession, java.util.Map<String, java.util.function.Supplier<String>> httpGets) {
        this.httpGets = httpGets;
        this.scriber = scriber;
        this.settings = settings;
        // Messages are framed by WebSocket: only the size limit and the Syncro switch of the wire matter.
        this.wire = settings.wire();
        this.accepting = accepting;
        this.expectedPeer = expectedPeer;
        this.onSession = onSession;
    }

    /** Also answers plain HTTP requests for the files of {@code files} (null: none). Returns this handler. */
    public WebSocketHandshake staticResources(StaticResources files) {
        this.staticResources = files;
        return this;
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (silence != null) {
            silence.cancel(false);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        connection = new NettyConnection(ctx.channel(), true, settings.maxPendingBytes());
        silence = Hello.closeIfSilent(ctx, settings.idleTimeout().toMillis(), () -> done, "WebSocket hello");
        super.channelActive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof WebSocketServerProtocolHandler.HandshakeComplete upgrade) {
            List<String> client = new QueryStringDecoder(upgrade.requestUri()).parameters().get("client");
            if (client != null && !client.isEmpty() && !client.get(0).isBlank()) {
                connection.sendText(Hello.text(scriber.id()));
                open(ctx, client.get(0));
            }
            return;
        }
        if (evt == WebSocketClientProtocolHandler.ClientHandshakeStateEvent.HANDSHAKE_COMPLETE) {
            connection.sendText(Hello.text(scriber.id()));
            return;
        }
        if (evt instanceof IdleStateEvent) {
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof FullHttpRequest request && request.decoderResult().isFailure()) {
                // Not HTTP at all: most likely a peer speaking length-prefixed frames to a WebSocket port.
                WARNINGS.warn("{}: not an HTTP request ({}): a peer speaking length-prefixed frames to a WebSocket"
                        + " port?; answered 400", ctx.channel().remoteAddress(), request.decoderResult().cause()
                        .toString());
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(
                        io.netty.handler.codec.http.HttpVersion.HTTP_1_1, HttpResponseStatus.BAD_REQUEST);
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
                response.headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (msg instanceof FullHttpRequest request) {
                java.util.Optional<io.netty.handler.codec.http.FullHttpResponse> file = staticResources == null
                        ? java.util.Optional.empty() : staticResources.answer(request);
                if (file.isPresent()) {
                    file.get().headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
                    ctx.writeAndFlush(file.get()).addListener(ChannelFutureListener.CLOSE);
                    return;
                }
                java.util.function.Supplier<String> get =
                        httpGets.get(new QueryStringDecoder(request.uri()).path());
                HttpResponseStatus status = HttpResponseStatus.NOT_FOUND;
                byte[] body = new byte[0];
                if (get != null && !request.method().equals(io.netty.handler.codec.http.HttpMethod.GET)) {
                    status = HttpResponseStatus.METHOD_NOT_ALLOWED;
                } else if (get != null) {
                    try {
                        body = get.get().getBytes(java.nio.charset.StandardCharsets.UTF_8);
                        status = HttpResponseStatus.OK;
                    } catch (RuntimeException e) {
                        log.warn("{}: GET {} failed", ctx.channel().remoteAddress(), request.uri(), e);
                        status = HttpResponseStatus.INTERNAL_SERVER_ERROR;
                    }
                }
                DefaultFullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(),
                        status, Unpooled.wrappedBuffer(body));
                response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
                // The connection closes after the answer; saying so keeps clients from reusing it for the next request.
                response.headers().set(HttpHeaderNames.CONNECTION, io.netty.handler.codec.http.HttpHeaderValues.CLOSE);
                if (status == HttpResponseStatus.OK) {
                    response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
                }
                ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            if (done) {
                return;
            }
            if (!(msg instanceof TextWebSocketFrame text)) {
                refuse(ctx, new ScribeException(ScribeException.BAD_REQUEST, "hello expected as a text message"));
                return;
            }
            String peer;
            try {
                if (text.content().readableBytes() > Settings.MAX_HELLO_BYTES) {
                    throw new ScribeException(ScribeException.BAD_REQUEST, "hello expected, got a long message");
                }
                peer = Hello.parse(text.text());
                if (!accepting && expectedPeer != null && !expectedPeer.equals(peer)) {
                    throw new ScribeException(ScribeException.FORBIDDEN,
                            "expected server " + expectedPeer + ", reached " + peer);
                }
            } catch (ScribeException e) {
                refuse(ctx, e);
                return;
            }
            if (accepting) {
                connection.sendText(Hello.text(scriber.id()));
            }
            open(ctx, peer);
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void open(ChannelHandlerContext ctx, String peer) {
        done = true;
        try {
            Peer.start(ctx, scriber, peer, wire, connection, settings, false, onSession);
        } catch (ScribeException e) {
            refuse(ctx, e);
            return;
        } catch (RuntimeException e) {
            refuse(ctx, new ScribeException(ScribeException.FORBIDDEN, e.getMessage()));
            return;
        }
        ctx.pipeline().remove(this);
    }

    private void refuse(ChannelHandlerContext ctx, ScribeException e) {
        done = true;
        ctx.channel().attr(Hello.FAILURE).set(e);
        WARNINGS.warn("{}: WebSocket handshake failed [{}]: {}", ctx.channel().remoteAddress(), e.code(), e.getMessage());
        if (accepting) {
            connection.sendText(Hello.error(e.code(), e.getMessage()));
        }
        connection.close();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof io.netty.handler.codec.http.websocketx.WebSocketClientHandshakeException refused) {
            // The server did not upgrade: its status line says why (a port of length-prefixed frames says so).
            ScribeException e = new ScribeException(ScribeException.BAD_REQUEST, "the server refused the WebSocket"
                    + " upgrade: " + (refused.response() == null ? refused.getMessage()
                    : refused.response().status().toString()));
            ctx.channel().attr(Hello.FAILURE).set(e);
            WARNINGS.warn("{}: WebSocket handshake failed [{}]: {}", ctx.channel().remoteAddress(), e.code(),
                    e.getMessage());
            ctx.close();
            return;
        }
        ctx.channel().attr(Hello.FAILURE).set(new ScribeException(ScribeException.INTERNAL,
                cause + " during WebSocket handshake"));
        WARNINGS.warn("{}: {} during WebSocket handshake; closing", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
