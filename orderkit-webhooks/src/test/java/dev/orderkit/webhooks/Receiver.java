package dev.orderkit.webhooks;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.IntFunction;

/** A real HTTP receiver on a loopback port whose endpoints answer as scripted per request number. */
final class Receiver implements AutoCloseable {
    /** How an endpoint answers its n-th request (from 1): wait {@code delayMs}, then {@code status}. */
    record Answer(int status, long delayMs) {}

    /** One received request. */
    record Request(String path, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private final HttpServer server;
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, IntFunction<Answer>> scripts = new ConcurrentHashMap<>();
    private final Map<String, Integer> counts = new ConcurrentHashMap<>();

    Receiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        server.start();
    }

    URI endpoint(String path, IntFunction<Answer> script) {
        scripts.put(path, script);
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    List<Request> requests(String path) {
        return requests.stream().filter(r -> r.path().equals(path)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new ConcurrentHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        requests.add(new Request(path, headers, body));
        int n = counts.merge(path, 1, Integer::sum);
        Answer a = scripts.getOrDefault(path, i -> new Answer(404, 0)).apply(n);
        try {
            Thread.sleep(a.delayMs());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            ex.sendResponseHeaders(a.status(), -1);
        } catch (IOException e) {
            // the client gave up (timeout): the request was processed all the same
        }
        ex.close();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
