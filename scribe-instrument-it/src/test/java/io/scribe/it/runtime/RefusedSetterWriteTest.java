package io.scribe.it.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.Scribe;
import io.scribe.core.ScribeException;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Commit;
import io.scribe.core.spi.ForwardingStore;
import io.scribe.core.spi.Store;
import io.scribe.it.runtime.model.Card;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A setter's write the store refuses is not lost: the next write of the object records it too. */
class RefusedSetterWriteTest {

    static final class Failing extends ForwardingStore {
        volatile boolean failing;

        Failing() {
            super(Store.inMemory());
        }

        @Override
        public List<Scribe> commit(Commit commit) {
            if (failing) {
                throw new ScribeException(ScribeException.INTERNAL, "disk full");
            }
            return super.commit(commit);
        }
    }

    @Test
    void aSetterWriteTheStoreRefusedIsRecordedWithTheNextWrite() {
        Capture.install();
        Failing store = new Failing();
        try (Scriber a = Scriber.builder().clientId("a").store(store).register(Card.class).build()) {
            Card card = a.call(() -> new Card("c1", "first"));
            store.failing = true;
            assertThatThrownBy(() -> card.setPoints(3)).hasMessageContaining("disk full");
            store.failing = false;
            card.setTitle("second");
            assertThat(card.points()).isEqualTo(3);
            assertThat(store.object("Card", "c1").orElseThrow().fields().get("points").asInt())
                    .as("the refused write of points, kept by the object, reaches the store with the next write")
                    .isEqualTo(3);
        }
    }
}
