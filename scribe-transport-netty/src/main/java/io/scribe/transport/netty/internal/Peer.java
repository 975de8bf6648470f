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
     * and calls {@code sync()}. An older session of the same client is closed (at once, or once the new session has
     * authenticated when the Scriber requires it): a peer that reconnects replaces its half-open predecessor. Must run on the channel's event loop; the caller removes its own handler afterwards.
     *
     * @throws IllegalArgumentException if {@code peerId} is this peer's own GUID
     */
    static Session start(ChannelHandlerContext ctx, Scriber scriber, String peerId, Wire wire,
            NettyConnection connection, Settings settings, boolean stream, Consumer<Session> onSession) {
        Client client = scriber.client(peerId);
        Session session = client.connect(connection, wire);
        // With authentication, the older session gives way only once the new one has authenticated (Session does
        // it then): a hello alone, which anyone can send, must not cut off a client.
        for (Session old : scriber.requiresAuthentication() ? java.util.List.<Session>of() : client.sessions()) {
            if (old != session) {
                log.info("{}: {} connected again; closing its previous session", ctx.channel().remoteAddress(), peerId);
                old.disconnect();
            }
        }
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
