package io.scribe.testkit.junit;

import io.scribe.testkit.TestNetwork;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test method (or a constructor, or a lifecycle method) a {@link TestNetwork} parameter, fresh for each
 * test and closed after it.
 *
 * <pre>{@code
 * @ExtendWith(ScribeExtension.class)
 * class TodoSyncTest {
 *     @Test
 *     void phoneSeesLaptopEdits(TestNetwork net) {
 *         Scriber laptop = net.peer("laptop", Todo.class);
 *         Scriber phone = net.peer("phone", Todo.class);
 *         net.link(laptop, phone);
 *         laptop.call(() -> new Todo("write the docs"));
 *         net.assertConverged();
 *     }
 * }
 * }</pre>
 *
 * <p>The network's seed (its delivery order) is the system property {@code scribe.seed} when set, else 1; a
 * convergence failure names it, so {@code -Dscribe.seed=N} replays a run.
 */
public final class ScribeExtension implements ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(ScribeExtension.class);

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestNetwork.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        long seed = Long.getLong("scribe.seed", 1L);
        return context.getStore(NAMESPACE).getOrComputeIfAbsent(TestNetwork.class, k -> new Closing(new TestNetwork(seed)),
                Closing.class).network;
    }

    /** Closes the network when JUnit discards the test's extension store. */
    private record Closing(TestNetwork network) implements ExtensionContext.Store.CloseableResource {
        @Override
        public void close() {
            network.close();
        }
    }
}
