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
import org.apache.maven.plugins.annotations.Parameter;

/**
 * What {@code scribe:enhance} and {@code scribe:enhance-test} share: rewriting the {@code @Synced} classes of a
 * directory of compiled classes, and the classes writing their synced fields, with Scribe's transformation
 * ({@link ScribePlugin}).
 *
 * <p>Classes are rewritten in place; a class already enhanced is left as it is, so running a goal again without
 * recompiling (or enhancing again with the agent) is harmless, and a {@code @Synced} subclass compiled later against
 * an enhanced class is enhanced. The build fails when a class cannot be enhanced.
 */
public abstract class AbstractEnhanceMojo extends AbstractMojo {

    /**
     * The Java release the classes are compiled for (class files written by the transformation use it); taken from
     * {@code maven.compiler.release}, else the running JDK.
     */
    @Parameter(property = "maven.compiler.release")
    String release;

    /** Skips the enhancement. */
    @Parameter(property = "scribe.enhance.skip", defaultValue = "false")
    boolean skip;

    /** For the goals; Maven sets their parameters. */
    protected AbstractEnhanceMojo() {
    }

    /** The directory of compiled classes to enhance in place. */
    protected abstract File classesDirectory();

    /** The class path against which the enhanced classes' types are resolved. */
    protected abstract List<String> classpathElements();

    /** Enhances the classes, unless skipped. */
    @Override
    public void execute() throws MojoExecutionException {
        File classesDirectory = classesDirectory();
        if (skip) {
            getLog().info("Scribe enhancement skipped");
            return;
        }
        if (!classesDirectory.isDirectory()) {
            getLog().info("No classes to enhance: " + classesDirectory + " does not exist");
            return;
        }
        ScribePlugin plugin = new ScribePlugin();
        Plugin.Engine.Summary summary = enhance(classesDirectory, plugin);
        if (!summary.getFailed().isEmpty()) {
            throw new MojoExecutionException("Scribe could not enhance " + summary.getFailed().size()
                    + " class(es) in " + classesDirectory + ": " + names(summary.getFailed().keySet()));
        }
        java.util.Set<String> already = plugin.enhancedAlready();
        if (summary.getTransformed().isEmpty() && !already.isEmpty()) {
            getLog().info("The " + already.size() + " @Synced class(es) in " + classesDirectory
                    + " were enhanced by an earlier build; left as they are");
        } else if (summary.getTransformed().isEmpty()) {
            getLog().warn("No @Synced class, nor class writing a synced field, found in " + classesDirectory);
        } else {
            getLog().info("Enhanced " + summary.getTransformed().size() + " class(es) for Scribe: "
                    + names(summary.getTransformed()));
        }
    }

    private Plugin.Engine.Summary enhance(File classesDirectory, ScribePlugin plugin) throws MojoExecutionException {
        List<ClassFileLocator> locators = new ArrayList<>();
        locators.add(ClassFileLocator.ForClassLoader.ofPlatformLoader());
        try {
            for (String element : classpathElements()) {
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
        try (plugin) {
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
