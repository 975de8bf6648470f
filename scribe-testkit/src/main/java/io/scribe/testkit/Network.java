package io.scribe.testkit;

import io.scribe.core.Scriber;
import io.scribe.core.Session;
import io.scribe.core.Wire;
import io.scribe.core.spi.Connection;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * In-memory byte pipes joining Scribers in one JVM, with delivery under the test's control. Each {@link Link} joins
 * two peers with one session on each side; what a session sends waits in the link until the test delivers it, whole
 * or in random chunks, in order, optionally duplicated, or lost when the link is cut.
 *
 * <p>Frames may be sent from any thread (a Scriber pushes from its timer thread too); delivery is driven by one
 * test thread.
 */
public final class Network {

    private final Random random;
    private final List<Link> links = new ArrayList<>();
    private double duplicateRate;
    private boolean chunked;

    /** A network whose random choices (chunk sizes, duplicates, delivery order) come from {@code random}. */
    public Network(Random random) {
        this.random = random;
    }

    /** Delivers each frame in random chunks of 1 to 64 bytes (split reads), or whole. */
    public Network chunked(boolean chunked) {
        this.chunked = chunked;
        return this;
    }

    /** Delivers each frame a second time with this probability. */
    public Network duplicates(double rate) {
        this.duplicateRate = rate;
        return this;
    }

    /**
     * Joins two peers with {@link Wire#scribe()} and starts the catch-up on both sides. {@code a} connects to
     * {@code b}, as a client to its server: {@code a} trusts {@code b} as a relay (see {@link
     * io.scribe.core.Session#trustAsRelay()}), {@code b} accepts from {@code a} only {@code a}'s own scribes.
     */
    public Link link(Scriber a, Scriber b) {
        return link(a, b, Wire.scribe());
    }

    /** Joins two peers and starts the catch-up on both sides; {@code a} trusts {@code b} as a relay. */
    public Link link(Scriber a, Scriber b, Wire wire) {
        Link link = new Link(a, b, wire);
        links.add(link);
        link.connect();
        return link;
    }

    /**
     * Joins two peers as {@link #link(Scriber, Scriber, Wire)} does, except that {@code b} names {@code a}'s client
     * with {@code names} at every connection instead of by {@code a}'s id: with {@link Wire#syncro()} and a new name
     * each time, {@code b} is a hub that does not recognise a Scribe peer speaking Syncro's protocol (a
     * {@code ScribeServer}'s default for Syncro connections).
     */
    public Link link(Scriber a, Scriber b, Wire wire, java.util.function.Supplier<String> names) {
        Link link = new Link(a, b, wire);
        link.names = names;
        links.add(link);
        link.connect();
        return link;
    }

    /**
     * Joins a hub and a model of a Ruby Syncro peer with {@link Wire#syncro()}; the hub names the peer's client with
     * {@code names} at every connection (a fixed name: a peer it recognises; a new name each time: one it does not)
     * and starts its catch-up, the model sends its own {@code sync}.
     */
    public Link link(Scriber hub, SyncroModel model, java.util.function.Supplier<String> names) {
        Link link = new Link(hub, null, Wire.syncro());
        link.model = model;
        link.names = names;
        links.add(link);
        link.connect();
        return link;
    }

    /** Every link ever made, cut or not. */
    public List<Link> links() {
        return List.copyOf(links);
    }

    /**
     * Delivers the next frame of one randomly chosen direction that has something waiting.
     *
     * @return false when nothing was waiting anywhere
     */
    public boolean deliverOne() {
        List<Pipe> ready = new ArrayList<>();
        for (Link l : links) {
            if (l.up) {
                if (!l.ab.queue.isEmpty()) {
                    ready.add(l.ab);
                }
                if (!l.ba.queue.isEmpty()) {
                    ready.add(l.ba);
                }
            }
        }
        if (ready.isEmpty()) {
            return false;
        }
        ready.get(random.nextInt(ready.size())).deliverOne();
        return true;
    }

    /** Delivers up to {@code max} frames, one random direction at a time; returns how many it delivered. */
    public int deliverSome(int max) {
        int n = 0;
        while (n < max && deliverOne()) {
            n++;
        }
        return n;
    }

    /** Cuts a randomly chosen link that is up, or reconnects it when it is down. */
    public void toggleRandomLink() {
        if (links.isEmpty()) {
            return;
        }
        Link l = links.get(random.nextInt(links.size()));
        if (l.isUp()) {
            l.cut();
        } else {
            l.reconnect();
        }
    }

    /** Reconnects every cut link, then delivers until nothing is waiting anywhere. */
    public int heal() {
        for (Link l : links) {
            if (!l.isUp()) {
                l.reconnect();
            }
        }
        return settle();
    }

    /**
     * Delivers until nothing is waiting anywhere, acks held back included (see {@link Session#acknowledgeNow()}): once
     * it returns, every peer has answered what it was sent.
     *
     * @throws IllegalStateException if the peers are still talking after {@code 1_000_000} frames
     */
    public int settle() {
        int n = 0;
        do {
            while (deliverOne()) {
                if (++n > 1_000_000) {
                    throw new IllegalStateException("network does not settle");
                }
            }
        } while (acknowledgeHeld());
        return n;
    }

    /** Makes every session of a link that is up send the ack it holds back; returns whether any did. */
    private boolean acknowledgeHeld() {
        boolean any = false;
        for (Link l : links) {
            any |= l.acknowledgeHeld();
        }
        return any;
    }

    /** One connection between two peers. */
    public final class Link {
        private final Scriber a;
        private final Scriber b;
        private final Wire wire;
        private final Pipe ab = new Pipe();
        private final Pipe ba = new Pipe();
        private boolean up;
        private Session sessionA;
        private Session sessionB;
        private SyncroModel model;
        private java.util.function.Supplier<String> names;

        private Link(Scriber a, Scriber b, Wire wire) {
            this.a = a;
            this.b = b;
            this.wire = wire;
        }

        private void connect() {
            ab.queue.clear();
            ba.queue.clear();
            if (model != null) {
                sessionA = a.client(names.get()).connect(ab.connection(), wire);
                sessionA.trustAsRelay();
                ab.target = model::receive;
                ab.prefix = 2;
                ba.target = sessionA::receiveData;
                ba.prefix = 2;
                up = true;
                model.connected(ba.connection()::send);
                sessionA.sync();
                return;
            }
            sessionA = a.client(b.id()).connect(ab.connection(), wire);
            sessionB = b.client(names != null ? names.get() : a.id()).connect(ba.connection(), wire);
            sessionA.trustAsRelay();
            ab.target = sessionB::receiveData;
            ab.prefix = wire.framing().prefixBytes();
            ba.target = sessionA::receiveData;
            ba.prefix = wire.framing().prefixBytes();
            up = true;
            sessionA.sync();
            sessionB.sync();
        }

        /** Cuts the link: both sessions disconnect and what was in flight is lost. */
        public void cut() {
            if (!up) {
                return;
            }
            up = false;
            ab.queue.clear();
            ba.queue.clear();
            sessionA.disconnect();
            if (model != null) {
                model.disconnected();
            } else {
                sessionB.disconnect();
            }
        }

        /** Connects again with new sessions and starts the catch-up on both sides. */
        public void reconnect() {
            cut();
            connect();
        }

        public boolean isUp() {
            return up;
        }

        /** {@code a}'s session to {@code b}. */
        public Session sessionA() {
            return sessionA;
        }

        /** {@code b}'s session to {@code a}. */
        public Session sessionB() {
            return sessionB;
        }

        /** Delivers the next frame from {@code b} to {@code a}, if one is waiting. */
        public void deliverToA() {
            ba.deliverOne();
        }

        /** Delivers the next frame from {@code a} to {@code b}, if one is waiting. */
        public void deliverToB() {
            ab.deliverOne();
        }

        /** Delivers everything waiting on this link only, both ways, acks held back included, until it is quiet. */
        public void settle() {
            do {
                while (up && (!ab.queue.isEmpty() || !ba.queue.isEmpty())) {
                    if (!ab.queue.isEmpty()) {
                        ab.deliverOne();
                    }
                    if (!ba.queue.isEmpty()) {
                        ba.deliverOne();
                    }
                }
            } while (acknowledgeHeld());
        }

        private boolean acknowledgeHeld() {
            if (!up) {
                return false;
            }
            boolean any = sessionA != null && sessionA.acknowledgeNow();
            if (model == null && sessionB != null) {
                any |= sessionB.acknowledgeNow();
            }
            return any;
        }

        /** Frames sent by {@code a} and not yet delivered. */
        public int waitingFromA() {
            return ab.queue.size();
        }

        /** The JSON text of every frame delivered to {@code a} so far (duplicates once), oldest first. */
        public List<String> deliveredToA() {
            return List.copyOf(ba.delivered);
        }

        /** The JSON text of every frame delivered to {@code b} so far (duplicates once), oldest first. */
        public List<String> deliveredToB() {
            return List.copyOf(ab.delivered);
        }
    }

    private final class Pipe {
        final java.util.concurrent.ConcurrentLinkedDeque<byte[]> queue = new java.util.concurrent.ConcurrentLinkedDeque<>();
        final List<String> delivered = new ArrayList<>();
        java.util.function.Consumer<byte[]> target;
        int prefix;

        Connection connection() {
            return new Connection() {
                @Override
                public void send(byte[] frame) {
                    queue.add(frame);
                }

                @Override
                public void close() {}
            };
        }

        void deliverOne() {
            byte[] frame = queue.poll();
            if (frame == null) {
                return;
            }
            delivered.add(new String(frame, prefix, frame.length - prefix, java.nio.charset.StandardCharsets.UTF_8));
            feed(frame);
            if (duplicateRate > 0 && random.nextDouble() < duplicateRate) {
                feed(frame);
            }
        }

        private void feed(byte[] frame) {
            if (!chunked) {
                target.accept(frame);
                return;
            }
            int pos = 0;
            while (pos < frame.length) {
                int n = Math.min(frame.length - pos, 1 + random.nextInt(64));
                target.accept(Arrays.copyOfRange(frame, pos, pos + n));
                pos += n;
            }
        }
    }
}
