package io.scribe.store.file;

import io.scribe.core.spi.Store;
import io.scribe.testkit.ClassVersionsCheck;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hub in a file store whose version of a class lacks a field its clients have keeps that field's values in the
 * stored states: reopened with a version that has it, it holds what the clients hold.
 */
class FileClassVersionsTest {

    @TempDir
    Path dir;

    @Test
    void aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion() {
        ClassVersionsCheck.aFieldTheHubsVersionLacksIsStoredAndRestoredByTheNextVersion(
                () -> Store.open("file:" + dir));
    }
}
