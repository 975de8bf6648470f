package io.scribe.transport.netty;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketServerCompressionHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.transport.netty.internal.ConnectionLimit;
import io.scribe.transport.netty.internal.Hello;
import io.scribe.transport.netty.internal.HttpApi;
import io.scribe.transport.netty.internal.SessionHandler;
import io.scribe.transport.netty.internal.Settings;
import io.scribe.transport.netty.internal.StreamHandshake;
import io.scribe.transport.netty.internal.WebSocketHandshake;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Accepts peers for one {@link Scriber}: length-prefixed frames over TCP, WebSocket text messages, or both on two
 * ports. Each accepted connection names its peer (see {@code docs/TRANSPORTS.md}), gets a {@link Session} and
 * catches up; the Scriber relays between all of them.
 *
 * <pre>{@code
 * ScribeServer server = ScribeServer.builder(scriber).tcp(7000).webSocket(7001, "/scribe").start();
 * ...
 * server.close();   // flushes what is queued, closes every connection; the Scriber stays open
 * }</pre>
 *
 * <p>Thread-safe. The server does not own the Scriber or its store.
 */
public final class ScribeServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ScribeServer.class);

    private final Scriber scriber;
    private final EventLoopGroup boss;
    private final EventLoopGroup workers;
    private final ChannelGroup channels = new DefaultChannelGroup("scribe-server", GlobalEventExecutor.INSTANCE);
    private final Channel tcp;
    private final Channel webSocket;
    private final String webSocketPath;
    private final boolean tls;
    private final HttpApi httpApi;

    private ScribeServer(Builder b) {
        this.scriber = b.scriber;
        this.webSocketPath = b.webSocketPath;
        this.tls = b.ssl != null;
        Settings settings = b.settings();
        // Before any peer connects: what this server's peers could never receive is refused when it is recorded.
        scriber.serves(settings.wire());
        ConnectionLimit limit = new ConnectionLimit(b.maxConnections);
        HttpSync h = b.httpSync;
        this.httpApi = h == null ? null : new HttpApi(scriber, settings.wire(), h.maxEntries, h.maxPushScribes,
                h.replayEntries, h.replayTtl, h.timeout, version(), Hello.PROTOCOL_VERSION, this::connections)
                .rate(h.requestRate, h.requestBurst);
        boss = new NioEventLoopGroup(1, Threads.factory("scribe-accept-" + scriber.id()));
        workers = new NioEventLoopGroup(b.workerThreads, Threads.factory("scribe-io-" + scriber.id()));
        Channel t = null;
        Channel w = null;
        try {
            if (b.tcpPort >= 0) {
                t = bind(b, settings, limit, b.tcpPort, false);
            }
            if (b.webSocketPort >= 0) {
                w = bind(b, settings, limit, b.webSocketPort, true);
            }
        } catch (RuntimeException e) {
            if (t != null) {
                t.close();
            }
            shutdownGroups();
            throw e;
        }
        this.tcp = t;
        this.webSocket = w;
    }

    /**
     * Returns a builder serving {@code scriber}. Call {@link Builder#tcp(int)} and/or {@link Builder#webSocket(int,
     * String)}, then {@link Builder#start()}.
     */
    public static Builder builder(Scriber scriber) {
        return new Builder(scriber);
    }

    private Channel bind(Builder b, Settings settings, ConnectionLimit limit, int port, boolean ws) {
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(boss, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                // Heap buffers: the session reads their arrays without a copy.
                .childOption(ChannelOption.ALLOCATOR, new PooledByteBufAllocator(false))
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.lowWaterMark(), settings.highWaterMark()))
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        channels.add(ch);
                        ChannelPipeline p = ch.pipeline();
                        p.addLast("limit", limit);
                        if (settings.ssl() != null) {
                            p.addLast("tls", settings.ssl().newHandler(ch.alloc()));
                        }
                        if (ws) {
                            int max = settings.wire().maxFrameBytes();
                            p.addLast("http", new HttpServerCodec());
                            p.addLast("http-aggregator", new HttpObjectAggregator(httpApi == null ? 64 * 1024
                                    : Math.max(1024, Math.min(b.httpSync.maxBodyBytes,
                                            settings.wire().maxFrameBytes()))));
                            if (httpApi != null) {
                                p.addLast("http-sync", httpApi);
                            }
                            if (b.compressThreshold >= 0) {
                                p.addLast("websocket-compression", new WebSocketServerCompressionHandler(max));
                            }
                            p.addLast("websocket", new WebSocketServerProtocolHandler(
                                    WebSocketServerProtocolConfig.newBuilder()
                                            .websocketPath(b.webSocketPath)
                                            .checkStartsWith(true)
                                            .handshakeTimeoutMillis(settings.idleTimeout().toMillis())
                                            .decoderConfig(WebSocketDecoderConfig.newBuilder()
                                                    .maxFramePayloadLength(max)
                                                    .allowExtensions(b.compressThreshold >= 0)
                                                    .build())
                                            .build()));
                            p.addLast("websocket-aggregator", new WebSocketFrameAggregator(max));
                        }
                        p.addLast("idle", new IdleStateHandler(settings.idleTimeout().toMillis(), 0, 0,
                                TimeUnit.MILLISECONDS));
                        p.addLast("handshake", ws
                                ? new WebSocketHandshake(scriber, settings, true, null, b.onSession,
                                        java.util.Map.copyOf(b.httpGets)).staticResources(b.staticResources)
                                : new StreamHandshake(scriber, settings, true, null, b.onSession, b.compressThreshold));
                    }
                });
        try {
            Channel channel = bootstrap.bind(b.host, port).sync().channel();
            log.info("scriber {} listening on {} ({})", scriber.id(), channel.localAddress(),
                    ws ? "WebSocket " + b.webSocketPath : "TCP " + settings.wire());
            return channel;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ScribeException(ScribeException.INTERNAL, "interrupted while binding " + b.host + ":" + port, e);
        } catch (Exception e) {
            throw new ScribeException(ScribeException.INTERNAL, "cannot listen on " + b.host + ":" + port + ": " + e, e);
        }
    }

    /** The address the TCP listener is bound to (with the actual port when 0 was asked). */
    public InetSocketAddress tcpAddress() {
        if (tcp == null) {
            throw new IllegalStateException("this server has no TCP listener");
        }
        return (InetSocketAddress) tcp.localAddress();
    }

    /** The address the WebSocket listener is bound to. */
    public InetSocketAddress webSocketAddress() {
        if (webSocket == null) {
            throw new IllegalStateException("this server has no WebSocket listener");
        }
        return (InetSocketAddress) webSocket.localAddress();
    }

    /** The URI a client connects to for WebSocket, e.g. {@code ws://127.0.0.1:7001/scribe}. */
    public URI webSocketUri() {
        InetSocketAddress a = webSocketAddress();
        return URI.create((tls ? "wss" : "ws") + "://" + a.getHostString() + ":" + a.getPort() + webSocketPath);
    }

    /** The URI of the HTTP sync API, e.g. {@code http://127.0.0.1:7001} (add {@code /sync/pull}). */
    public URI httpUri() {
        InetSocketAddress a = webSocketAddress();
        return URI.create((tls ? "https" : "http") + "://" + a.getHostString() + ":" + a.getPort());
    }

    /** This library's version, as the HTTP health answer gives it ({@code "unknown"} when it cannot be read). */
    static String version() {
        try (java.io.InputStream in = ScribeServer.class.getResourceAsStream("version.properties")) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** The number of connections open now, handshaking or not. */
    public int connections() {
        return (int) channels.stream().filter(Channel::isActive).count();
    }

    /**
     * Stops accepting, flushes what each connection has queued, closes every connection (their sessions
     * disconnect; scribes a peer did not receive stay in the store for its next catch-up), and stops the threads.
     * Idempotent; waits a few seconds at most.
     */
    @Override
    public void close() {
        if (tcp != null) {
            tcp.close().syncUninterruptibly();
        }
        if (webSocket != null) {
            webSocket.close().syncUninterruptibly();
        }
        for (Channel c : channels) {
            // Only this server's sessions: the Scriber may have other transports. Disconnecting flushes what the
            // session queued, then closes the channel.
            SessionHandler h = c.pipeline().get(SessionHandler.class);
            if (h != null) {
                h.session().disconnect();
            } else {
                c.close();
            }
        }
        channels.newCloseFuture().awaitUninterruptibly(5, TimeUnit.SECONDS);
        channels.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        shutdownGroups();
    }

    private void shutdownGroups() {
        boss.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

    /** Configures a {@link ScribeServer}. Not thread-safe; each setter checks its argument. */
    public static final class Builder {
        private final Scriber scriber;
        private String host = "127.0.0.1";
        private int tcpPort = -1;
        private int webSocketPort = -1;
        private String webSocketPath = "/scribe";
        private Wire wire;
        private SslContext ssl;
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration idleTimeout = Duration.ofSeconds(45);
        private int lowWaterMark = 256 * 1024;
        private int highWaterMark = 1024 * 1024;
        private long maxPendingBytes = 64L * 1024 * 1024;
        private Duration unwritableTimeout = Duration.ofSeconds(30);
        private int maxConnections = 10_000;
        private int workerThreads = 0;
        private Function<InetSocketAddress, String> syncroNamer = new io.scribe.transport.netty.internal.ConnectionNames();
        private java.util.function.Consumer<Session> onSession = s -> {};
        private final java.util.Map<String, java.util.function.Supplier<String>> httpGets =
                new java.util.LinkedHashMap<>();
        private io.scribe.transport.netty.internal.StaticResources staticResources;
        private HttpSync httpSync;
        private int compressThreshold = -1;

        private Builder(Scriber scriber) {
            this.scriber = Objects.requireNonNull(scriber, "scriber");
            this.wire = Wire.scribe();
        }

        /** The local address to listen on. Default {@code 127.0.0.1}; {@code 0.0.0.0} accepts remote peers. */
        public Builder bind(String host) {
            this.host = Objects.requireNonNull(host, "host");
            return this;
        }

        /** Listens for length-prefixed TCP on {@code port} (0: any free port, see {@link #tcpAddress()}). */
        public Builder tcp(int port) {
            this.tcpPort = checkPort(port);
            return this;
        }

        /**
         * Answers plain HTTP {@code GET path} on the WebSocket port with the JSON {@code body} returns (status 200,
         * {@code application/json}, connection closed after the answer): health checks, metrics. {@code body} runs
         * on a Netty event loop, so it must be quick; if it throws, the answer is 500. Other methods get 405, other
         * paths 404. Only the exact path matches (a query string is ignored).
         *
         * @throws IllegalArgumentException if {@code path} does not start with / or is already answered
         */
        public Builder httpGet(String path, java.util.function.Supplier<String> body) {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(body, "body");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with /: " + path);
            }
            if (httpGets.putIfAbsent(path, body) != null) {
                throw new IllegalArgumentException("path already answered: " + path);
            }
            return this;
        }

        /**
         * Serves the files under the class-path folder {@code classpathRoot} (for example a web app packed in the
         * application's jar) on the WebSocket port: {@code GET /a/b.js} answers the resource {@code
         * classpathRoot/a/b.js}, {@code GET /} its {@code index.html}. GET and HEAD only (405 otherwise); the
         * content type comes from the extension, and only known ones are served (html, js, mjs, css, json, map,
         * webmanifest, txt, svg, png, ico); paths with {@code .}, {@code ..} or empty segments are never resolved.
         * A path no file matches is answered as without this (an {@link #httpGet} path, or 404). Files are read
         * once, with the class loader of the calling thread (or this library's).
         */
        public Builder staticResources(String classpathRoot) {
            Objects.requireNonNull(classpathRoot, "classpathRoot");
            ClassLoader loader = Thread.currentThread().getContextClassLoader();
            this.staticResources = new io.scribe.transport.netty.internal.StaticResources(classpathRoot,
                    loader != null ? loader : ScribeServer.class.getClassLoader());
            return this;
        }

        /**
         * Serves the HTTP sync API on the WebSocket port ({@link #webSocket} is required): {@code POST /sync/pull},
         * {@code POST /sync/push} and {@code GET /sync/health}, for peers that cannot hold a socket (see {@code
         * docs/PROTOCOL.md}). Each request goes through the same rules as a session of its client: the Scriber's
         * authenticator (with {@link JwtAuthenticator}, an {@code Authorization: Bearer} token), the origin check,
         * admission and the classes' access rules. Default: not served.
         */
        public Builder httpSync(HttpSync limits) {
            this.httpSync = Objects.requireNonNull(limits, "limits");
            return this;
        }

        /**
         * Agrees to compression with the peers that offer it: over TCP ({@code u32} framing, not Syncro mode) frames
         * whose payload has at least {@code thresholdBytes} bytes are deflated (see {@code docs/PROTOCOL.md}), over
         * WebSocket the {@code permessage-deflate} extension is accepted (it compresses every message). Peers that
         * offer nothing are served as before. Default: no compression.
         *
         * @throws IllegalArgumentException if {@code thresholdBytes} is negative
         */
        public Builder compression(int thresholdBytes) {
            if (thresholdBytes < 0) {
                throw new IllegalArgumentException("threshold must not be negative: " + thresholdBytes);
            }
            this.compressThreshold = thresholdBytes;
            return this;
        }

        /**
         * Listens for WebSocket upgrades on {@code port} at {@code path}; other HTTP requests are answered 404
         * unless {@link #httpGet} answers them.
         */
        public Builder webSocket(int port, String path) {
            Objects.requireNonNull(path, "path");
            if (!path.startsWith("/")) {
                throw new IllegalArgumentException("path must start with /: " + path);
            }
            this.webSocketPort = checkPort(port);
            this.webSocketPath = path;
            return this;
        }

        /**
         * The wire of the sessions: framing and maximum frame size for TCP, Syncro mode for both. Default {@link
         * Wire#scribe()}. With {@link Wire#syncro()} a TCP peer sends no hello and is named by {@link
         * #syncroClientNames}. {@link #start()} declares it to the Scriber ({@link Scriber#serves}): from then on a
         * change too big for its frames is refused (413) when it is recorded locally or pushed by any peer.
         */
        public Builder wire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
            return this;
        }

        /** Serves TLS with this context (from {@code SslContextBuilder.forServer(...)}). Default plain text. */
        public Builder tls(SslContext context) {
            Objects.requireNonNull(context, "context");
            if (!context.isServer()) {
                throw new IllegalArgumentException("a server needs a server SslContext");
            }
            this.ssl = context;
            return this;
        }

        /**
         * Sends a {@code noop} after {@code interval} without writing, and drops a peer from which nothing was read
         * for {@code idleTimeout} (also the limit for its hello and for finishing a frame it started). Defaults 15
         * and 45 seconds.
         */
        public Builder heartbeat(Duration interval, Duration idleTimeout) {
            Settings.checkHeartbeat(interval, idleTimeout);
            this.heartbeat = interval;
            this.idleTimeout = idleTimeout;
            return this;
        }

        /**
         * Bounds what one connection may keep in memory for a peer that reads slowly: over {@code high} queued bytes
         * the channel is unwritable until it is under {@code low} (it goes on reading, so that two peers writing to
         * each other never both wait for the other to read); a connection that stays over {@code high}
         * for {@code unwritableTimeout}, or exceeds {@code max} bytes, is dropped (its peer catches up later from
         * its cursor). Defaults 256 KiB, 1 MiB, 64 MiB, 30 seconds.
         */
        public Builder outboundLimits(int low, int high, long max, Duration unwritableTimeout) {
            Settings.checkOutboundLimits(low, high, max, unwritableTimeout);
            this.lowWaterMark = low;
            this.highWaterMark = high;
            this.maxPendingBytes = max;
            this.unwritableTimeout = unwritableTimeout;
            return this;
        }

        /** Closes new connections beyond {@code max} open at once. Default 10,000. */
        public Builder maxConnections(int max) {
            if (max < 1) {
                throw new IllegalArgumentException("max connections must be positive: " + max);
            }
            this.maxConnections = max;
            return this;
        }

        /** The number of I/O threads; default 0, Netty's choice (twice the cores). */
        public Builder workerThreads(int threads) {
            if (threads < 0) {
                throw new IllegalArgumentException("threads must not be negative: " + threads);
            }
            this.workerThreads = threads;
            return this;
        }

        /**
         * Names a Syncro peer, which sends no hello, from its address; the name is its client id, under which its
         * cursor is kept. The default names each connection anew ({@code "syncro-HOST:PORT-RANDOM"}): two Syncro
         * peers never share a client, and a reconnecting peer is a new client, whose catch-up from this server is
         * the whole log and whose own log is read from its start (its history is merged under what this server
         * already holds, see {@code docs/PROTOCOL.md}); such a client is forgotten (its record and its stored cursor,
         * see {@link Scriber#forgetClient}) when its connection ends, since it can never come back under that
         * name. An application that can tell its Syncro peers apart (one
         * per host, one per port it gave each peer) names them here so that their cursors survive reconnects; a
         * namer must never give two peers the same name, or they would share one cursor.
         */
        public Builder syncroClientNames(Function<InetSocketAddress, String> namer) {
            this.syncroNamer = Objects.requireNonNull(namer, "namer");
            return this;
        }

        /** Told of each session once its peer is named, on the connection's I/O thread; must not block. */
        public Builder onSession(java.util.function.Consumer<Session> listener) {
            this.onSession = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Binds the listeners and returns the running server.
         *
         * @throws IllegalStateException if neither {@link #tcp} nor {@link #webSocket} was called
         * @throws ScribeException if a port cannot be bound
         */
        public ScribeServer start() {
            if (tcpPort < 0 && webSocketPort < 0) {
                throw new IllegalStateException("call tcp(port) and/or webSocket(port, path) first");
            }
            if (httpSync != null && webSocketPort < 0) {
                throw new IllegalStateException("the HTTP sync API is served on the WebSocket port: call webSocket");
            }
            return new ScribeServer(this);
        }

        Settings settings() {
            return new Settings(wire, ssl, heartbeat, idleTimeout, lowWaterMark, highWaterMark, maxPendingBytes,
                    unwritableTimeout, syncroNamer);
        }

        static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
