package dev.orderkit.testkit;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

/**
 * A real HTTP receiver on a loopback port for {@link WebhookStoreContract}: each path answers as
 * scripted per request number of a delivery, and the receiver records every request and the most
 * requests of one delivery it ever handled at the same time. Thread-safe.
 */
final class WebhookReceiver implements AutoCloseable {
    /** How an endpoint answers a delivery's n-th request (from 1): wait {@code delayMs}, then {@code status}. */
    record Answer(int status, long delayMs) {}

    /** One received request. */
    record Request(String path, Map<String, String> headers, byte[] body, Instant at) {
        String header(String name) {
            return headers.getOrDefault(name.toLowerCase(Locale.ROOT), "");
        }
    }

    private final String deliveryHeader;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newFixedThreadPool(32);
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, IntFunction<Answer>> scripts = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> perDelivery = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
    private final AtomicInteger maxConcurrentPerDelivery = new AtomicInteger();

    /**
     * Starts the receiver.
     *
     * @param deliveryHeader the header naming the delivery (concurrency is counted per value)
     */
    WebhookReceiver(String deliveryHeader) {
        this.deliveryHeader = deliveryHeader.toLowerCase(Locale.ROOT);
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(executor);
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

    List<Request> requestsOf(String deliveryId) {
        return requests.stream()
                .filter(r -> r.header(deliveryHeader).equals(deliveryId))
                .toList();
    }

    /** The most requests of one delivery this receiver handled at the same time. */
    int maxConcurrentPerDelivery() {
        return maxConcurrentPerDelivery.get();
    }

    private void handle(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        Map<String, String> headers = new ConcurrentHashMap<>();
        ex.getRequestHeaders().forEach((k, v) -> headers.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
        String delivery = headers.getOrDefault(deliveryHeader, "");
        AtomicInteger now = running.computeIfAbsent(delivery, k -> new AtomicInteger());
        maxConcurrentPerDelivery.accumulateAndGet(now.incrementAndGet(), Math::max);
        boolean counted = true;
        try {
            requests.add(new Request(path, headers, body, Instant.now()));
            int n = perDelivery
                    .computeIfAbsent(path + " " + delivery, k -> new AtomicInteger())
                    .incrementAndGet();
            Answer a = scripts.getOrDefault(path, i -> new Answer(404, 0)).apply(n);
            try {
                Thread.sleep(a.delayMs());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            now.decrementAndGet(); // before the answer: the sender may send the next request once it has it
            counted = false;
            try {
                ex.sendResponseHeaders(a.status(), -1);
            } catch (IOException e) {
                // the client gave up (timeout): the request was processed all the same
            }
        } finally {
            if (counted) {
                now.decrementAndGet();
            }
            ex.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
