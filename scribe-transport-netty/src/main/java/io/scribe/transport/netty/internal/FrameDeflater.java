package io.scribe.transport.netty.internal;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageEncoder;
import java.util.List;
import java.util.zip.Deflater;

/**
 * Compresses outgoing {@code u32} frames of at least {@code threshold} payload bytes, once both sides agreed on
 * {@code deflate} in their hellos: the payload is deflated (zlib format, {@link Deflater#BEST_SPEED}) and the frame
 * sent as {@code [0x80000000 | compressed length][compressed bytes]}. A frame that would not shrink, or a buffer that
 * is not exactly one frame, is sent as it is. The peer's {@link FrameInflater} reads both kinds.
 */
public final class FrameDeflater extends MessageToMessageEncoder<ByteBuf> {

    /** The bit of a {@code u32} length prefix that marks a compressed frame. */
    static final long COMPRESSED = 0x80000000L;

    private final int threshold;
    private final Deflater deflater = new Deflater(Deflater.BEST_SPEED);
    private final byte[] chunk = new byte[16 * 1024];

    private int plainFirst;

    /**
     * @param threshold the smallest payload, in bytes, that is compressed
     * @param plainFirst how many buffers to pass as they are first (a hello queued before the agreement)
     */
    public FrameDeflater(int threshold, int plainFirst) {
        this.threshold = threshold;
        this.plainFirst = plainFirst;
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int n = in.readableBytes();
        if (plainFirst > 0 && n > 0) {
            plainFirst--;
            out.add(in.retain());
            return;
        }
        if (n < 4 + threshold || in.getUnsignedInt(in.readerIndex()) != n - 4) {
            out.add(in.retain());
            return;
        }
        byte[] payload = new byte[n - 4];
        in.getBytes(in.readerIndex() + 4, payload);
        deflater.reset();
        deflater.setInput(payload);
        deflater.finish();
        ByteBuf frame = ctx.alloc().heapBuffer(4 + Math.max(64, payload.length / 4));
        frame.writeInt(0);
        while (!deflater.finished()) {
            int k = deflater.deflate(chunk);
            frame.writeBytes(chunk, 0, k);
            if (frame.readableBytes() - 4 >= payload.length) {
                break;
            }
        }
        int compressed = frame.readableBytes() - 4;
        if (!deflater.finished() || compressed >= payload.length) {
            frame.release();
            out.add(in.retain());
            return;
        }
        frame.setInt(0, (int) (COMPRESSED | compressed));
        out.add(frame);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        deflater.end();
    }
}
