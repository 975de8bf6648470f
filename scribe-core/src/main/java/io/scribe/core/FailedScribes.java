package io.scribe.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.scribe.core.internal.Json;
import io.scribe.core.spi.ObjectState;
import io.scribe.core.spi.Stamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The scribes peers sent that this peer could not store and skipped (see {@link Scriber#failedScribes()}): the list
 * of the latest 1,000, their durable records in the store (objects of class {@link #KLASS}), and the retry that
 * fetches them again from their senders. The list has its own monitor, so it is read without the Scriber's lock;
 * {@link #stage} runs under that lock (its caller's step), and a resolved record is committed under it.
 */
final class FailedScribes {

    /** Logs as the Scriber it belongs to. */
    private static final Logger log = LoggerFactory.getLogger(Scriber.class);

    /** The store's record of failed scribes: objects of this class, which no synced class may take. */
    static final String KLASS = "scribe.failed";

    private final Scriber scriber;
    private final Consumer<FailedScribe> listener;
    // Guarded by their own monitor, failed.
    private final Deque<FailedScribe> failed = new ArrayDeque<>();
    /** Where a failed scribe was in its sender's log (the cursor before it), by {@link #key}. */
    private final Map<String, String> before = new HashMap<>();
    private final AtomicLong count = new AtomicLong();

    FailedScribes(Scriber scriber, Consumer<FailedScribe> listener) {
        this.scriber = scriber;
        this.listener = listener;
    }

    /** See {@link Scriber#failedScribes()}. */
    List<FailedScribe> list() {
        synchronized (failed) {
            return List.copyOf(failed);
        }
    }

    /** See {@link Scriber#retryFailed()}. */
    CompletableFuture<List<FailedScribe>> retry() {
        List<FailedScribe> listed = list();
        List<CompletableFuture<Void>> attempts = new ArrayList<>();
        for (FailedScribe f : listed) {
            String cursor;
            synchronized (failed) {
                cursor = before.get(key(f.from(), f.scribeId()));
            }
            Session session = null;
            if (f.from() == null || f.from().startsWith(Scriber.RESERVED_PREFIX)) {
                continue;
            }
            for (Session s : scriber.client(f.from()).sessions()) {
                if (s.isOpen()) {
                    session = s;
                }
            }
            if (session == null || f.scribeId() == null) {
                continue;
            }
            attempts.add(refetch(session, cursor, f.scribeId()).handle((stored, e) -> {
                if (e == null && Boolean.TRUE.equals(stored)) {
                    resolved(f);
                }
                return null;
            }));
        }
        return CompletableFuture.allOf(attempts.toArray(CompletableFuture[]::new)).thenApply(v -> list());
    }

    /** See {@link Scriber#failedScribeCount()}. */
    long count() {
        return count.get();
    }

    private static String key(String from, String scribeId) {
        return from + "\n" + scribeId;
    }

    /**
     * {@code key} ({@code id} or {@code klass}) of {@code scribe}, a {@link Scribe} or its JSON tree, as text; {@code
     * absent} when it has none.
     */
    private static String text(Object scribe, String key, String absent) {
        if (scribe instanceof Scribe s) {
            String value = key.equals("id") ? s.id() : s.klass();
            return value == null ? absent : value;
        }
        return ((JsonNode) scribe).path(key).asText(absent);
    }

    /**
     * Stages in {@code tx} the durable record of a scribe from {@code from} (a {@link Scribe} or its JSON tree) that
     * could not be stored here.
     */
    void stage(Txn tx, Client from, Object scribe, RuntimeException cause, String cursorBefore) {
        ObjectNode fields = Json.object().put("from", from.id()).put("scribe", text(scribe, "id", ""))
                .put("klass", text(scribe, "klass", "")).put("code", cause instanceof ScribeException se
                        ? se.code() : ScribeException.INTERNAL)
                .put("reason", String.valueOf(cause.getMessage()).replace('\u0000', '?'));
        if (cursorBefore != null) {
            fields.put("before", cursorBefore);
        }
        String id = key(from.id(), text(scribe, "id", ""));
        tx.states.put(new Key(KLASS, id), new ObjectState(KLASS, id, fields, Map.of(), null));
        synchronized (failed) {
            before.put(id, cursorBefore);
        }
    }

    /** A failed scribe was stored after all: it leaves the list and the store keeps a tombstone of its record. */
    private void resolved(FailedScribe f) {
        String id = key(f.from(), f.scribeId());
        scriber.lock.lock();
        try {
            Txn tx = new Txn();
            tx.states.put(new Key(KLASS, id), new ObjectState(KLASS, id, Json.object(), Map.of(),
                    new Stamp(1, scriber.guid)));
            scriber.commit(tx);
            scriber.live.states.remove(new Key(KLASS, id));
        } finally {
            scriber.lock.unlock();
        }
        synchronized (failed) {
            failed.removeIf(x -> x.from().equals(f.from()) && Objects.equals(x.scribeId(), f.scribeId()));
            before.remove(id);
        }
        log.info("scriber {}: scribe {} from {} that had failed is stored now", scriber.guid, f.scribeId(), f.from());
    }

    /** Lists a failed scribe found in the store at start-up. Caller: the Scriber's restore, before it is shared. */
    void restore(ObjectState state) {
        if (state.tombstone() != null) {
            return;
        }
        ObjectNode fields = state.fields();
        FailedScribe f = new FailedScribe(fields.path("from").asText(), fields.path("scribe").asText(),
                fields.path("klass").asText(), fields.path("code").asInt(ScribeException.INTERNAL),
                fields.path("reason").asText());
        synchronized (failed) {
            add(f);
            before.put(state.id(), fields.hasNonNull("before") ? fields.get("before").asText() : null);
        }
    }

    /** Records a scribe from {@code from} (a {@link Scribe} or its JSON tree) that could not be stored and was passed. */
    void failed(Client from, Object scribe, RuntimeException cause) {
        FailedScribe f = new FailedScribe(from.id(), text(scribe, "id", null), text(scribe, "klass", null),
                cause instanceof ScribeException se ? se.code() : ScribeException.INTERNAL, String.valueOf(
                        cause.getMessage()));
        synchronized (failed) {
            add(f);
        }
        count.incrementAndGet();
        scriber.report(new ScribeException(f.code(), "scribe " + f.scribeId() + " of " + f.klass() + " from "
                + f.from() + " cannot be stored here and was skipped: " + f.reason(), cause));
        try {
            listener.accept(f);
        } catch (RuntimeException e) {
            log.warn("failed-scribe listener failed", e);
        }
    }

    /** Appends to the list, which keeps the latest 1,000. Caller holds the monitor of {@code failed}. */
    private void add(FailedScribe f) {
        failed.addLast(f);
        if (failed.size() > 1000) {
            failed.removeFirst();
        }
    }

    /**
     * Fetches again one scribe of the peer's log that this peer could not store (see {@link Scriber#retryFailed()}):
     * asks for the page after {@code before}, the position before it, and plays that scribe alone, merged under
     * what is here when it carries no clock. The cursor does not move. Completes with whether it is stored now.
     */
    private java.util.concurrent.CompletableFuture<Boolean> refetch(Session session, String before, String scribeId) {
        ObjectNode message = Json.object().put("type", "sync");
        if (before == null || before.isEmpty()) {
            message.putNull("from");
        } else {
            message.put("from", before);
        }
        if (!session.wire().isSyncro()) {
            message.put("limit", 1);
        }
        java.util.concurrent.CompletableFuture<JsonNode> answer = session.request(message);
        scriber.flush();
        return answer.thenApply(response -> {
            for (JsonNode node : response.path("result")) {
                if (!scribeId.equals(node.path("id").asText(null))) {
                    continue;
                }
                scriber.lock.lock();
                try {
                    Txn tx = new Txn();
                    tx.history = session.syncro != null;
                    session.pages.play.playInto(List.of(node), before, tx, null);
                    scriber.commit(tx);
                    return true;
                } catch (RuntimeException stillFailing) {
                    scriber.report(new ScribeException(ScribeException.INTERNAL, "scribe " + scribeId + " from "
                            + session.client().id() + " still cannot be stored: " + stillFailing.getMessage(),
                            stillFailing));
                    return false;
                } finally {
                    scriber.lock.unlock();
                }
            }
            return false;
        });
    }
}
