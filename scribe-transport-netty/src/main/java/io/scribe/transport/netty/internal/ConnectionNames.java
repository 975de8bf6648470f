package io.scribe.transport.netty.internal;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.function.Function;

/**
 * The default name of a Syncro peer, which sends no hello: new for every connection ({@code syncro-HOST:PORT-RANDOM}),
 * so no two connections share a client. Such a client can never come back under its name, so the server forgets it
 * (its record and its stored cursor) when its connection ends.
 */
public final class ConnectionNames implements Function<InetSocketAddress, String> {

    private static final SecureRandom RANDOM = new SecureRandom();

    @Override
    public String apply(InetSocketAddress address) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        return "syncro-" + address.getHostString() + ":" + address.getPort() + "-" + HexFormat.of().formatHex(random);
    }
}
