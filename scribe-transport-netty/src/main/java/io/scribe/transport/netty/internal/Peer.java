package io.scribe.transport.netty.internal;

import io.netty.channel.ChannelHandlerContext;
import io.scribe.core.Client;
import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What both sides do once they know who is at the other end of a channel: open the session and start catch-up. */
final class Peer {

    private static final Logger log = LoggerFactory.getLogger(Peer.class);

    private Peer() {}

    /**
     * Opens a session with {@code peerId} over {@code connection}, puts a {@link SessionHandler} after {@code ctx}
     * and calls {@code sync()}. Must run on the channel's event loop; the caller removes its own handler afterwards.
     *
     * @throws IllegalArgumentException if {@code peerId} is this peer's own GUID
     * @throws io.scribe.core.ScribeException with code 409 if the client is connected already (see {@link
     *     Client#connect(io.scribe.core.spi.Connection, Wire)})
     */
    static Session start(ChannelHandlerContext ctx, Scriber scriber, String peerId, Wire wire,
            NettyConnection connection, Settings settings, boolean stream, Consumer<Session> onSession) {
        Client client = scriber.client(peerId);
        // Without authentication a client has one session at a time (Client.connect refuses a second, or closes the
        // first when the Scriber allows session takeover); with authentication the older session gives way only
        // once the new one has authenticated (Session does it then): a hello alone must not cut off a client.
        Session session = client.connect(connection, wire);
        ctx.pipeline().addAfter(ctx.name(), "scribe-session", new SessionHandler(session, connection, settings, stream));
        log.debug("{}: session with {} open ({})", ctx.channel().remoteAddress(), peerId, wire);
        onSession.accept(session);
        session.sync().whenComplete((v, e) -> {
            if (e != null) {
                log.info("{}: catch-up from {} did not finish: {}", ctx.channel().remoteAddress(), peerId,
                        e.toString());
            }
        });
        return session;
    }
}
