package io.scribe.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the {@code u32} stream of a peer that may compress frames (see {@link FrameDeflater}): a frame whose prefix
 * has the top bit set is inflated and passed on as an ordinary frame; plain frames pass through as they arrive, so
 * the session's own decoder still streams them and skips oversized ones. A compressed frame longer than the maximum,
 * one that inflates past it, or one that is not valid deflate data closes the connection (the peer catches up from
 * its cursor when it comes back): what it would hold cannot be known without inflating it.
 */
public final class FrameInflater extends ByteToMessageDecoder {

    private static final Logger log = LoggerFactory.getLogger(FrameInflater.class);

    private final int maxFrameBytes;
    private final Inflater inflater = new Inflater();
    private final byte[] chunk = new byte[16 * 1024];
    private long plainRemaining;
    private boolean failed;

    /** @param maxFrameBytes the largest frame, compressed or inflated */
    public FrameInflater(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable() && !failed) {
            if (plainRemaining > 0) {
                int k = (int) Math.min(plainRemaining, in.readableBytes());
                out.add(in.readRetainedSlice(k));
                plainRemaining -= k;
                continue;
            }
            if (in.readableBytes() < 4) {
                return;
            }
            long word = in.getUnsignedInt(in.readerIndex());
            if ((word & FrameDeflater.COMPRESSED) == 0) {
                out.add(in.readRetainedSlice(4));
                plainRemaining = word;
                continue;
            }
            long length = word & ~FrameDeflater.COMPRESSED;
            if (length > maxFrameBytes) {
                fail(ctx, in, "a compressed frame of " + length + " bytes exceeds the maximum of " + maxFrameBytes);
                return;
            }
            if (in.readableBytes() < 4 + length) {
                return;
            }
            in.skipBytes(4);
            byte[] compressed = new byte[(int) length];
            in.readBytes(compressed);
            ByteBuf frame = ctx.alloc().heapBuffer((int) Math.min(maxFrameBytes + 4L, 4 + length * 4));
            frame.writeInt(0);
            inflater.reset();
            inflater.setInput(compressed);
            try {
                while (!inflater.finished()) {
                    int k = inflater.inflate(chunk);
                    if (k == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                        throw new DataFormatException("truncated deflate data");
                    }
                    if (frame.readableBytes() - 4L + k > maxFrameBytes) {
                        frame.release();
                        fail(ctx, in, "a compressed frame inflates past the maximum of " + maxFrameBytes + " bytes");
                        return;
                    }
                    frame.writeBytes(chunk, 0, k);
                }
            } catch (DataFormatException e) {
                frame.release();
                fail(ctx, in, "a compressed frame is not valid deflate data: " + e.getMessage());
                return;
            }
            frame.setInt(0, frame.readableBytes() - 4);
            out.add(frame);
        }
        if (failed) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void fail(ChannelHandlerContext ctx, ByteBuf in, String why) {
        failed = true;
        in.skipBytes(in.readableBytes());
        log.warn("{}: {}; closing", ctx.channel().remoteAddress(), why);
        ctx.close();
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        inflater.end();
    }
}
