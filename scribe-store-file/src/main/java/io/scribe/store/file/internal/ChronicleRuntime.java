package io.scribe.store.file.internal;

import io.scribe.core.ScribeException;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks, before Chronicle Map is first touched, that this JVM can run it, so that a missing flag or an unsupported
 * JDK is one line naming the fix instead of an {@code ExceptionInInitializerError} deep inside Chronicle.
 *
 * <p>Chronicle Map 3.23 reaches into the JDK: it needs {@code java.lang.reflect} opened and {@code sun.nio.ch} and
 * {@code jdk.internal.ref} exported to it, and it calls {@code sun.nio.ch.FileChannelImpl.unmap0}, which newer JDKs
 * no longer have. It also reports usage over the network and prints a banner unless told not to; both are switched
 * off here unless the application set the properties itself.
 */
public final class ChronicleRuntime {

    /** The JVM flags the file store needs on the command line (or as {@code Add-Opens}/{@code Add-Exports} in an executable jar's manifest). */
    public static final String FLAGS = "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED "
            + "--add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED";

    private static volatile boolean checked;

    private ChronicleRuntime() {
    }

    /**
     * Throws a {@link ScribeException} naming what is missing when Chronicle Map cannot run in this JVM; switches
     * off Chronicle's analytics and banner.
     */
    public static void check() {
        if (checked) {
            return;
        }
        quiet("chronicle.analytics.disable");
        quiet("chronicle.announcer.disable");
        String problem = problem(Runtime.version().feature(), hasUnmap0(), chronicleModule());
        if (problem != null) {
            throw new ScribeException(ScribeException.INTERNAL, problem);
        }
        checked = true;
    }

    /** What stops Chronicle Map from running, or null; separate from {@link #check()} so each case can be tested. */
    static String problem(int javaFeature, boolean hasUnmap0, Module chronicle) {
        if (!hasUnmap0) {
            return "the file store (Chronicle Map 3.23) does not run on Java " + javaFeature
                    + ": this JDK has no sun.nio.ch.FileChannelImpl.unmap0; run the peer on Java 17,"
                    + " or use the PostgreSQL or Redis store";
        }
        Module base = Object.class.getModule();
        List<String> missing = new ArrayList<>();
        if (!base.isOpen("java.lang.reflect", chronicle)) {
            missing.add("--add-opens=java.base/java.lang.reflect=ALL-UNNAMED");
        }
        if (!base.isExported("sun.nio.ch", chronicle)) {
            missing.add("--add-exports=java.base/sun.nio.ch=ALL-UNNAMED");
        }
        if (!base.isExported("jdk.internal.ref", chronicle)) {
            missing.add("--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED");
        }
        if (!missing.isEmpty()) {
            return "the file store (Chronicle Map) needs these JVM flags: " + String.join(" ", missing)
                    + " (an executable jar can carry them as Add-Opens/Add-Exports manifest entries)";
        }
        return null;
    }

    private static boolean hasUnmap0() {
        try {
            Class.forName("sun.nio.ch.FileChannelImpl").getDeclaredMethod("unmap0", long.class, long.class);
            return true;
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    private static Module chronicleModule() {
        try {
            return Class.forName("net.openhft.chronicle.core.Jvm", false, ChronicleRuntime.class.getClassLoader())
                    .getModule();
        } catch (ClassNotFoundException e) {
            throw new ScribeException(ScribeException.INTERNAL,
                    "the file store needs Chronicle Map (net.openhft:chronicle-map) on the class path", e);
        }
    }

    private static void quiet(String property) {
        if (System.getProperty(property) == null) {
            System.setProperty(property, "true");
        }
    }
}
