package io.scribe.maven;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.scribe.core.Scribe;
import io.scribe.core.Scriber;
import io.scribe.core.spi.Store;
import java.io.File;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.xpath.XPath;
import javax.xml.xpath.XPathFactory;
import org.apache.maven.plugin.MojoExecutionException;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The goal run as Maven runs it, on a directory of freshly compiled classes. */
class EnhanceMojoTest {

    private static final String NOTE = """
            package app;
            @io.scribe.annotations.Synced
            public class Note {
                String id;
                String text;
                protected Note() {}
                public Note(String text) { this.text = text; }
                public String id() { return id; }
                public void edit(String text) { this.text = text; }
            }
            """;

    private static final String EDITOR = """
            package app;
            public class Editor {
                public static void clear(Note note) { note.text = ""; }
            }
            """;

    @TempDir
    Path tmp;

    @Test
    void enhancesTheSyncedClassesSoThatTheirChangesAreRecorded() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE, "app/Editor.java", EDITOR));
        byte[] before = Files.readAllBytes(classes.resolve("app/Note.class"));

        mojo(classes).execute();

        assertThat(Files.readAllBytes(classes.resolve("app/Note.class"))).isNotEqualTo(before);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader());
                Scriber peer = Scriber.builder().clientId("laptop").store(Store.inMemory())
                        .register(loader.loadClass("app.Note")).build()) {
            Class<?> note = loader.loadClass("app.Note");
            Object created = peer.call(() -> newNote(note, "draft"));
            note.getMethod("edit", String.class).invoke(created, "final");
            loader.loadClass("app.Editor").getMethod("clear", note).invoke(null, created);

            List<Scribe> log = peer.store().readAfter(0, 100);
            assertThat(log).extracting(Scribe::type)
                    .containsExactly(Scribe.Type.CREATE, Scribe.Type.UPDATE, Scribe.Type.UPDATE);
            // an update's data is [id, {changed fields}]
            assertThat(log).extracting(s -> (s.data().isArray() ? s.data().path(1) : s.data()).path("text").asText()).containsExactly("draft", "final", "");
            assertThat(note.getMethod("id").invoke(created)).isNotNull();
        }
    }

    @Test
    void enhancingAgainWithoutRecompilingChangesNothing() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE, "app/Editor.java", EDITOR));
        mojo(classes).execute();
        byte[] note = Files.readAllBytes(classes.resolve("app/Note.class"));
        byte[] editor = Files.readAllBytes(classes.resolve("app/Editor.class"));
        EnhanceMojo again = mojo(classes);
        List<String> said = new ArrayList<>();
        again.setLog(new org.apache.maven.plugin.logging.SystemStreamLog() {
            @Override
            public void info(CharSequence content) {
                said.add("info " + content);
            }

            @Override
            public void warn(CharSequence content) {
                said.add("warn " + content);
            }
        });

        again.execute();

        // Said as it is, not "no @Synced class found" (which a build of unchanged classes used to warn).
        assertThat(said).containsExactly("info The 1 @Synced class(es) in " + classes
                + " were enhanced by an earlier build; left as they are");

        assertThat(Files.readAllBytes(classes.resolve("app/Note.class"))).isEqualTo(note);
        assertThat(Files.readAllBytes(classes.resolve("app/Editor.class"))).isEqualTo(editor);
    }

    @Test
    void aSubclassCompiledAgainstAnEnhancedClassIsEnhancedByTheNextBuild() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE));
        mojo(classes).execute();
        byte[] note = Files.readAllBytes(classes.resolve("app/Note.class"));
        compile(Map.of("app/Memo.java", """
                package app;
                @io.scribe.annotations.Synced
                public class Memo extends Note {
                    int priority;
                    protected Memo() {}
                    public Memo(String text, int priority) { super(text); this.priority = priority; }
                    public void raise() { priority++; }
                }
                """));

        mojo(classes).execute();

        assertThat(Files.readAllBytes(classes.resolve("app/Note.class"))).isEqualTo(note);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader());
                Scriber peer = Scriber.builder().clientId("laptop").store(Store.inMemory())
                        .register(loader.loadClass("app.Note"), loader.loadClass("app.Memo")).build()) {
            Class<?> memo = loader.loadClass("app.Memo");
            Object created = peer.call(() -> {
                try {
                    return memo.getConstructor(String.class, int.class).newInstance("call back", 1);
                } catch (ReflectiveOperationException e) {
                    throw new IllegalStateException(e);
                }
            });
            memo.getMethod("raise").invoke(created);

            List<Scribe> log = peer.store().readAfter(0, 100);
            assertThat(log).extracting(Scribe::klass, Scribe::type).containsExactly(
                    Tuple.tuple("Memo", Scribe.Type.CREATE),
                    Tuple.tuple("Memo", Scribe.Type.UPDATE));
            assertThat(log.get(0).data().path("priority").asInt()).isEqualTo(1);
            assertThat(log.get(1).data().path(1).path("priority").asInt()).isEqualTo(2);
        }
    }

    @Test
    void theTestGoalEnhancesTheTestClassesAgainstTheEnhancedMainClasses() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE));
        mojo(classes).execute();
        Path testClasses = compile(tmp.resolve("test-classes"), Map.of("app/Editor.java", EDITOR), classes);
        byte[] before = Files.readAllBytes(testClasses.resolve("app/Editor.class"));
        EnhanceTestMojo mojo = new EnhanceTestMojo();
        mojo.testClassesDirectory = testClasses.toFile();
        mojo.testClasspathElements = new ArrayList<>(List.of(testClasses.toString(), classes.toString()));
        mojo.testClasspathElements.addAll(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));

        mojo.execute();

        assertThat(Files.readAllBytes(testClasses.resolve("app/Editor.class"))).isNotEqualTo(before);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {testClasses.toUri().toURL(),
                classes.toUri().toURL()}, getClass().getClassLoader());
                Scriber peer = Scriber.builder().clientId("laptop").store(Store.inMemory())
                        .register(loader.loadClass("app.Note")).build()) {
            Class<?> note = loader.loadClass("app.Note");
            Object created = peer.call(() -> newNote(note, "draft"));
            loader.loadClass("app.Editor").getMethod("clear", note).invoke(null, created);

            assertThat(peer.store().readAfter(0, 100)).extracting(Scribe::type)
                    .containsExactly(Scribe.Type.CREATE, Scribe.Type.UPDATE);
        }
    }

    @Test
    void theGoalsNeedNoConfigurationAndRunAfterCompilation() throws Exception {
        // the descriptor maven-plugin-plugin generated for this build: what Maven reads when a pom names the goal
        Path descriptor = Path.of("target", "classes", "META-INF", "maven", "plugin.xml");
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(descriptor.toFile());
        XPath path = XPathFactory.newInstance().newXPath();

        assertThat(path.evaluate("/plugin/goalPrefix", xml)).isEqualTo("scribe");
        assertThat(path.evaluate("//mojo[goal='enhance']/phase", xml)).isEqualTo("process-classes");
        assertThat(path.evaluate("//mojo[goal='enhance']/configuration/classesDirectory/@default-value", xml))
                .isEqualTo("${project.build.outputDirectory}");
        assertThat(path.evaluate("//mojo[goal='enhance']/configuration/classpathElements/@default-value", xml))
                .isEqualTo("${project.compileClasspathElements}");
        assertThat(path.evaluate("//mojo[goal='enhance-test']/phase", xml)).isEqualTo("process-test-classes");
        assertThat(path.evaluate("//mojo[goal='enhance-test']/configuration/testClassesDirectory/@default-value",
                xml)).isEqualTo("${project.build.testOutputDirectory}");
        assertThat(path.evaluate("//mojo[goal='enhance-test']/configuration/testClasspathElements/@default-value",
                xml)).isEqualTo("${project.testClasspathElements}");
    }

    @Test
    void anUnenhancedCopyIsRefusedAtRegistration() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE));
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                getClass().getClassLoader())) {
            Class<?> note = loader.loadClass("app.Note");
            assertThatThrownBy(() -> Scriber.builder().clientId("laptop").store(Store.inMemory()).register(note)
                    .build()).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("app.Note");
        }
    }

    @Test
    void skipLeavesTheClassesAsCompiled() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE));
        byte[] before = Files.readAllBytes(classes.resolve("app/Note.class"));
        EnhanceMojo mojo = mojo(classes);
        mojo.skip = true;

        mojo.execute();

        assertThat(Files.readAllBytes(classes.resolve("app/Note.class"))).isEqualTo(before);
    }

    @Test
    void aClassFileThatCannotBeReadFailsTheBuild() throws Exception {
        Path classes = compile(Map.of("app/Note.java", NOTE));
        Files.writeString(classes.resolve("app/Broken.class"), "not a class file");

        assertThatThrownBy(mojo(classes)::execute).isInstanceOf(MojoExecutionException.class)
                .hasMessageContaining(classes.toString());
    }

    private static Object newNote(Class<?> note, String text) {
        try {
            return note.getConstructor(String.class).newInstance(text);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private EnhanceMojo mojo(Path classes) {
        EnhanceMojo mojo = new EnhanceMojo();
        mojo.classesDirectory = classes.toFile();
        mojo.classpathElements = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        mojo.classpathElements.add(0, classes.toString());
        mojo.release = "17";
        return mojo;
    }

    private Path compile(Map<String, String> sources) throws Exception {
        return compile(tmp.resolve("classes"), sources, tmp.resolve("classes"));
    }

    private Path compile(Path classes, Map<String, String> sources, Path classPath) throws Exception {
        Path src = Files.createDirectories(tmp.resolve("src-" + classes.getFileName()));
        Files.createDirectories(classes);
        List<String> args = new ArrayList<>(List.of("--release", "17", "-d", classes.toString(),
                "-cp", classPath + File.pathSeparator + System.getProperty("java.class.path")));
        for (Map.Entry<String, String> source : sources.entrySet()) {
            Path file = src.resolve(source.getKey());
            Files.createDirectories(file.getParent());
            Files.writeString(file, source.getValue());
            args.add(file.toString());
        }
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertThat(javac.run(null, null, null, args.toArray(String[]::new))).isZero();
        return classes;
    }
}
