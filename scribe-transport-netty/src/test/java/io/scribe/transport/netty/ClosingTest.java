package io.scribe.transport.netty;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** A test that closes what it opened (servers, clients, Scribers), last opened first, after each test method. */
abstract class ClosingTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** Returns {@code c}, to be closed after the test. */
    <T extends AutoCloseable> T track(T c) {
        open.add(c);
        return c;
    }
}
