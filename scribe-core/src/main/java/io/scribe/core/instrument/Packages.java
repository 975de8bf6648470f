package io.scribe.core.instrument;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Which {@code @Synced} classes the agent enhances: every one, or those in the packages given (a package includes
 * its sub-packages). Grows as {@link ScribeInstrumentation#install(String...)} is called again. Thread-safe.
 */
final class Packages implements Predicate<String> {

    private volatile boolean all;
    private final List<String> prefixes = new CopyOnWriteArrayList<>();

    /** Adds packages; none means every class. */
    void add(String... packages) {
        if (packages.length == 0) {
            all = true;
        }
        for (String p : packages) {
            String trimmed = p.trim();
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException("blank package name");
            }
            prefixes.add(trimmed.endsWith(".") ? trimmed : trimmed + ".");
        }
    }

    @Override
    public boolean test(String className) {
        if (all) {
            return true;
        }
        for (String p : prefixes) {
            if (className.startsWith(p)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return all ? "every package" : prefixes.toString();
    }
}
