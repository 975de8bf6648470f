package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.Store;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.testkit.Network;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** A scribe is checked against the receiving class and store before it is stored or relayed. */
class ValidationTest {

    private final Network net = new Network(new Random(33));
    private final List<ScribeException> hubProblems = new CopyOnWriteArrayList<>();

    private static int code(CompletableFuture<JsonNode> answer) {
        return answer.handle((r, e) -> {
            Throwable t = e instanceof CompletionException ? e.getCause() : e;
            return t instanceof ScribeException se ? se.code() : -1;
        }).join();
    }

    private static ObjectNode create(String origin, ObjectNode data) {
        ObjectNode scribe = Json.object().put("id", "1").put("klass", "Task").put("type", "create")
                .put("origin", origin).put("clock", System.currentTimeMillis() << 16);
        scribe.set("data", data);
        ObjectNode message = Json.object().put("type", "add_scribe");
        message.set("scribe", scribe);
        return message;
    }

    private static ObjectNode task(String id) {
        return Json.object().put("id", id).put("title", "t").put("done", false).put("priority", 1)
                .set("tags", Json.NODES.arrayNode());
    }

    @Test
    void nullForAnInitialisedCollectionOrAPrimitiveAndWrongTypesAreRefusedWith400AndNotRelayed() {
        Scriber hub = Peers.builder("hub").onError(hubProblems::add).build();
        Scriber other = Peers.peer("other");
        Scriber sender = Peers.builder("sender").onError(e -> { }).build();
        net.link(other, hub);
        Network.Link link = net.link(sender, hub);
        net.settle();

        ObjectNode nullTags = task("t1");
        nullTags.putNull("tags");
        ObjectNode nullPriority = task("t2");
        nullPriority.putNull("priority");
        ObjectNode wrongType = task("t3");
        wrongType.put("priority", "high");
        CompletableFuture<JsonNode> a = link.sessionA().request(create("sender", nullTags));
        CompletableFuture<JsonNode> b = link.sessionA().request(create("sender", nullPriority));
        CompletableFuture<JsonNode> c = link.sessionA().request(create("sender", wrongType));
        net.settle();

        assertThat(List.of(code(a), code(b), code(c))).containsOnly(400);
        assertThat(hubProblems).anySatisfy(p -> assertThat(p.getMessage()).contains("Task.tags"));
        assertThat(hub.lastScribeId()).isZero();
        assertThat(Peers.tasks(hub)).isEmpty();
        assertThat(Peers.tasks(other)).isEmpty();
        // A valid create still goes through, and listing works everywhere.
        CompletableFuture<JsonNode> ok = link.sessionA().request(create("sender", task("t4")));
        net.settle();
        assertThat(ok.join().path("result").asBoolean()).isTrue();
        assertThat(Peers.tasks(other)).containsOnlyKeys("t4");
    }

    @Test
    void valuesTheFieldWouldOnlyHoldChangedAreRefusedWith400SoNoPeerIsRelayedWhatTheHubDoesNotHold() {
        Scriber hub = Peers.builder("hub").onError(hubProblems::add).build();
        Scriber other = Peers.peer("other");
        Scriber sender = Peers.builder("sender").onError(e -> { }).build();
        net.link(other, hub);
        Network.Link link = net.link(sender, hub);
        net.settle();

        // Each would be held as something else (1, true, 2, true) while the log and its relays carried it as sent.
        ObjectNode fraction = task("t1");
        fraction.put("priority", 1.5);
        ObjectNode numberForBoolean = task("t2");
        numberForBoolean.put("done", 1);
        ObjectNode textForNumber = task("t3");
        textForNumber.put("priority", "2");
        ObjectNode textForBoolean = task("t4");
        textForBoolean.put("done", "true");
        List<CompletableFuture<JsonNode>> answers = List.of(fraction, numberForBoolean, textForNumber, textForBoolean)
                .stream().map(t -> link.sessionA().request(create("sender", t))).toList();
        net.settle();

        assertThat(answers).extracting(ValidationTest::code).containsOnly(400);
        assertThat(hub.lastScribeId()).isZero();
        assertThat(Peers.tasks(other)).isEmpty();
        // A whole number written with a fraction of zero is the same number everywhere.
        ObjectNode whole = task("t5");
        whole.put("priority", 2.0);
        CompletableFuture<JsonNode> ok = link.sessionA().request(create("sender", whole));
        net.settle();
        assertThat(ok.join().path("result").asBoolean()).isTrue();
        assertThat(other.find(Task.class, "t5").orElseThrow().priority()).isEqualTo(2);
    }

    @Test
    void aScribeLargerThanAFrameTheReceiverRelaysInIsRefusedWith413() {
        Scriber hub = Peers.builder("hub").wire(Wire.scribe().withMaxFrameBytes(4096)).onError(hubProblems::add)
                .build();
        Scriber sender = Peers.builder("sender").onError(e -> { }).build();
        Network.Link link = net.link(sender, hub);
        net.settle();
        ObjectNode big = task("big");
        big.put("title", "x".repeat(5000));

        CompletableFuture<JsonNode> answer = link.sessionA().request(create("sender", big));
        net.settle();

        assertThat(code(answer)).isEqualTo(413);
        assertThat(hub.lastScribeId()).isZero();
    }

    /** A store that cannot keep U+0000 in a string (as PostgreSQL JSONB), and says so in {@code check}. */
    static final class NoNulChars extends ForwardingStore {
        boolean checks = true;

        NoNulChars() {
            super(Store.inMemory());
        }

        @Override
        public void check(Scribe scribe, long encodedBytes) {
            if (checks && scribe.data().toString().contains("\\u0000")) {
                throw new ScribeException(ScribeException.BAD_REQUEST, "U+0000 cannot be stored");
            }
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            for (Scribe s : commit.scribes()) {
                if (s.data().toString().contains("\\u0000")) {
                    throw new ScribeException(ScribeException.INTERNAL, "unsupported Unicode escape sequence");
                }
            }
            return super.commit(commit);
        }
    }

    @Test
    void whatTheStoreCannotKeepIsRefusedWith400AtTheFirstHop() {
        Scriber hub = Scriber.builder().clientId("hub").store(new NoNulChars()).register(Task.class)
                .onError(hubProblems::add).build();
        Scriber sender = Peers.builder("sender").onError(e -> { }).build();
        Network.Link link = net.link(sender, hub);
        net.settle();
        ObjectNode nul = task("nul");
        nul.put("title", "a\u0000b");

        CompletableFuture<JsonNode> answer = link.sessionA().request(create("sender", nul));
        net.settle();

        assertThat(code(answer)).isEqualTo(400);
        assertThat(hub.lastScribeId()).isZero();
    }

    @Test
    void aReceiverWhoseStoreCannotKeepAScribeSkipsItReportsItAndGetsEverythingAfterIt() {
        Scriber hub = Peers.peer("hub");
        Scriber writer = Peers.peer("writer");
        net.link(writer, hub);
        net.settle();
        writer.create(new Task("before", 1));
        writer.create(new Task("a\u0000b", 2));
        for (int i = 0; i < 9; i++) {
            writer.create(new Task("after " + i, 3));
        }
        net.settle();
        assertThat(Peers.tasks(hub)).hasSize(11);

        // A peer with a stricter store that its check does not catch: every page holding the scribe fails.
        NoNulChars strict = new NoNulChars();
        strict.checks = false;
        List<ScribeException> problems = new CopyOnWriteArrayList<>();
        Scriber reader = Scriber.builder().clientId("reader").store(strict).register(Task.class).pageSize(4)
                .onError(problems::add).build();
        Network.Link link = net.link(reader, hub);
        net.settle();

        assertThat(link.sessionA().catchUp()).isCompleted();
        assertThat(Peers.tasks(reader)).hasSize(10).doesNotContainKey(null);
        assertThat(reader.all(Task.class)).extracting(Task::title).doesNotContain("a\u0000b").contains("after 8");
        assertThat(reader.failedScribeCount()).isEqualTo(1);
        assertThat(reader.failedScribes()).singleElement()
                .satisfies(f -> assertThat(f.from()).isEqualTo("hub"))
                .satisfies(f -> assertThat(f.reason()).contains("Unicode"));
        assertThat(problems).anySatisfy(p -> assertThat(p.getMessage()).contains("skipped"));
        assertThat(reader.client("hub").cursor()).contains(String.valueOf(hub.lastScribeId()));
        // It stays usable: a later scribe arrives as a push.
        writer.create(new Task("later", 4));
        net.settle();
        assertThat(reader.all(Task.class)).extracting(Task::title).contains("later");
    }

    @Test
    void aStoreIsToldTheRealSizeOfALargeScribeNotABoundOfIt() {
        // A store that keeps scribes of up to 1 MB: a title of 300,000 quotes is about 600 KB as JSON, while a bound
        // computed without writing it counts up to six bytes a character (1.8 MB).
        List<Long> told = new CopyOnWriteArrayList<>();
        Store upToOneMegabyte = new ForwardingStore(Store.inMemory()) {
            @Override
            public void check(Scribe scribe, long encodedBytes) {
                told.add(encodedBytes);
                if (encodedBytes > 1_000_000) {
                    throw new ScribeException(ScribeException.TOO_LARGE, "over 1 MB: " + encodedBytes);
                }
            }
        };
        Scriber hub = Peers.peer("hub");
        hub.create(new Task("\"".repeat(300_000), 1));
        hub.create(new Task("small", 2));
        Scriber reader = Scriber.builder().clientId("reader").store(upToOneMegabyte).register(Task.class)
                .onError(hubProblems::add).build();
        net.link(reader, hub);
        net.settle();

        assertThat(reader.all(Task.class)).hasSize(2);
        assertThat(hubProblems).isEmpty();
        assertThat(told).anySatisfy(n -> assertThat(n).isBetween(600_000L, 700_000L));
        assertThat(told).allSatisfy(n -> assertThat(n).isLessThan(1_000_000L));
    }
}
