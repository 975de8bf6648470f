package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.annotations.Synced;
import io.scribe.core.spi.Store;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * {@code find}, {@code all} and {@code listen} by a base class reach the objects of its registered subclasses, on the
 * peer that made them and on the one that received them.
 */
class SubclassLookupTest {

    @Synced(explicit = true)
    static class Shape {
        String id;
        String colour;

        Shape() {}

        Shape(String id, String colour) {
            this.id = id;
            this.colour = colour;
        }
    }

    @Synced(explicit = true)
    static class Circle extends Shape {
        double radius;

        Circle() {}

        Circle(String id, String colour, double radius) {
            super(id, colour);
            this.radius = radius;
        }
    }

    @Synced(explicit = true)
    static class Square extends Shape {
        double side;

        Square() {}

        Square(String id, String colour, double side) {
            super(id, colour);
            this.side = side;
        }
    }

    /** A base no peer registers, as an abstract class would be. */
    abstract static class Animal {
        String id;
    }

    @Synced(explicit = true)
    static class Dog extends Animal {
        Dog() {}

        Dog(String id) {
            this.id = id;
        }
    }

    private static Scriber peer(String id) {
        return Scriber.builder().clientId(id).store(Store.inMemory())
                .register(Shape.class).register(Circle.class).register(Square.class).register(Dog.class).build();
    }

    @Test
    void findAndAllByABaseClassReachItsRegisteredSubclasses() {
        Network net = new Network(new Random(1));
        Scriber a = peer("a");
        Scriber b = peer("b");
        net.link(a, b);
        a.create(new Shape("s1", "red"));
        a.create(new Circle("c1", "blue", 2));
        a.create(new Square("q1", "green", 3));
        a.create(new Dog("d1"));
        net.settle();

        for (Scriber peer : new Scriber[] {a, b}) {
            assertThat(peer.find(Shape.class, "c1")).get().isInstanceOf(Circle.class);   // was empty
            assertThat(peer.find(Shape.class, "s1")).get().isExactlyInstanceOf(Shape.class);
            assertThat(peer.find(Circle.class, "q1")).isEmpty();
            assertThat(peer.find(Circle.class, "s1")).isEmpty();
            assertThat(peer.all(Shape.class)).extracting(s -> s.id)
                    .containsExactlyInAnyOrder("s1", "c1", "q1");                        // was s1 alone
            assertThat(peer.all(Circle.class)).extracting(s -> s.id).containsExactly("c1");
            assertThat(peer.find(Animal.class, "d1")).get().isInstanceOf(Dog.class);     // was "not registered"
            assertThat(peer.all(Animal.class)).extracting(d -> d.id).containsExactly("d1");
            assertThat(peer.all(Object.class)).hasSize(4);
        }
        assertThatThrownBy(() -> a.find(Runnable.class, "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not registered");
        a.close();
        b.close();
    }

    @Test
    void aListenerOfABaseClassHearsTheChangesOfItsSubclassesOnBothPeers() {
        Network net = new Network(new Random(2));
        Scriber a = peer("a");
        Scriber b = peer("b");
        net.link(a, b);
        List<String> heardOnA = new CopyOnWriteArrayList<>();
        List<String> heardOnB = new CopyOnWriteArrayList<>();
        List<String> circlesOnB = new CopyOnWriteArrayList<>();
        a.listen(Shape.class, ch -> heardOnA.add(ch.type() + " " + ch.object().id));
        Scriber.Registration onB = b.listen(Shape.class, ch -> heardOnB.add(ch.type() + " " + ch.object().id));
        b.listen(Circle.class, ch -> circlesOnB.add(ch.object().id));
        List<String> animals = new CopyOnWriteArrayList<>();
        b.listen(Animal.class, ch -> animals.add(ch.object().id));
        a.create(new Shape("s1", "red"));
        Circle c = a.create(new Circle("c1", "blue", 2));
        a.create(new Dog("d1"));
        net.settle();
        c.radius = 3;
        a.save(c);
        net.settle();
        assertThat(heardOnA).containsExactly("CREATE s1", "CREATE c1", "UPDATE c1");   // was s1 alone
        assertThat(heardOnB).containsExactly("CREATE s1", "CREATE c1", "UPDATE c1");
        assertThat(circlesOnB).containsExactly("c1", "c1");
        assertThat(animals).containsExactly("d1");                                    // was "not registered"
        onB.close();
        a.destroy(c);
        net.settle();
        assertThat(heardOnB).hasSize(3);
        assertThat(circlesOnB).hasSize(3);
        a.close();
        b.close();
    }

    @Test
    void anIdentityUsedByTheBaseAndASubclassIsFoundAsTheBaseFirst() {
        Scriber a = peer("a");
        a.create(new Shape("same", "red"));
        a.create(new Circle("same", "blue", 1));
        assertThat(a.find(Shape.class, "same")).get().isExactlyInstanceOf(Shape.class);
        assertThat(a.find(Circle.class, "same")).get().isExactlyInstanceOf(Circle.class);
        assertThat(a.all(Shape.class)).hasSize(2);
        a.close();
    }

    @Test
    void anObjectOfASubclassThatIsNotRegisteredIsRefusedAtCreate() {
        try (Scriber a = Scriber.builder().clientId("a").store(Store.inMemory()).register(Shape.class).build()) {
            assertThatThrownBy(() -> a.create(new Circle("c1", "blue", 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not registered");
            assertThat(a.all(Shape.class)).isEmpty();
            assertThat(a.find(Shape.class, "c1")).isEmpty();
        }
    }
}
