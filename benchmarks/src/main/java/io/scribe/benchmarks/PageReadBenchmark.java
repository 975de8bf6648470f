package io.scribe.benchmarks;

import com.fasterxml.jackson.databind.JsonNode;
import io.scribe.core.Scribe;
import io.scribe.core.internal.Json;
import io.scribe.core.internal.SyncPage;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reading one catch-up page as the receiving peer does: a {@code response} of 500 scribes as {@code CatchUpBenchmark}'s
 * log holds them (50 creates of an {@code Item}, then updates of its counter, with id, origin, clock and base; about
 * 76 KB of JSON), read into {@link Scribe}s.
 *
 * <ul>
 *   <li>tree: {@code Json.parse} of the whole frame, then {@code Json.scribe} of each node of {@code result}, the path
 *       every page took before pages were read by stream.
 *   <li>stream: {@link SyncPage#read}, the members as trees, the scribes straight from the parser (a tree for
 *       {@code data} only).
 * </ul>
 *
 * <p>Both give the same scribes (checked before measuring). The two paths alternate in slices of the same length in
 * one JVM (5 warm-up rounds, the side that goes first alternating), so that a change of load on a shared machine lands
 * on both; prints the median us per page of each and the bytes each allocates per page: {@code java -cp
 * benchmarks/target/benchmarks.jar io.scribe.benchmarks.PageReadBenchmark [rounds=20] [pagesPerSlice=400]}
 */
public final class PageReadBenchmark {

    private static volatile Object sink;

    private PageReadBenchmark() {}

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int perSlice = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        byte[] page = page().getBytes(StandardCharsets.UTF_8);
        if (!tree(page).equals(SyncPage.read(page, 0, page.length).scribes())) {
            throw new AssertionError("the two paths read different scribes");
        }
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        double[] treeUs = new double[rounds];
        double[] streamUs = new double[rounds];
        long treeBytes = 0;
        long streamBytes = 0;
        for (int r = -5; r < rounds; r++) {
            for (int side = 0; side < 2; side++) {
                boolean stream = (side == 0) == (r % 2 == 0);
                long allocated = threads.getThreadAllocatedBytes(thread);
                long start = System.nanoTime();
                for (int i = 0; i < perSlice; i++) {
                    sink = stream ? SyncPage.read(page, 0, page.length) : tree(page);
                }
                double us = (System.nanoTime() - start) / 1000.0 / perSlice;
                long bytes = (threads.getThreadAllocatedBytes(thread) - allocated) / perSlice;
                if (r >= 0 && stream) {
                    streamUs[r] = us;
                    streamBytes = bytes;
                } else if (r >= 0) {
                    treeUs[r] = us;
                    treeBytes = bytes;
                }
            }
        }
        Arrays.sort(treeUs);
        Arrays.sort(streamUs);
        double tree = treeUs[rounds / 2];
        double stream = streamUs[rounds / 2];
        System.out.printf("page of 500 scribes, %,d bytes, median of %d slices of %d pages: tree %.0f us (%.0f ns a"
                + " scribe), stream %.0f us (%.0f ns a scribe), stream / tree %.2f; allocated a page: tree %,d B,"
                + " stream %,d B (%.2f)%n", page.length, rounds, perSlice, tree, tree * 2, stream, stream * 2,
                stream / tree, treeBytes, streamBytes, (double) streamBytes / treeBytes);
    }

    private static List<Scribe> tree(byte[] page) {
        JsonNode message = Json.parse(page, 0, page.length);
        List<Scribe> scribes = new ArrayList<>();
        for (JsonNode node : message.path("result")) {
            scribes.add(Json.scribe(node));
        }
        return scribes;
    }

    private static String page() {
        StringBuilder json = new StringBuilder(
                "{\"type\":\"response\",\"id\":17,\"more\":true,\"cursor\":\"1500\",\"window\":256,\"result\":[");
        for (int i = 0; i < 500; i++) {
            if (i > 0) {
                json.append(',');
            }
            String object = "o" + (i % 50);
            json.append("{\"id\":\"").append(1000 + i).append("\",\"klass\":\"Item\",");
            if (i < 50) {
                json.append("\"type\":\"create\",\"data\":{\"id\":\"").append(object)
                        .append("\",\"counter\":0,\"title\":\"a title of 24 characters\"}");
            } else {
                json.append("\"type\":\"update\",\"data\":[\"").append(object).append("\",{\"counter\":").append(i)
                        .append("}]");
            }
            json.append(",\"origin\":\"hub\",\"clock\":").append(7_000_000_000_000_000L + i);
            if (i >= 50) {
                json.append(",\"base\":{\"counter\":").append(6_999_999_999_999_000L + i).append('}');
            }
            json.append('}');
        }
        return json.append("]}").toString();
    }
}
