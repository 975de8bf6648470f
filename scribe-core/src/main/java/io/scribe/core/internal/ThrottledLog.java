package io.scribe.core.internal;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.helpers.FormattingTuple;
import org.slf4j.helpers.MessageFormatter;

/**
 * Logs repeated warnings (or notices) once per interval: the first line of a kind is written, the same kind again within the
 * interval is counted, and the next line written for it says how many were suppressed. A kind is the message with its
 * numbers blanked out (request ids, ports, sizes differ between repetitions of one problem). Thread-safe.
 */
public final class ThrottledLog {

    private static final int MAX_KINDS = 10_000;

    private final Logger log;
    private final long intervalNanos;
    private final LongSupplier nanoTime;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();

    private static final class Window {
        long start;
        long suppressed;
    }

    /** Throttles warnings to {@code log}: one line per kind per {@code interval}. */
    public ThrottledLog(Logger log, Duration interval) {
        this(log, interval, System::nanoTime);
    }

    /** As {@link #ThrottledLog(Logger, Duration)}, with the clock given (tests). */
    public ThrottledLog(Logger log, Duration interval, LongSupplier nanoTime) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
        this.nanoTime = nanoTime;
    }

    /** Logs at WARN unless the same kind was logged within the interval; SLF4J format, a last Throwable kept. */
    public void warn(String format, Object... args) {
        if (log.isWarnEnabled()) {
            write(true, format, args);
        }
    }

    /** As {@link #warn}, at INFO: for what is worth a line but is not a problem here (a peer that went away). */
    public void info(String format, Object... args) {
        if (log.isInfoEnabled()) {
            write(false, format, args);
        }
    }

    private void write(boolean warn, String format, Object... args) {
        FormattingTuple t = MessageFormatter.arrayFormat(format, args);
        String line = admit(t.getMessage());
        if (line == null) {
            return;
        }
        if (warn) {
            log.warn(line, t.getThrowable());
        } else {
            log.info(line, t.getThrowable());
        }
    }

    /**
     * Decides whether {@code message} is written: returns the line to write (with the count of suppressed lines of
     * its kind since the last one written), or null when it is suppressed.
     */
    public String admit(String message) {
        String kind = kind(message);
        long now = nanoTime.getAsLong();
        if (windows.size() > MAX_KINDS) {
            windows.clear();
        }
        Window w = windows.computeIfAbsent(kind, k -> {
            Window fresh = new Window();
            fresh.start = now - intervalNanos;
            return fresh;
        });
        synchronized (w) {
            if (now - w.start < intervalNanos) {
                w.suppressed++;
                return null;
            }
            long suppressed = w.suppressed;
            w.start = now;
            w.suppressed = 0;
            return suppressed == 0 ? message
                    : message + " (" + suppressed + " more like it suppressed since the last one)";
        }
    }

    private static String kind(String message) {
        String m = message == null ? "" : message;
        if (m.length() > 300) {
            m = m.substring(0, 300);
        }
        return m.replaceAll("[0-9]+", "#");
    }
}
