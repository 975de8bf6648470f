package io.scribe.transport.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.scribe.core.spi.Connection;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link Connection} over one Netty channel. {@code send} may be called from any thread: payloads are queued and
 * one task on the channel's event loop writes everything queued, then flushes once, so a burst of scribes costs one
 * system call rather than one per frame.
 *
 * <p>Back-pressure: the channel's write-buffer water marks make it unwritable when the peer reads too slowly; one
 * that stays so too long is dropped (see {@link SessionHandler}). A connection whose outbound bytes exceed {@link
 * Settings#maxPendingBytes()} is closed at once: its peer catches up from its cursor when it comes back.
 */
public final class NettyConnection implements Connection {

    private static final Logger log = LoggerFactory.getLogger(NettyConnection.class);

    private final Channel channel;
    private final boolean webSocket;
    private final long maxPendingBytes;
    private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private volatile boolean closed;
    // When this connection last wrote (System.nanoTime()), for the heartbeat; read and written on the event loop.
    private long lastWrite = System.nanoTime();

    public NettyConnection(Channel channel, boolean webSocket, long maxPendingBytes) {
        this.channel = channel;
        this.webSocket = webSocket;
        this.maxPendingBytes = maxPendingBytes;
    }

    @Override
    public void send(byte[] frame) {
        enqueue(frame);
    }

    @Override
    public void sendText(String message) {
        enqueue(message);
    }

    /** The UTF-8 bytes are written as they are, wrapped (shared with the other sessions that send them), not copied. */
    @Override
    public void sendText(String message, byte[] utf8) {
        enqueue(new SharedText(utf8));
    }

    /** A message's UTF-8 bytes shared by several connections: see {@link Connection#sendText(String, byte[])}. */
    private record SharedText(byte[] utf8) {}

    @Override
    public boolean messageOriented() {
        return webSocket;
    }

    /** Runs {@code task} on the channel's event loop, which writes its bytes; false once that loop has stopped. */
    @Override
    public boolean executeOnWriter(Runnable task) {
        try {
            channel.eventLoop().execute(task);
            return true;
        } catch (java.util.concurrent.RejectedExecutionException e) {
            return false;
        }
    }

    /** Received data is handed to the engine on the channel's event loop only. */
    @Override
    public boolean readsOnOwnThread() {
        return true;
    }

    /** On the event loop, writes and flushes what is queued now instead of in the task queued for it. */
    @Override
    public void writeNow() {
        if (channel.eventLoop().inEventLoop()) {
            drain();
        }
    }

    private void enqueue(Object payload) {
        if (closed) {
            return;
        }
        queue.add(payload);
        if (scheduled.compareAndSet(false, true)) {
            channel.eventLoop().execute(drainTask);
        }
    }

    /** Writes everything queued and flushes once. Runs on the channel's event loop. */
    void drain() {
        scheduled.set(false);
        int written = 0;
        Object payload;
        while ((payload = queue.poll()) != null) {
            if (closed || !channel.isActive()) {
                queue.clear();
                return;
            }
            Object message = payload instanceof String text ? new TextWebSocketFrame(text)
                    : payload instanceof SharedText shared
                    ? new TextWebSocketFrame(Unpooled.wrappedBuffer(shared.utf8()))
                    : Unpooled.wrappedBuffer((byte[]) payload);
            channel.write(message, channel.voidPromise());
            written++;
        }
        if (written > 0) {
            lastWrite = System.nanoTime();
            channel.flush();
            long pending = channel.bytesBeforeWritable();
            if (pending > maxPendingBytes && pending != Long.MAX_VALUE && channel.isActive()) {
                log.warn("{}: {} bytes waiting for a peer that does not read; dropping the connection",
                        channel.remoteAddress(), pending);
                close();
            }
        }
    }

    /** Flushes what is queued, then closes the channel. Idempotent, never throws. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (channel.eventLoop().inEventLoop()) {
            drain();
            closed = true;
            // The close waits for the bytes already written: nothing queued before it is lost.
            Object last = webSocket ? new CloseWebSocketFrame(WebSocketCloseStatus.NORMAL_CLOSURE) : Unpooled.EMPTY_BUFFER;
            channel.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
        } else {
            channel.eventLoop().execute(this::close);
        }
    }

    /** When this connection last wrote, as {@link System#nanoTime()}; called on the channel's event loop. */
    long lastWrite() {
        return lastWrite;
    }

    /** The channel under this connection. */
    public Channel channel() {
        return channel;
    }
}
