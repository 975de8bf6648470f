package io.scribe.core;

import io.scribe.annotations.Synced;

/** A synced class whose fields hold value objects, for the configurable mapper. */
@Synced(explicit = true)
public class Product {
    String id;
    Price price;
    Colour colour;

    Product() {}

    Product(String id, Price price, Colour colour) {
        this.id = id;
        this.price = price;
        this.colour = colour;
    }

    /** A value object; its properties are named by the mapper's naming strategy. */
    public record Price(long amountCents, String currencyCode) {}

    /** A type Jackson cannot map on its own: a module serialises it as {@code "#rrggbb"}. */
    public static final class Colour {
        final int rgb;

        Colour(int rgb) {
            this.rgb = rgb;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Colour c && c.rgb == rgb;
        }

        @Override
        public int hashCode() {
            return rgb;
        }
    }
}
