package io.scribe.maven;

import io.scribe.core.instrument.ScribePlugin;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.ClassFileVersion;
import net.bytebuddy.build.EntryPoint;
import net.bytebuddy.build.Plugin;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.scaffold.inline.MethodNameTransformer;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;

/**
 * {@code scribe:enhance}: rewrites the {@code @Synced} classes compiled into {@code target/classes}, and the classes
 * writing their synced fields, with Scribe's transformation ({@link ScribePlugin}), so that the application records
 * their changes with no agent and no Byte Buddy at run time.
 *
 * <p>Bound to {@code process-classes}; the common case needs no configuration:
 * <pre>{@code
 * <plugin>
 *   <groupId>io.scribe</groupId><artifactId>scribe-maven-plugin</artifactId><version>VERSION</version>
 *   <executions><execution><goals><goal>enhance</goal></goals></execution></executions>
 * </plugin>
 * }</pre>
 *
 * <p>Classes are rewritten in place; a class already enhanced is left as it is, so running the goal twice (or
 * enhancing again with the agent) is harmless. Types are resolved against the project's compile class path. The
 * build fails when a class cannot be enhanced.
 */
@Mojo(name = "enhance", defaultPhase = LifecyclePhase.PROCESS_CLASSES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.COMPILE)
public class EnhanceMojo extends AbstractMojo {

    /** The directory of compiled classes to enhance in place. */
    @Parameter(defaultValue = "${project.build.outputDirectory}", required = true)
    File classesDirectory;

    /** The project's compile class path, against which the enhanced classes' types are resolved. */
    @Parameter(defaultValue = "${project.compileClasspathElements}", readonly = true, required = true)
    List<String> classpathElements = new ArrayList<>();

    /**
     * The Java release the classes are compiled for (class files written by the transformation use it); taken from
     * {@code maven.compiler.release}, else the running JDK.
     */
    @Parameter(property = "maven.compiler.release")
    String release;

    /** Skips the enhancement. */
    @Parameter(property = "scribe.enhance.skip", defaultValue = "false")
    boolean skip;

    /** Creates the goal; Maven sets its parameters. */
    public EnhanceMojo() {
    }

    @Override
    public void execute() throws MojoExecutionException {
        if (skip) {
            getLog().info("Scribe enhancement skipped");
            return;
        }
        if (!classesDirectory.isDirectory()) {
            getLog().info("No classes to enhance: " + classesDirectory + " does not exist");
            return;
        }
        Plugin.Engine.Summary summary = enhance();
        if (!summary.getFailed().isEmpty()) {
            throw new MojoExecutionException("Scribe could not enhance " + summary.getFailed().size()
                    + " class(es) in " + classesDirectory + ": " + names(summary.getFailed().keySet()));
        }
        if (summary.getTransformed().isEmpty()) {
            getLog().warn("No @Synced class, nor class writing a synced field, found in " + classesDirectory);
        } else {
            getLog().info("Enhanced " + summary.getTransformed().size() + " class(es) for Scribe: "
                    + names(summary.getTransformed()));
        }
    }

    private Plugin.Engine.Summary enhance() throws MojoExecutionException {
        List<ClassFileLocator> locators = new ArrayList<>();
        locators.add(ClassFileLocator.ForClassLoader.ofPlatformLoader());
        try {
            for (String element : classpathElements) {
                File file = new File(element);
                if (file.equals(classesDirectory)) {
                    continue;
                }
                if (file.isFile()) {
                    locators.add(ClassFileLocator.ForJarFile.of(file));
                } else if (file.isDirectory()) {
                    locators.add(new ClassFileLocator.ForFolder(file));
                }
            }
        } catch (IOException e) {
            closeQuietly(new ClassFileLocator.Compound(locators));
            throw new MojoExecutionException("Cannot read the compile class path", e);
        }
        ClassFileVersion version = release == null || release.isBlank()
                ? ClassFileVersion.ofThisVm() : ClassFileVersion.ofJavaVersionString(release.strip());
        ClassFileLocator classPath = new ClassFileLocator.Compound(locators);
        try (ScribePlugin plugin = new ScribePlugin()) {
            return Plugin.Engine.Default.of(EntryPoint.Default.REBASE, version,
                            new MethodNameTransformer.Suffixing("scribe$original"))
                    .with(Plugin.Engine.PoolStrategy.Default.FAST)
                    .with(classPath)
                    .withErrorHandlers(Plugin.Engine.ErrorHandler.Enforcing.ALL_TYPES_RESOLVED,
                            Plugin.Engine.ErrorHandler.Failing.FAIL_LAST)
                    .apply(new Plugin.Engine.Source.ForFolder(classesDirectory),
                            new Plugin.Engine.Target.ForFolder(classesDirectory),
                            List.of(new Plugin.Factory.Simple(plugin)));
        } catch (IOException | RuntimeException e) {
            throw new MojoExecutionException("Scribe could not enhance the classes in " + classesDirectory + ": "
                    + e.getMessage(), e);
        } finally {
            closeQuietly(classPath);
        }
    }

    private static String names(Iterable<TypeDescription> types) {
        List<String> names = new ArrayList<>();
        types.forEach(t -> names.add(t.getName()));
        return String.join(", ", names);
    }

    private void closeQuietly(ClassFileLocator locator) {
        try {
            locator.close();
        } catch (IOException e) {
            getLog().debug("could not close the class path", e);
        }
    }
}
