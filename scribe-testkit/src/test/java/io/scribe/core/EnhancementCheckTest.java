package io.scribe.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.annotations.Synced;
import io.scribe.core.spi.Store;
import org.junit.jupiter.api.Test;

/** A @Synced class nobody enhanced is refused when registered, instead of silently never being recorded. */
class EnhancementCheckTest {

    @Synced
    static class Forgotten {
        String id;
        String title;
    }

    @Synced(explicit = true)
    static class ByHand {
        String id;
        String title;
    }

    @Test
    void anUnenhancedSyncedClassIsRefusedNamingTheThreeWaysAndTheOptOut() {
        assertThatThrownBy(() -> Scriber.builder().clientId("p").store(Store.inMemory()).register(Forgotten.class))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("@Synced class io.scribe.core.EnhancementCheckTest$Forgotten is not enhanced")
                .hasMessageContaining("build time (io.scribe:scribe-maven-plugin, goal enhance)")
                .hasMessageContaining("-javaagent:scribe-core.jar (whose package filter must include io.scribe.core)")
                .hasMessageContaining("ScribeInstrumentation.install()")
                .hasMessageContaining("@Synced(explicit = true)");
    }

    @Test
    void anExplicitClassIsRecordedThroughCreateAndSave() {
        try (Scriber p = Scriber.builder().clientId("p").store(Store.inMemory()).register(ByHand.class).build()) {
            ByHand b = new ByHand();
            b.title = "first";
            p.create(b);
            b.title = "second";
            assertThat(p.save(b)).isPresent();
            assertThat(p.find(ByHand.class, b.id)).hasValueSatisfying(x -> assertThat(x.title).isEqualTo("second"));
        }
    }
}
