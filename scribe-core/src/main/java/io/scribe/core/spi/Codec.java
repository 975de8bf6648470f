package io.scribe.core.spi;

import io.scribe.core.Scribe;
import io.scribe.core.internal.Json;

/**
 * Turns scribes and object states into bytes and back, for stores that keep them as blobs or JSON documents. The
 * JSON form of a scribe is its wire form; a stored state is {@code {klass, id, fields, stamps, tombstone}}.
 * Thread-safe.
 */
public interface Codec {

    byte[] encode(Scribe scribe);

    /** @throws io.scribe.core.ScribeException when the bytes are not a scribe */
    Scribe decodeScribe(byte[] bytes);

    byte[] encode(ObjectState state);

    /** @throws io.scribe.core.ScribeException when the bytes are not an object state */
    ObjectState decodeState(byte[] bytes);

    /**
     * The state in {@code length} bytes of {@code bytes} from {@code offset}, as {@link #decodeState(byte[])} reads
     * those bytes alone (so a store can read many states out of one buffer it reuses); this default copies them.
     *
     * @throws io.scribe.core.ScribeException when the bytes are not an object state
     */
    default ObjectState decodeState(byte[] bytes, int offset, int length) {
        return decodeState(java.util.Arrays.copyOfRange(bytes, offset, offset + length));
    }

    /**
     * Calls {@code action} with each of the {@code count} states stored one after the other in {@code bytes}, the
     * {@code i}th from where the one before it ends (the first from 0) up to {@code ends[i]} (ascending), in that
     * order, each as {@link #decodeState(byte[], int, int)} reads it; the first that is not a state throws, as it
     * would there, after the ones before it were handed over. A store reads a batch of states this way; the JSON
     * codec with one parser for them all; this default decodes them one by one.
     *
     * @throws io.scribe.core.ScribeException when one of them is not an object state
     */
    default void decodeStates(byte[] bytes, int[] ends, int count,
            java.util.function.Consumer<? super ObjectState> action) {
        for (int i = 0; i < count; i++) {
            int start = i == 0 ? 0 : ends[i - 1];
            action.accept(decodeState(bytes, start, ends[i] - start));
        }
    }

    /** The JSON codec, UTF-8 encoded. */
    static Codec json() {
        return JsonCodec.INSTANCE;
    }
}

/** The JSON codec behind {@link Codec#json()}. */
enum JsonCodec implements Codec {
    INSTANCE;

    @Override
    public byte[] encode(Scribe scribe) {
        return Json.scribeBytes(scribe);
    }

    @Override
    public Scribe decodeScribe(byte[] bytes) {
        return Json.scribe(bytes, 0, bytes.length);
    }

    @Override
    public byte[] encode(ObjectState state) {
        return Json.bytes(Json.toJson(state));
    }

    @Override
    public ObjectState decodeState(byte[] bytes) {
        return Json.objectState(bytes);
    }

    @Override
    public ObjectState decodeState(byte[] bytes, int offset, int length) {
        java.util.Objects.checkFromIndexSize(offset, length, bytes.length);
        return Json.objectState(bytes, offset, length);
    }

    @Override
    public void decodeStates(byte[] bytes, int[] ends, int count,
            java.util.function.Consumer<? super ObjectState> action) {
        Json.objectStates(bytes, ends, count, action);
    }
}
