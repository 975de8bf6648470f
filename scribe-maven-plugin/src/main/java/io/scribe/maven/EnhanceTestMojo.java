package io.scribe.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code scribe:enhance-test}: enhances the {@code @Synced} classes of the tests, compiled into
 * {@code target/test-classes}, as {@code scribe:enhance} does those of {@code target/classes}. Bound to
 * {@code process-test-classes}; add the goal beside {@code enhance}:
 * <pre>{@code
 * <plugin>
 *   <groupId>io.scribe</groupId><artifactId>scribe-maven-plugin</artifactId><version>VERSION</version>
 *   <executions><execution><goals><goal>enhance</goal><goal>enhance-test</goal></goals></execution></executions>
 * </plugin>
 * }</pre>
 */
@Mojo(name = "enhance-test", defaultPhase = LifecyclePhase.PROCESS_TEST_CLASSES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.TEST)
public class EnhanceTestMojo extends AbstractEnhanceMojo {

    /** The directory of compiled classes to enhance in place. */
    @Parameter(defaultValue = "${project.build.testOutputDirectory}", required = true)
    File testClassesDirectory;

    /** The project's test class path, against which the enhanced classes' types are resolved. */
    @Parameter(defaultValue = "${project.testClasspathElements}", readonly = true, required = true)
    List<String> testClasspathElements;

    /** Creates the goal; Maven sets its parameters. */
    public EnhanceTestMojo() {
    }

    @Override
    protected File classesDirectory() {
        return testClassesDirectory;
    }

    @Override
    protected List<String> classpathElements() {
        return testClasspathElements;
    }
}
