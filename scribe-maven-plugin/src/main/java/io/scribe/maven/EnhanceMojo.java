package io.scribe.maven;

import java.io.File;
import java.util.List;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code scribe:enhance}: rewrites the {@code @Synced} classes compiled into {@code target/classes}, and the classes
 * writing their synced fields, with Scribe's transformation, so that the application records their changes with no
 * agent and no Byte Buddy at run time.
 *
 * <p>Bound to {@code process-classes}; the common case needs no configuration:
 * <pre>{@code
 * <plugin>
 *   <groupId>io.scribe</groupId><artifactId>scribe-maven-plugin</artifactId><version>VERSION</version>
 *   <executions><execution><goals><goal>enhance</goal></goals></execution></executions>
 * </plugin>
 * }</pre>
 */
@Mojo(name = "enhance", defaultPhase = LifecyclePhase.PROCESS_CLASSES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.COMPILE)
public class EnhanceMojo extends AbstractEnhanceMojo {

    /** The directory of compiled classes to enhance in place. */
    @Parameter(defaultValue = "${project.build.outputDirectory}", required = true)
    File classesDirectory;

    /** The project's compile class path, against which the enhanced classes' types are resolved. */
    @Parameter(defaultValue = "${project.compileClasspathElements}", readonly = true, required = true)
    List<String> classpathElements;

    /** Creates the goal; Maven sets its parameters. */
    public EnhanceMojo() {
    }

    @Override
    protected File classesDirectory() {
        return classesDirectory;
    }

    @Override
    protected List<String> classpathElements() {
        return classpathElements;
    }
}
