package io.scribe.store.file;

import io.scribe.core.spi.Store;
import io.scribe.testkit.DurableStoreContractTest;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on Chronicle Map files, each test in its own temporary directory. */
class FileStoreContractTest extends DurableStoreContractTest {

    @TempDir
    Path dir;

    @Override
    protected Store newStore() {
        return FileStore.open(dir.resolve("store"), 10_000);
    }

    @Override
    protected Store reopen(Store store) {
        store.close();
        return FileStore.open(dir.resolve("store"), 10_000);
    }

    @Override
    protected boolean countsObjectsExactly() {
        return true;
    }
}
