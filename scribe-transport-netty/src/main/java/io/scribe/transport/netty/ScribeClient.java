package io.scribe.transport.netty;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketClientProtocolHandler;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import io.netty.handler.codec.http.websocketx.extensions.compression.WebSocketClientCompressionHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.timeout.IdleStateHandler;
import io.scribe.core.ConnectionStatus;
import io.scribe.core.Scriber;
import io.scribe.core.ScribeException;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.transport.netty.internal.Hello;
import io.scribe.transport.netty.internal.HttpLink;
import io.scribe.transport.netty.internal.Settings;
import io.scribe.transport.netty.internal.StreamHandshake;
import io.scribe.transport.netty.internal.WebSocketHandshake;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects one {@link Scriber} to a server over length-prefixed TCP, WebSocket or the HTTP sync API ({@link #http})
 * and keeps it connected: when the connection fails or drops, it connects again after a {@link Backoff} delay, and
 * each new session catches up from
 * the cursors in the store. Local changes made while offline stay in the store and reach the server on the next
 * catch-up.
 *
 * <pre>{@code
 * ScribeClient client = ScribeClient.tcp(scriber, "127.0.0.1", 7000).start();
 * client.awaitSession(Duration.ofSeconds(5));   // optional: wait for the first catch-up
 * ...
 * client.close();                                // stops reconnecting; the Scriber stays open
 * }</pre>
 *
 * <p>Given a {@link Scriber.Builder} instead of a Scriber, the client builds the Scriber when it starts and owns
 * it: one {@link #close()} closes the client, then the Scriber, which closes the store it opened from a URL.
 *
 * <pre>{@code
 * try (ScribeClient client = ScribeClient.tcp(
 *         Scriber.builder().clientId("laptop").store("file:data").register(Task.class), "127.0.0.1", 7000).start()) {
 *     Scriber laptop = client.scriber();
 *     ...
 * }   // closes the client, then the Scriber, then its store
 * }</pre>
 *
 * <p>Its {@link #status()} goes connecting, catching up, online, and offline with the cause when the connection drops
 * or cannot be made; {@link Builder#onStatus} is told of each change, and {@link #pending()} counts the local
 * changes the server has not acknowledged. A dropped connection is a status change, not an error.
 *
 * <p>The client trusts the server it connects to as a relay ({@link Session#trustAsRelay()}): the server forwards
 * the changes of every other peer.
 *
 * <p>Thread-safe. A client started over a Scriber it was given does not own it (several clients and servers may
 * share one); a client started from a {@link Scriber.Builder} owns the Scriber it built.
 */
public final class ScribeClient implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ScribeClient.class);

    private final Scriber scriber;
    /** Whether {@link #close()} closes the Scriber: the client built it from a {@link Scriber.Builder}. */
    private final boolean ownsScriber;
    private final Backoff backoff;
    private final String host;
    private final int port;
    private final Consumer<Session> onSession;
    private final ConnectionStatus.Listener onStatus;
    private final EventLoopGroup group;
    private final Bootstrap bootstrap;
    /** HTTP mode: the server's base URI and what the links need; null over a socket. */
    private final URI httpBase;
    private final java.net.http.HttpClient httpClient;
    private final java.util.function.Supplier<String> bearer;
    private final Duration pollMin;
    private final Duration pollMax;
    private final Duration httpTimeout;
    // Guarded by lock (HTTP mode).
    private HttpLink link;
    private final Object lock = new Object();
    // Guarded by lock.
    private Channel channel;
    private Session session;
    private CompletableFuture<Session> ready = new CompletableFuture<>();
    private int attempts;
    private boolean closed;
    private String remote;
    private ConnectionStatus status;

    private ScribeClient(Builder b, Scriber scriber, boolean ownsScriber) {
        this.scriber = scriber;
        this.ownsScriber = ownsScriber;
        this.backoff = b.backoff;
        this.onSession = b.onSession;
        this.onStatus = b.onStatus;
        this.remote = b.serverId;
        // Not told: the first connect moves to CONNECTING, and the listener hears of that.
        this.status = new ConnectionStatus(ConnectionStatus.State.OFFLINE, remote, null);
        this.httpBase = b.httpUri;
        this.bearer = b.bearer;
        this.pollMin = b.pollMin;
        this.pollMax = b.pollMax;
        this.httpTimeout = b.idleTimeout;
        this.httpClient = b.httpUri == null ? null
                : java.net.http.HttpClient.newBuilder().connectTimeout(b.idleTimeout).build();
        if (b.httpUri != null) {
            this.host = b.httpUri.getHost();
            this.port = b.httpUri.getPort() > 0 ? b.httpUri.getPort()
                    : "https".equalsIgnoreCase(b.httpUri.getScheme()) ? 443 : 80;
            this.group = new NioEventLoopGroup(1, Threads.factory("scribe-client-" + scriber.id()));
            this.bootstrap = null;
            return;
        }
        boolean ws = b.uri != null;
        // Before the first connection: a change too big for the server's frames is refused when it is recorded.
        scriber.serves(b.wire);
        this.host = ws ? b.uri.getHost() : b.host;
        this.port = ws ? webSocketPort(b.uri) : b.port;
        SslContext ssl = b.ssl;
        if (ssl == null && ws && "wss".equalsIgnoreCase(b.uri.getScheme())) {
            try {
                ssl = SslContextBuilder.forClient().build();
            } catch (SSLException e) {
                throw new ScribeException(ScribeException.INTERNAL, "cannot set up TLS: " + e.getMessage(), e);
            }
        }
        Settings settings = new Settings(b.wire, ssl, b.heartbeat, b.idleTimeout, b.lowWaterMark, b.highWaterMark,
                b.maxPendingBytes, b.unwritableTimeout, a -> b.serverId);
        SslContext tls = ssl;
        this.group = new NioEventLoopGroup(1, Threads.factory("scribe-client-" + scriber.id()));
        this.bootstrap = new Bootstrap()
                .group(group)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE,
                        b.idleTimeout.toMillis()))
                .option(ChannelOption.ALLOCATOR, new PooledByteBufAllocator(false))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
                        new WriteBufferWaterMark(settings.lowWaterMark(), settings.highWaterMark()))
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ChannelPipeline p = ch.pipeline();
                        if (tls != null) {
                            p.addLast("tls", tls.newHandler(ch.alloc(), host, port));
                        }
                        if (ws) {
                            int max = settings.wire().maxFrameBytes();
                            p.addLast("http", new HttpClientCodec());
                            p.addLast("http-aggregator", new HttpObjectAggregator(64 * 1024));
                            if (b.compressThreshold >= 0) {
                                p.addLast("websocket-compression", new WebSocketClientCompressionHandler(max));
                            }
                            p.addLast("websocket", new WebSocketClientProtocolHandler(
                                    WebSocketClientProtocolConfig.newBuilder()
                                            .webSocketUri(b.uri)
                                            .version(WebSocketVersion.V13)
                                            .customHeaders(new DefaultHttpHeaders())
                                            .maxFramePayloadLength(max)
                                            .allowExtensions(b.compressThreshold >= 0)
                                            .handshakeTimeoutMillis(settings.idleTimeout().toMillis())
                                            .build()));
                            p.addLast("websocket-aggregator", new WebSocketFrameAggregator(max));
                        }
                        p.addLast("idle", new IdleStateHandler(settings.idleTimeout().toMillis(), 0, 0,
                                TimeUnit.MILLISECONDS));
                        p.addLast("handshake", ws
                                ? new WebSocketHandshake(scriber, settings, false, b.serverId, ScribeClient.this::opened)
                                : new StreamHandshake(scriber, settings, false, b.serverId, ScribeClient.this::opened,
                                        b.compressThreshold));
                    }
                });
    }

    /** Returns a builder for a length-prefixed TCP connection to {@code host:port}. */
    public static Builder tcp(Scriber scriber, String host, int port) {
        Objects.requireNonNull(host, "host");
        return new Builder(Objects.requireNonNull(scriber, "scriber"), null, host,
                ScribeServer.Builder.checkPort(port), null);
    }

    /**
     * As {@link #tcp(Scriber, String, int)}, for a Scriber the client builds when it {@linkplain Builder#start()
     * starts} and owns: {@link #close()} closes it after the connection (and the Scriber closes a store it opened
     * from a URL). {@link #scriber()} returns it.
     */
    public static Builder tcp(Scriber.Builder scriber, String host, int port) {
        Objects.requireNonNull(host, "host");
        return new Builder(null, Objects.requireNonNull(scriber, "scriber"), host,
                ScribeServer.Builder.checkPort(port), null);
    }

    /** Returns a builder for a WebSocket connection to {@code uri} ({@code ws://} or {@code wss://}). */
    public static Builder webSocket(Scriber scriber, URI uri) {
        checkWebSocket(uri);
        return new Builder(Objects.requireNonNull(scriber, "scriber"), null, null, 0, uri);
    }

    /**
     * As {@link #webSocket(Scriber, URI)}, for a Scriber the client builds when it starts and owns (see {@link
     * #tcp(Scriber.Builder, String, int)}).
     */
    public static Builder webSocket(Scriber.Builder scriber, URI uri) {
        checkWebSocket(uri);
        return new Builder(null, Objects.requireNonNull(scriber, "scriber"), null, 0, uri);
    }

    private static void checkWebSocket(URI uri) {
        Objects.requireNonNull(uri, "uri");
        String scheme = uri.getScheme();
        if (!"ws".equalsIgnoreCase(scheme) && !"wss".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("not a WebSocket URI: " + uri);
        }
    }

    /**
     * Returns a builder for a client of a server's HTTP sync API at {@code baseUri} ({@code http://host:port} or
     * {@code https://...}, the server's WebSocket port with {@link ScribeServer.Builder#httpSync}): the same engine and
     * API as over a socket, for apps that cannot hold one. The client polls the server (see {@link Builder#poll}),
     * pushes its changes as they are made, and with a failure starts again after a {@link Backoff} delay. The
     * server's id is read from its health answer. TLS uses the JDK's default trust store.
     */
    public static Builder http(Scriber scriber, URI baseUri) {
        checkHttp(baseUri);
        Builder b = new Builder(Objects.requireNonNull(scriber, "scriber"), null, null, 0, null);
        b.httpUri = baseUri;
        return b;
    }

    /**
     * As {@link #http(Scriber, URI)}, for a Scriber the client builds when it starts and owns (see {@link
     * #tcp(Scriber.Builder, String, int)}).
     */
    public static Builder http(Scriber.Builder scriber, URI baseUri) {
        checkHttp(baseUri);
        Builder b = new Builder(null, Objects.requireNonNull(scriber, "scriber"), null, 0, null);
        b.httpUri = baseUri;
        return b;
    }

    private static void checkHttp(URI baseUri) {
        Objects.requireNonNull(baseUri, "baseUri");
        String scheme = baseUri.getScheme();
        if (!"http".equalsIgnoreCase(scheme) && !"https".equalsIgnoreCase(scheme)) {
            throw new IllegalArgumentException("not an HTTP URI: " + baseUri);
        }
    }

    private static int webSocketPort(URI uri) {
        if (uri.getPort() > 0) {
            return uri.getPort();
        }
        return "wss".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private void connect() {
        synchronized (lock) {
            if (closed) {
                return;
            }
        }
        status(ConnectionStatus.State.CONNECTING, null);
        if (httpBase != null) {
            HttpLink l = new HttpLink(scriber, httpBase, httpClient, bearer, pollMin, pollMax, httpTimeout,
                    group.next(), this::opened, this::lost);
            synchronized (lock) {
                link = l;
            }
            l.start();
            return;
        }
        ChannelFuture f = bootstrap.connect(host, port);
        synchronized (lock) {
            channel = f.channel();
        }
        f.addListener((ChannelFuture done) -> {
            if (!done.isSuccess()) {
                // The first failure of a run of attempts is worth a line; the retries that follow are not.
                boolean first;
                synchronized (lock) {
                    first = attempts == 0;
                }
                if (first) {
                    log.info("scriber {}: cannot connect to {}:{} ({}); retrying with backoff", scriber.id(), host,
                            port, done.cause().toString());
                } else {
                    log.debug("scriber {}: cannot connect to {}:{}: {}", scriber.id(), host, port,
                            done.cause().toString());
                }
                status(ConnectionStatus.State.OFFLINE, done.cause());
                retry();
                return;
            }
            done.channel().closeFuture().addListener(c -> lost(done.channel().attr(Hello.FAILURE).get()));
        });
    }

    /** Called on the event loop when a session is open: its catch-up is running. */
    private void opened(Session s) {
        // A server relays every peer's changes: the client trusts the server it connected to.
        s.trustAsRelay();
        synchronized (lock) {
            session = s;
            attempts = 0;
            remote = s.client().id();
        }
        CompletableFuture<Session> r;
        synchronized (lock) {
            r = ready;
        }
        // The session reports its catch-up and its coming online; its end is reported by lost(), with the cause. It
        // is ready once the catch-up the handshake started has read the server's log to its end, however long that
        // takes (awaitSession bounds the wait, not this).
        s.onStatus(st -> {
            if (st.state() != ConnectionStatus.State.OFFLINE) {
                status(st.state(), null);
            }
            if (st.state() == ConnectionStatus.State.ONLINE) {
                r.complete(s);
            }
        });
        status(s.status().state(), null);
        if (s.isCaughtUp()) {
            r.complete(s);   // caught up before the listener was added
        }
        log.info("scriber {}: connected to {} at {}:{}", scriber.id(), s.client().id(), host, port);
        onSession.accept(s);
    }

    private void lost() {
        lost(null);
    }

    /** {@code refused}: why the handshake failed, when it did (null: the connection was lost or never answered). */
    private void lost(ScribeException refused) {
        Session gone;
        synchronized (lock) {
            gone = session;
            session = null;
        }
        Throwable cause = refused;
        if (gone != null) {
            // Outside the lock: the session tells its status listeners under its own.
            cause = gone.status().cause();
            gone.disconnect();
        }
        synchronized (lock) {
            if (ready.isDone()) {
                ready = new CompletableFuture<>();
            }
            if (closed) {
                return;
            }
        }
        if (refused != null && gone == null) {
            log.info("scriber {}: connection to {}:{} closed in the handshake: {}", scriber.id(), host, port,
                    refused.getMessage());
        } else {
            log.info("scriber {}: connection to {}:{} lost", scriber.id(), host, port);
        }
        status(ConnectionStatus.State.OFFLINE, cause != null ? cause
                : new java.io.EOFException("connection to " + host + ":" + port + " closed"));
        retry();
    }

    private void retry() {
        long delay;
        synchronized (lock) {
            if (closed) {
                return;
            }
            if (attempts >= backoff.maxAttempts()) {
                log.warn("scriber {}: giving up on {}:{} after {} attempts", scriber.id(), host, port, attempts);
                ScribeException gaveUp = new ScribeException(ScribeException.TIMEOUT,
                        "gave up connecting to " + host + ":" + port + " after " + attempts + " attempts");
                ready.completeExceptionally(gaveUp);
                status = new ConnectionStatus(ConnectionStatus.State.OFFLINE, remote, gaveUp);
                tell(status);
                return;
            }
            delay = backoff.delayMillis(attempts++);
        }
        if (group.isShuttingDown()) {
            return;
        }
        group.schedule(this::connect, delay, TimeUnit.MILLISECONDS);
    }

    /** Moves to {@code state} and tells the listener; nothing happens once the client is closed. */
    private void status(ConnectionStatus.State state, Throwable cause) {
        synchronized (lock) {
            if (closed || (status.state() == state && state != ConnectionStatus.State.OFFLINE)) {
                return;
            }
            status = new ConnectionStatus(state, remote, state == ConnectionStatus.State.OFFLINE ? cause : null);
            tell(status);
        }
    }

    // Called under lock, so that the listener sees the changes in order.
    private void tell(ConnectionStatus s) {
        try {
            onStatus.onStatus(s);
        } catch (RuntimeException e) {
            log.warn("scriber {}: status listener failed on {}", scriber.id(), s, e);
        }
    }

    /**
     * Where the connection stands: {@link ConnectionStatus.State#CONNECTING} while a connection is being made, then
     * {@link ConnectionStatus.State#CATCHING_UP} and {@link ConnectionStatus.State#ONLINE}; {@link
     * ConnectionStatus.State#OFFLINE} with the cause after a failed attempt or a dropped connection (until the next
     * attempt), and with a null cause once {@link #close()}d.
     */
    public ConnectionStatus status() {
        synchronized (lock) {
            return status;
        }
    }

    /**
     * The local changes (scribes recorded on this peer) the server has not acknowledged yet (see {@link
     * io.scribe.core.Client#pending()}); it survives a restart. Empty while the server's GUID is not known: before
     * the first session, unless {@link Builder#serverId} named it.
     */
    public OptionalLong pending() {
        String id;
        synchronized (lock) {
            id = remote;
        }
        return id == null ? OptionalLong.empty() : OptionalLong.of(scriber.client(id).pending());
    }

    /** The open session, if connected and named. */
    public Optional<Session> session() {
        synchronized (lock) {
            return Optional.ofNullable(session).filter(Session::isOpen);
        }
    }

    /**
     * Waits until the client is connected and its catch-up from the server has read to the end.
     *
     * @throws ScribeException with code 408 if that does not happen within {@code timeout} or the client gave up
     */
    public Session awaitSession(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            CompletableFuture<Session> r;
            synchronized (lock) {
                r = ready;
            }
            long left = deadline - System.nanoTime();
            try {
                Session s = r.get(Math.max(left, 0), TimeUnit.NANOSECONDS);
                if (s.isOpen()) {
                    return s;
                }
            } catch (TimeoutException e) {
                throw new ScribeException(ScribeException.TIMEOUT,
                        "not connected to " + host + ":" + port + " within " + timeout);
            } catch (ExecutionException e) {
                throw new ScribeException(ScribeException.TIMEOUT, e.getCause().getMessage(), e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScribeException(ScribeException.TIMEOUT, "interrupted", e);
            }
            if (System.nanoTime() > deadline) {
                throw new ScribeException(ScribeException.TIMEOUT,
                        "not connected to " + host + ":" + port + " within " + timeout);
            }
            // The session closed just after it was ready: wait for the next one, briefly.
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ScribeException(ScribeException.TIMEOUT, "interrupted", e);
            }
        }
    }

    /**
     * The Scriber this client connects: the one it was given, or the one it built from a {@link Scriber.Builder}
     * (and closes with itself).
     */
    public Scriber scriber() {
        return scriber;
    }

    /** The remote address this client connects to. */
    public InetSocketAddress remoteAddress() {
        return InetSocketAddress.createUnresolved(host, port);
    }

    /**
     * Drops the current connection without closing the client, which then reconnects as after a network failure.
     * Meant for tests and for operators forcing a fresh catch-up.
     */
    public void reconnect() {
        Channel c;
        HttpLink l;
        synchronized (lock) {
            c = channel;
            l = link;
        }
        if (l != null) {
            l.close();
        }
        if (c != null) {
            c.close();
        }
    }

    /**
     * Stops reconnecting, flushes what the session queued and closes the connection, then stops the client's
     * thread. Scribes recorded locally and not yet sent stay in the store for the next catch-up. A client started
     * from a {@link Scriber.Builder} then closes the Scriber it built, which closes a store it opened from a URL; a
     * Scriber the client was given stays open. Idempotent.
     */
    @Override
    public void close() {
        Channel c;
        Session s;
        HttpLink l;
        synchronized (lock) {
            if (closed) {
                return;
            }
            status = new ConnectionStatus(ConnectionStatus.State.OFFLINE, remote, null);
            tell(status);
            closed = true;
            l = link;
            c = channel;
            s = session;
            ready.completeExceptionally(new ScribeException(ScribeException.TIMEOUT, "client closed"));
        }
        if (s != null) {
            s.disconnect();
        }
        if (l != null) {
            l.close();
        }
        if (c != null) {
            c.closeFuture().awaitUninterruptibly(2, TimeUnit.SECONDS);
            c.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
        if (ownsScriber) {
            scriber.close();
        }
    }

    /** Configures a {@link ScribeClient}. Not thread-safe; each setter checks its argument. */
    public static final class Builder {
        private final Scriber scriber;
        private final Scriber.Builder scriberBuilder;
        private final String host;
        private final int port;
        private final URI uri;
        private Wire wire = Wire.scribe();
        private SslContext ssl;
        private String serverId;
        private Backoff backoff = Backoff.DEFAULT;
        private Duration heartbeat = Duration.ofSeconds(15);
        private Duration idleTimeout = Duration.ofSeconds(45);
        private int lowWaterMark = 256 * 1024;
        private int highWaterMark = 1024 * 1024;
        private long maxPendingBytes = 64L * 1024 * 1024;
        private Duration unwritableTimeout = Duration.ofSeconds(30);
        private Consumer<Session> onSession = s -> {};
        private ConnectionStatus.Listener onStatus = s -> {};
        private URI httpUri;
        private int compressThreshold = -1;
        private java.util.function.Supplier<String> bearer;
        private Duration pollMin = Duration.ofMillis(500);
        private Duration pollMax = Duration.ofSeconds(30);

        private Builder(Scriber scriber, Scriber.Builder scriberBuilder, String host, int port, URI uri) {
            this.scriber = scriber;
            this.scriberBuilder = scriberBuilder;
            this.host = host;
            this.port = port;
            this.uri = uri;
        }

        /**
         * The wire of the session. Default {@link Wire#scribe()}. With {@link Wire#syncro()} (a Ruby Syncro
         * server) no hello is exchanged and the server is known by {@link #serverId} (default {@code "server"}).
         * Declared to the Scriber when the client is built ({@link io.scribe.core.Scriber#serves}): a local change
         * too big for its frames is refused (413) when it is recorded, even before the first connection.
         */
        public Builder wire(Wire wire) {
            this.wire = Objects.requireNonNull(wire, "wire");
            return this;
        }

        /** Connects with TLS (from {@code SslContextBuilder.forClient()}). Default plain text, TLS for wss. */
        public Builder tls(SslContext context) {
            Objects.requireNonNull(context, "context");
            if (context.isServer()) {
                throw new IllegalArgumentException("a client needs a client SslContext");
            }
            this.ssl = context;
            return this;
        }

        /**
         * The GUID the server must have: a hello naming another peer is refused. Default: any server (and {@code
         * "server"} in Syncro mode, where the server does not say its name).
         */
        public Builder serverId(String serverId) {
            Objects.requireNonNull(serverId, "serverId");
            if (serverId.isBlank()) {
                throw new IllegalArgumentException("serverId is blank");
            }
            this.serverId = serverId;
            return this;
        }

        /** When to try again after a failed or lost connection. Default {@link Backoff#DEFAULT}. */
        public Builder reconnect(Backoff backoff) {
            this.backoff = Objects.requireNonNull(backoff, "backoff");
            return this;
        }

        /** See {@link ScribeServer.Builder#heartbeat}. Defaults 15 and 45 seconds. */
        public Builder heartbeat(Duration interval, Duration idleTimeout) {
            Settings.checkHeartbeat(interval, idleTimeout);
            this.heartbeat = interval;
            this.idleTimeout = idleTimeout;
            return this;
        }

        /** See {@link ScribeServer.Builder#outboundLimits}. */
        public Builder outboundLimits(int low, int high, long max, Duration unwritableTimeout) {
            Settings.checkOutboundLimits(low, high, max, unwritableTimeout);
            this.lowWaterMark = low;
            this.highWaterMark = high;
            this.maxPendingBytes = max;
            this.unwritableTimeout = unwritableTimeout;
            return this;
        }

        /**
         * Offers compression to the server: over TCP ({@code u32} framing, not Syncro mode) {@code deflate} frames,
         * used when the server agrees, for frames whose payload has at least {@code thresholdBytes} bytes; over
         * WebSocket the {@code permessage-deflate} extension. Default: none offered.
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
         * HTTP mode only: how often the server is polled. After a pull that brought something the next comes after
         * {@code min}; after one that brought nothing the interval doubles, up to {@code max}. Defaults 500 ms and
         * 30 s.
         */
        public Builder poll(Duration min, Duration max) {
            Objects.requireNonNull(min, "min");
            Objects.requireNonNull(max, "max");
            if (min.isNegative() || min.isZero() || max.compareTo(min) < 0) {
                throw new IllegalArgumentException("need 0 < min <= max: " + min + ", " + max);
            }
            this.pollMin = min;
            this.pollMax = max;
            return this;
        }

        /**
         * HTTP mode only: the token sent as {@code Authorization: Bearer} with every request (asked for each request,
         * so a supplier may renew it), for a server whose authenticator is a {@link JwtAuthenticator}.
         */
        public Builder bearerToken(java.util.function.Supplier<String> token) {
            this.bearer = Objects.requireNonNull(token, "token");
            return this;
        }

        /** Told of each new session (after every reconnect), on the I/O thread; must not block. */
        public Builder onSession(Consumer<Session> listener) {
            this.onSession = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Told of each status change (see {@link ScribeClient#status()}), in order, on the I/O thread or the thread
         * that closes the client; must not block. Default: none.
         */
        public Builder onStatus(ConnectionStatus.Listener listener) {
            this.onStatus = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /**
         * Starts connecting in the background and returns the client at once. Given a {@link Scriber.Builder}, it
         * first builds the Scriber (a failure to start closes it again).
         */
        public ScribeClient start() {
            if (wire.isSyncro() && uri == null && serverId == null) {
                serverId = "server";
            }
            if (scriberBuilder == null) {
                ScribeClient client = new ScribeClient(this, scriber, false);
                client.connect();
                return client;
            }
            Scriber built = scriberBuilder.build();
            try {
                ScribeClient client = new ScribeClient(this, built, true);
                client.connect();
                return client;
            } catch (RuntimeException | Error e) {
                built.close();
                throw e;
            }
        }
    }
}
