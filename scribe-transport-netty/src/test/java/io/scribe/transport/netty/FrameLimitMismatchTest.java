package io.scribe.transport.netty;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.ConnectionStatus;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.Wire;
import io.scribe.core.spi.Store;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A server that reads smaller frames (64 KiB) than its client (16 MiB by default), over TCP: the client learns the
 * server's limit from its {@code sync}, refuses a write over it at the writer's call, skips a scribe it recorded over it
 * before it knew, and the connection stays up; without that the server closed the connection at the first frame
 * over its limit, and again after every reconnect, and nothing after it arrived.
 */
class FrameLimitMismatchTest {

    private static final int SERVER_FRAME = 64 * 1024;

    private final List<ScribeException> clientErrors = new CopyOnWriteArrayList<>();
    private final List<ConnectionStatus> statuses = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> open = new ArrayList<>();
    private Scriber hub;
    private Scriber client;
    private ScribeServer server;

    private void start() {
        hub = Scriber.builder().clientId("hub").store(Store.inMemory()).register(SyncroWireTest.Test1.class)
                .requestTimeout(Duration.ofSeconds(5)).build();
        client = Scriber.builder().clientId("client").store(Store.inMemory()).register(SyncroWireTest.Test1.class)
                .requestTimeout(Duration.ofSeconds(5)).onError(clientErrors::add).build();
        open.add(client);
        open.add(hub);
        server = ScribeServer.builder(hub).wire(Wire.scribe().withMaxFrameBytes(SERVER_FRAME)).tcp(0).start();
        open.add(0, server);
    }

    private ScribeClient connect() {
        ScribeClient c = ScribeClient.tcp(client, "127.0.0.1", server.tcpAddress().getPort())
                .onStatus(statuses::add).start();
        open.add(0, c);
        c.awaitSession(Duration.ofSeconds(10));
        // The hub has read the client's log: its sync, which states its frame limit, was answered.
        await(() -> !hub.sessions().isEmpty() && hub.sessions().get(0).isCaughtUp());
        return c;
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private static SyncroWireTest.Test1 test(String id, String name) {
        SyncroWireTest.Test1 t = new SyncroWireTest.Test1();
        t.id = id;
        t.name = name;
        return t;
    }

    private String nameOnHub(String id) {
        return hub.find(SyncroWireTest.Test1.class, id).map(t -> t.name).orElse(null);
    }

    private long drops() {
        return statuses.stream().filter(s -> s.state() == ConnectionStatus.State.OFFLINE).count();
    }

    @Test
    void aWriteOverTheServersFrameLimitFailsAtTheWritersCallAndTheConnectionStaysUp() {
        start();
        connect();
        String under = "u".repeat(SERVER_FRAME - 1_000);
        client.create(test("under", under));
        await(() -> under.equals(nameOnHub("under")));

        assertThatThrownBy(() -> client.create(test("over", "o".repeat(SERVER_FRAME + 10))))
                .isInstanceOf(ScribeException.class)
                .satisfies(e -> assertThat(((ScribeException) e).code()).isEqualTo(ScribeException.TOO_LARGE));
        assertThat(client.find(SyncroWireTest.Test1.class, "over")).isEmpty();
        SyncroWireTest.Test1 held = client.find(SyncroWireTest.Test1.class, "under").orElseThrow();
        held.name = "o".repeat(SERVER_FRAME + 10);
        assertThatThrownBy(() -> client.save(held)).isInstanceOf(ScribeException.class);

        // Many scribes under the limit whose total crosses it, and an update after the refused one.
        for (int i = 0; i < 40; i++) {
            client.create(test("batch-" + i, "b".repeat(3_000)));
        }
        held.name = "small again";
        client.save(held);
        await(() -> "small again".equals(nameOnHub("under")));
        for (int i = 0; i < 40; i++) {
            assertThat(nameOnHub("batch-" + i)).hasSize(3_000);
        }
        assertThat(nameOnHub("over")).isNull();
        assertThat(drops()).isZero();                    // was a drop, and one after every reconnect
    }

    @Test
    void aServerThatNowReadsLargerFramesIsWrittenToInLargerOnes() throws Exception {
        start();
        ScribeClient first = connect();
        String big = "b".repeat(SERVER_FRAME * 2);
        assertThatThrownBy(() -> client.create(test("big", big))).isInstanceOf(ScribeException.class);

        // The server restarts on its store, reconfigured: it now reads the default frames (16 MiB).
        first.close();
        open.remove(first);
        server.close();
        open.remove(server);
        Store hubStore = hub.store();
        hub.close();
        open.remove(hub);
        hub = Scriber.builder().clientId("hub").store(hubStore).register(SyncroWireTest.Test1.class)
                .requestTimeout(Duration.ofSeconds(5)).build();
        open.add(hub);
        server = ScribeServer.builder(hub).tcp(0).start();
        open.add(0, server);
        connect();

        client.create(test("big", big));   // was 413 until the client restarted: held to the old 64 KiB for good
        await(() -> big.equals(nameOnHub("big")));
    }

    @Test
    void aWriteTheServerWouldRefuseFailsAtTheWritersCall() {
        start();
        connect();
        // Its add_scribe fits the server's frame, but the server admits no scribe within 512 bytes of its frame (room
        // for the envelope it is relayed in): stored on the client, it was refused by the hub for good.
        String edge = "e".repeat(SERVER_FRAME - 350);
        boolean refused;
        try {
            client.create(test("edge", edge));
            refused = false;
        } catch (ScribeException e) {
            assertThat(e.code()).isEqualTo(ScribeException.TOO_LARGE);
            refused = true;
        }
        client.create(test("after", "small"));
        await(() -> "small".equals(nameOnHub("after")));
        if (!refused) {
            await(() -> edge.equals(nameOnHub("edge")));
        }
        assertThat(client.find(SyncroWireTest.Test1.class, "edge").isPresent())
                .as("the client holds edge only if the hub does").isEqualTo(edge.equals(nameOnHub("edge")));
    }

    @Test
    void aScribeRecordedOverTheServersLimitBeforeConnectingIsSkippedAndWhatFollowsArrives() {
        start();
        client.create(test("big", "g".repeat(SERVER_FRAME + 10)));   // the client does not know the limit yet
        client.create(test("after", "small"));
        connect();
        await(() -> "small".equals(nameOnHub("after")));  // never arrived
        assertThat(nameOnHub("big")).isNull();
        assertThat(clientErrors).anySatisfy(e -> assertThat(e).hasMessageContaining("cannot be sent to hub"));
        client.create(test("later", "still online"));
        await(() -> "still online".equals(nameOnHub("later")));
        assertThat(drops()).isZero();
    }

    @Test
    void aServerSendsAClientWithSmallerFramesNothingLargerAndWhatFollowsArrives() throws Exception {
        List<ScribeException> hubErrors = new CopyOnWriteArrayList<>();
        Scriber big = Scriber.builder().clientId("hub").store(Store.inMemory()).register(SyncroWireTest.Test1.class)
                .requestTimeout(Duration.ofSeconds(5)).onError(hubErrors::add).build();
        open.add(big);
        ScribeServer bigServer = ScribeServer.builder(big).tcp(0).start();   // 16 MiB frames
        open.add(0, bigServer);
        Scriber small = Scriber.builder().clientId("small").store(Store.inMemory())
                .register(SyncroWireTest.Test1.class).requestTimeout(Duration.ofSeconds(5)).build();
        open.add(small);
        big.create(test("before", "h".repeat(SERVER_FRAME + 10)));         // in the log before the client came
        ScribeClient c = ScribeClient.tcp(small, "127.0.0.1", bigServer.tcpAddress().getPort())
                .wire(Wire.scribe().withMaxFrameBytes(SERVER_FRAME)).onStatus(statuses::add).start();
        open.add(0, c);
        c.awaitSession(Duration.ofSeconds(10));
        big.create(test("online", "h".repeat(SERVER_FRAME + 10)));
        big.create(test("after", "small"));
        await(() -> small.find(SyncroWireTest.Test1.class, "after").isPresent());   // never arrived
        assertThat(small.find(SyncroWireTest.Test1.class, "before")).isEmpty();
        assertThat(small.find(SyncroWireTest.Test1.class, "online")).isEmpty();
        assertThat(hubErrors).anySatisfy(e -> assertThat(e).hasMessageContaining("to small"));
        assertThat(drops()).isZero();
    }

    private static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 10 s");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
