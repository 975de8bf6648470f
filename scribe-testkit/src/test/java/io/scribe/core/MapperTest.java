package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import io.scribe.testkit.TestNetwork;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** {@code Scriber.Builder.mapper}: modules and naming for the values of synced fields. */
class MapperTest {

    private static void configure(ObjectMapper m) {
        SimpleModule colours = new SimpleModule("colours");
        colours.addSerializer(Product.Colour.class, new JsonSerializer<>() {
            @Override
            public void serialize(Product.Colour c, JsonGenerator g, SerializerProvider p) throws IOException {
                g.writeString(String.format("#%06x", c.rgb));
            }
        });
        colours.addDeserializer(Product.Colour.class, new JsonDeserializer<>() {
            @Override
            public Product.Colour deserialize(JsonParser p, DeserializationContext ctx) throws IOException {
                return new Product.Colour(Integer.parseInt(p.getValueAsString().substring(1), 16));
            }
        });
        m.registerModule(colours).setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);
    }

    @Test
    void valuesTravelAsTheConfiguredMapperWritesThem() {
        try (TestNetwork net = new TestNetwork(5)) {
            Scriber hub = net.peer("hub", b -> b.register(Product.class).mapper(MapperTest::configure));
            Scriber a = net.peer("a", b -> b.register(Product.class).mapper(MapperTest::configure));
            Scriber b = net.peer("b", b2 -> b2.register(Product.class).mapper(MapperTest::configure));
            net.star(hub, a, b);
            Product p = a.create(new Product("p1", new Product.Price(1250, "EUR"), new Product.Colour(0xff0000)));
            net.settle();
            p.colour = new Product.Colour(0x00ff80);
            Scribe update = a.save(p).orElseThrow();
            net.assertConverged();

            assertThat(update.data().get(1).toString()).isEqualTo("{\"colour\":\"#00ff80\"}");
            String stored = net.network().links().get(0).deliveredToB().toString();
            assertThat(stored).contains("\"currency_code\":\"EUR\"").contains("\"amount_cents\":1250")
                    .contains("\"colour\":\"#ff0000\"");
            Product onB = b.find(Product.class, "p1").orElseThrow();
            assertThat(onB.price).isEqualTo(new Product.Price(1250, "EUR"));
            assertThat(onB.colour).isEqualTo(new Product.Colour(0x00ff80));
        }
    }

    @Test
    void withoutConfigurationValuesUseScribesDefaultMapper() {
        try (TestNetwork net = new TestNetwork(6)) {
            Scriber hub = net.peer("hub", Product.class);
            Scriber a = net.peer("a", Product.class);
            net.link(a, hub);
            // Colour has no creator Jackson can use: without the module, only null travels.
            a.create(new Product("p1", new Product.Price(5, "USD"), null));
            net.assertConverged();
            assertThat(net.network().links().get(0).deliveredToB().toString())
                    .contains("\"currencyCode\":\"USD\"").contains("\"amountCents\":5");
            assertThat(hub.find(Product.class, "p1").orElseThrow().price).isEqualTo(new Product.Price(5, "USD"));
        }
    }
}
