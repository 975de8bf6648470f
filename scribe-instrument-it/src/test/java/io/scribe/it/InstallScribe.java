package io.scribe.it;

import io.scribe.core.instrument.ScribeInstrumentation;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Installs Scribe's agent when the test launcher starts, before JUnit discovers the test classes: discovery reads
 * the signatures of test methods and lambdas, which loads the model classes they name, and a class loaded before the
 * install is not enhanced. Only the run-time model package is enhanced by the agent; {@code io.scribe.it.model} is
 * enhanced at build time.
 */
public final class InstallScribe implements LauncherSessionListener {

    /** The package whose classes the agent enhances in these tests. */
    public static final String RUNTIME_MODEL = "io.scribe.it.runtime.model";

    @Override
    public void launcherSessionOpened(LauncherSession session) {
        ScribeInstrumentation.install(RUNTIME_MODEL);
    }
}
