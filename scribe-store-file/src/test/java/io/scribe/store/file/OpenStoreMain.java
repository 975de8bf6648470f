package io.scribe.store.file;

import io.scribe.core.ScribeException;
import java.nio.file.Path;

/** Opens and closes a file store in a JVM of its own: prints "opened", or the store's one-line refusal and exits 3. */
public final class OpenStoreMain {
    private OpenStoreMain() {
    }

    public static void main(String[] args) {
        try {
            FileStore.open(Path.of(args[0])).close();
            System.out.println("opened");
        } catch (ScribeException e) {
            System.err.println(e.getMessage());
            System.exit(3);
        }
    }
}
