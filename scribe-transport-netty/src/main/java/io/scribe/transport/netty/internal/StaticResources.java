package io.scribe.transport.netty.internal;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.InputStream;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Static files from the class path (a web app packed in the application's jar), answered on the WebSocket port:
 * {@code GET} and {@code HEAD} only, {@code /} as {@code /index.html}, the content type from the file's extension.
 * Only files with a known extension are served; a path with an empty, {@code .} or {@code ..} segment, a backslash
 * or an encoded slash is not found, so nothing outside {@code root} can be read. Files are read once and kept.
 */
public final class StaticResources {

    private static final Map<String, String> TYPES = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("mjs", "text/javascript; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("webmanifest", "application/manifest+json"),
            Map.entry("map", "application/json"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("png", "image/png"),
            Map.entry("ico", "image/x-icon"));

    private final String root;
    private final ClassLoader loader;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

    /**
     * @param root the class-path folder the files are in, without leading or trailing slash ({@code "app/web"})
     * @param loader where to look them up
     */
    public StaticResources(String root, ClassLoader loader) {
        String r = root.replaceAll("^/+|/+$", "");
        this.root = r.isEmpty() ? "" : r + "/";
        this.loader = loader;
    }

    /**
     * The answer to {@code request}, or empty when no file matches its path (the caller then answers as it would
     * without static files). A file asked with another method than GET or HEAD is answered 405.
     */
    public Optional<FullHttpResponse> answer(FullHttpRequest request) {
        String path = new QueryStringDecoder(request.uri()).path();
        if (path.equals("/")) {
            path = "/index.html";
        }
        String type = type(path);
        if (type == null) {
            return Optional.empty();
        }
        Optional<byte[]> file = cache.computeIfAbsent(path, this::load);
        if (file.isEmpty()) {
            return Optional.empty();
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        if (!head && !request.method().equals(HttpMethod.GET)) {
            FullHttpResponse refused = new DefaultFullHttpResponse(request.protocolVersion(),
                    HttpResponseStatus.METHOD_NOT_ALLOWED, Unpooled.EMPTY_BUFFER);
            refused.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
            refused.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
            return Optional.of(refused);
        }
        byte[] body = file.get();
        FullHttpResponse response = new DefaultFullHttpResponse(request.protocolVersion(), HttpResponseStatus.OK,
                head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, type);
        response.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
        // Revalidated on each load: a new jar's files are seen at once.
        response.headers().set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_CACHE);
        response.headers().set("X-Content-Type-Options", "nosniff");
        return Optional.of(response);
    }

    /** The content type of a servable path, or null when the path is not one (bad segment, unknown extension). */
    static String type(String path) {
        if (!path.startsWith("/") || path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0 || path.endsWith("/")) {
            return null;
        }
        for (String segment : path.substring(1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return null;
            }
        }
        String name = path.substring(path.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        return dot <= 0 ? null : TYPES.get(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    private Optional<byte[]> load(String path) {
        try (InputStream in = loader.getResourceAsStream(root + path.substring(1))) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            return Optional.empty();
        }
    }
}
