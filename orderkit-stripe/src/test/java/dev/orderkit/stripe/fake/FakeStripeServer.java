package dev.orderkit.stripe.fake;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.stripe.Stripe;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real HTTP server on 127.0.0.1 (random port) speaking enough of Stripe's v1 wire format for
 * PaymentIntents and refunds: form-encoded requests, JSON objects built from the real-shaped
 * fixtures in {@code stripe-fixtures.json}, Stripe's error envelope and its idempotency layer
 * (same key + same request → stored response with {@code Idempotent-Replayed: true}, i.e. the
 * object as it was when first answered, not its current state; same key + another request → 400
 * {@code idempotency_error}; same key while in flight → 409). "Same request" means the same raw
 * body, byte for byte, which is stricter than Stripe needs to be: a port must encode a repeated
 * request identically. Keys are never forgotten here (Stripe keeps them for at least 24 hours).
 *
 * <p>Faults can be injected per path: 500 and 429 (before applying), a dropped connection after
 * applying, and a response slower than the client's timeout after applying. {@link Gate}s hold one
 * request before it arrives or before its answer leaves, until the test opens them. Every request
 * is recorded with its raw body and whether it applied a state change.
 */
public final class FakeStripeServer implements AutoCloseable {
    /** Injectable faults. */
    public enum Fault {
        /** 500 api_error, nothing applied. */
        SERVER_ERROR,
        /** 429 rate_limit with Retry-After, nothing applied. */
        RATE_LIMIT,
        /** Applies the request, then closes the connection without any response. */
        DROP_AFTER_APPLY,
        /** Applies the request, then sends the status line and half the body and closes. */
        TRUNCATED_AFTER_APPLY,
        /** Applies the request, then answers after a delay (past the client's read timeout). */
        SLOW_AFTER_APPLY
    }

    /**
     * One recorded request.
     *
     * @param method HTTP method
     * @param path request path
     * @param idempotencyKey the Idempotency-Key header, or null
     * @param params decoded form/query parameters
     * @param status HTTP status answered (or intended, when the connection was cut)
     * @param replayed whether the stored response was replayed
     * @param applied whether this request changed state
     * @param fault the injected fault, or null
     * @param body the raw request body (form-encoded) exactly as received; {@code ""} for GET
     */
    public record Recorded(
            String method,
            String path,
            String idempotencyKey,
            Map<String, String> params,
            int status,
            boolean replayed,
            boolean applied,
            Fault fault,
            String body) {}

    /** Where a {@link Gate} holds a request. */
    public enum GatePoint {
        /**
         * Before the request reaches the idempotency layer: as if it were still travelling, so a
         * request with the same key sent meanwhile is processed first.
         */
        BEFORE_ARRIVAL,
        /**
         * After the request was applied and its idempotent result stored, before the answer is
         * sent: as if the response were slow, so a replay of the key sent meanwhile gets the
         * stored result.
         */
        AFTER_APPLY
    }

    /**
     * A one-shot pause of the first request matching a path filter, released by the test (no sleeps).
     * Thread-safe.
     */
    public static final class Gate {
        private final GatePoint point;
        private final String pathContains;
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch opened = new CountDownLatch(1);

        private Gate(GatePoint point, String pathContains) {
            this.point = point;
            this.pathContains = pathContains;
        }

        /**
         * Waits until a request is held at this gate.
         *
         * @throws AssertionError if none arrives within 20 s
         */
        public void awaitArrival() {
            try {
                if (!arrived.await(20, TimeUnit.SECONDS)) {
                    throw new AssertionError("no request reached the gate " + point + " " + pathContains);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }

        /** Lets the held request (or the next one, if none arrived yet) continue. */
        public void open() {
            opened.countDown();
        }

        private void pass() {
            arrived.countDown();
            try {
                if (!opened.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private record Injection(Fault fault, String pathContains, Duration duration) {}

    private record Reply(int status, String body) {}

    private record Stored(String fingerprint, Reply reply) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private final JsonNode fixtures;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-stripe");
        t.setDaemon(true);
        return t;
    });
    private final String apiKey;
    private final Map<String, ObjectNode> paymentIntents = new ConcurrentHashMap<>();
    private final Map<String, Long> refunded = new ConcurrentHashMap<>();
    private final Map<String, Stored> idempotency = new ConcurrentHashMap<>();
    private final Map<String, Boolean> inFlight = new ConcurrentHashMap<>();
    private final List<Injection> injections = Collections.synchronizedList(new ArrayList<>());
    private final List<Gate> gates = Collections.synchronizedList(new ArrayList<>());
    private final List<Recorded> recorded = new CopyOnWriteArrayList<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile Duration processingDelay = Duration.ZERO;
    private volatile int retryAfterSeconds = 1;
    private volatile String shouldRetry;
    private final Map<String, List<JsonNode>> refundsByPaymentIntent = new ConcurrentHashMap<>();

    /**
     * Starts a server accepting the given API key.
     *
     * @param apiKey the only valid key
     */
    public FakeStripeServer(String apiKey) {
        this.apiKey = apiKey;
        try (InputStream in = FakeStripeServer.class.getResourceAsStream("/stripe-fixtures.json")) {
            this.fixtures = JSON.readTree(Objects.requireNonNull(in, "stripe-fixtures.json"))
                    .get("resources");
            this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /**
     * Base URL to hand to the port.
     *
     * @return {@code http://127.0.0.1:<port>}
     */
    public String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /**
     * Injects a fault into the next {@code times} requests whose path contains {@code pathContains}.
     *
     * @param fault the fault
     * @param times how many requests
     * @param pathContains path filter (e.g. {@code /capture}); {@code ""} for any
     * @param duration delay of {@link Fault#SLOW_AFTER_APPLY}; ignored otherwise
     */
    public void inject(Fault fault, int times, String pathContains, Duration duration) {
        for (int i = 0; i < times; i++) {
            injections.add(new Injection(fault, pathContains, duration));
        }
    }

    /**
     * Holds the next request whose path contains {@code pathContains} at {@code point} until the
     * returned gate is opened. Keep the client's read timeout longer than the hold.
     *
     * @param point where the request waits
     * @param pathContains path filter (e.g. {@code /v1/payment_intents}); {@code ""} for any
     * @return the gate
     */
    public Gate gate(GatePoint point, String pathContains) {
        Gate g = new Gate(Objects.requireNonNull(point, "point"), Objects.requireNonNull(pathContains, "pathContains"));
        gates.add(g);
        return g;
    }

    /**
     * The Retry-After value sent with 429s.
     *
     * @param seconds seconds
     */
    public void retryAfterSeconds(int seconds) {
        this.retryAfterSeconds = seconds;
    }

    /**
     * The {@code Stripe-Should-Retry} header value sent with injected 500s and 429s ({@code null}:
     * no header, the default).
     *
     * @param value the header value, or null
     */
    public void shouldRetryHeader(String value) {
        this.shouldRetry = value;
    }

    /**
     * Sets a metadata entry of a PaymentIntent (as an edit in the Dashboard would).
     *
     * @param id the PaymentIntent
     * @param key the metadata key
     * @param value the value
     */
    public void putMetadata(String id, String key, String value) {
        ObjectNode pi = paymentIntents.get(id);
        synchronized (pi) {
            ((ObjectNode) pi.get("metadata")).put(key, value);
        }
    }

    /**
     * The refunds created for a PaymentIntent, as first answered.
     *
     * @param id the PaymentIntent
     * @return snapshots, oldest first
     */
    public List<JsonNode> refundsOf(String id) {
        return List.copyOf(refundsByPaymentIntent.getOrDefault(id, List.of()));
    }

    /**
     * A refund object shaped like Stripe's (from the fixtures).
     *
     * @param id refund id
     * @param paymentIntentId its PaymentIntent
     * @param amount minor units
     * @param currency currency
     * @param status pending, succeeded, failed, canceled
     * @return the object
     */
    public ObjectNode refundObject(String id, String paymentIntentId, long amount, String currency, String status) {
        ObjectNode re = fixtures.get("refund").deepCopy();
        re.put("id", id);
        re.put("amount", amount);
        re.put("currency", currency);
        re.put("payment_intent", paymentIntentId);
        re.put("status", status);
        return re;
    }

    /**
     * Extra time every state-changing request spends "executing" (widens race windows).
     *
     * @param d the delay
     */
    public void processingDelay(Duration d) {
        this.processingDelay = d;
    }

    /**
     * Requests recorded so far.
     *
     * @return a snapshot
     */
    public List<Recorded> requests() {
        return List.copyOf(recorded);
    }

    /**
     * Number of requests that applied a state change at this path (suffix match, e.g.
     * {@code /v1/payment_intents}, {@code /capture}, {@code /cancel}, {@code /v1/refunds}).
     *
     * @param pathSuffix the suffix
     * @return the count
     */
    public long applied(String pathSuffix) {
        return recorded.stream()
                .filter(r -> r.applied() && r.path().endsWith(pathSuffix))
                .count();
    }

    /**
     * PaymentIntents created for an order.
     *
     * @param orderId the orderkit order id
     * @return snapshots
     */
    public List<JsonNode> paymentIntentsOf(String orderId) {
        List<JsonNode> out = new ArrayList<>();
        for (ObjectNode pi : paymentIntents.values()) {
            synchronized (pi) {
                if (orderId.equals(pi.path("metadata").path("orderkit_order_id").asText(null))) {
                    out.add(pi.deepCopy());
                }
            }
        }
        return out;
    }

    /**
     * A PaymentIntent by id.
     *
     * @param id the id
     * @return a snapshot, or null
     */
    public JsonNode paymentIntent(String id) {
        ObjectNode pi = paymentIntents.get(id);
        if (pi == null) {
            return null;
        }
        synchronized (pi) {
            return pi.deepCopy();
        }
    }

    /**
     * Total refunded for a PaymentIntent.
     *
     * @param id the id
     * @return minor units
     */
    public long refundedOf(String id) {
        return refunded.getOrDefault(id, 0L);
    }

    /**
     * Changes a PaymentIntent's state as if the customer acted (3-D Secure completed or failed).
     *
     * @param id the id
     * @param status new status ({@code requires_capture}, {@code succeeded}, {@code requires_payment_method})
     */
    public void customerActed(String id, String status) {
        ObjectNode pi = paymentIntents.get(id);
        synchronized (pi) {
            pi.put("status", status);
            pi.putNull("next_action");
            long amount = pi.get("amount").asLong();
            switch (status) {
                case "requires_capture" -> pi.put("amount_capturable", amount);
                case "succeeded" -> {
                    pi.put("amount_received", amount);
                    pi.put("latest_charge", "ch_" + nextId());
                }
                case "requires_payment_method" ->
                    pi.set(
                            "last_payment_error",
                            cardError("card_declined", "generic_decline", "Your card was declined."));
                default -> {}
            }
        }
    }

    /**
     * A webhook event (Stripe's {@code event} object) wrapping a snapshot of a PaymentIntent.
     *
     * @param type event type, e.g. {@code payment_intent.succeeded}
     * @param paymentIntentId the PaymentIntent
     * @return the JSON payload
     */
    public String event(String type, String paymentIntentId) {
        return event(type, paymentIntent(paymentIntentId));
    }

    /**
     * A webhook event wrapping the given object.
     *
     * @param type event type
     * @param object data.object
     * @return the JSON payload
     */
    public String event(String type, JsonNode object) {
        ObjectNode e = fixtures.get("event").deepCopy();
        e.put("id", "evt_" + nextId());
        e.put("type", type);
        e.put("created", Instant.now().getEpochSecond());
        e.put("api_version", Stripe.API_VERSION);
        ((ObjectNode) e.get("data")).set("object", object);
        return e.toString();
    }

    @Override
    public void close() {
        synchronized (gates) {
            gates.forEach(Gate::open);
        }
        server.stop(0);
        executor.shutdownNow();
    }

    // ------------------------------------------------------------------ HTTP

    /** Thrown out of the handler: the JDK server then closes the connection without answering. */
    private static final class DropConnection extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DropConnection() {
            super("injected connection drop", null, false, false);
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try {
            handle0(ex);
        } catch (DropConnection drop) {
            throw drop;
        } catch (IOException | RuntimeException e) {
            // client went away (timeouts, truncated responses): nothing to do
        } finally {
            if (!dropping.get()) {
                ex.close();
            }
            dropping.remove();
        }
    }

    private final ThreadLocal<Boolean> dropping = ThreadLocal.withInitial(() -> false);

    private void handle0(HttpExchange ex) throws IOException {
        {
            String method = ex.getRequestMethod();
            String path = ex.getRequestURI().getPath();
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            Map<String, String> params =
                    form("GET".equals(method) ? ex.getRequestURI().getRawQuery() : body);
            String key = ex.getRequestHeaders().getFirst("Idempotency-Key");
            String auth = ex.getRequestHeaders().getFirst("Authorization");
            if (auth == null || !auth.equals("Bearer " + apiKey)) {
                String given = auth == null ? "" : auth.replaceFirst("^Bearer ", "");
                // real Stripe masks the key; this double echoes it in full to prove the port scrubs it
                Reply r = error(401, "invalid_request_error", null, "Invalid API Key provided: " + given);
                send(ex, record(method, path, key, params, r, false, false, null, body), r, false);
                return;
            }
            Gate arriving = takeGate(GatePoint.BEFORE_ARRIVAL, path);
            if (arriving != null) {
                arriving.pass();
            }
            Injection inj = take(path);
            if (inj != null && inj.fault() == Fault.SERVER_ERROR) {
                Reply r = error(500, "api_error", null, "An unknown error occurred (injected).");
                if (shouldRetry != null) {
                    ex.getResponseHeaders().add("Stripe-Should-Retry", shouldRetry);
                }
                send(ex, record(method, path, key, params, r, false, false, inj.fault(), body), r, false);
                return;
            }
            if (inj != null && inj.fault() == Fault.RATE_LIMIT) {
                Reply r = error(429, "invalid_request_error", "rate_limit", "Too many requests (injected).");
                ex.getResponseHeaders().add("Retry-After", Integer.toString(retryAfterSeconds));
                if (shouldRetry != null) {
                    ex.getResponseHeaders().add("Stripe-Should-Retry", shouldRetry);
                }
                send(ex, record(method, path, key, params, r, false, false, inj.fault(), body), r, false);
                return;
            }
            Reply reply;
            boolean replayed = false;
            boolean applied = false;
            if ("POST".equals(method) && key != null) {
                // the raw body, byte for byte: stricter than a comparison of decoded parameters, so a
                // port that encodes the same request differently (e.g. metadata order) fails loudly
                String fp = method + " " + path + " " + body;
                Stored stored = idempotency.get(key);
                if (stored != null) {
                    if (stored.fingerprint().equals(fp)) {
                        reply = stored.reply();
                        replayed = true;
                    } else {
                        reply = error(
                                400,
                                "idempotency_error",
                                null,
                                "Keys for idempotent requests can only be "
                                        + "used with the same parameters they were "
                                        + "first used with. Try using a key other "
                                        + "than '" + key + "' if you meant to execute a different request.");
                    }
                } else if (inFlight.putIfAbsent(key, Boolean.TRUE) != null) {
                    reply = error(
                            409,
                            "idempotency_error",
                            "idempotency_key_in_use",
                            "There is currently another "
                                    + "in-progress request using this Idempotent "
                                    + "Key (that probably means you submitted "
                                    + "twice, and the other request is still going through): " + key + ".");
                } else {
                    try {
                        stored = idempotency.get(key); // re-check under the in-flight lock
                        if (stored != null) {
                            reply = stored.reply();
                            replayed = true;
                        } else {
                            pause(processingDelay);
                            Applied a = execute(method, path, params);
                            reply = a.reply();
                            applied = a.applied();
                            idempotency.put(key, new Stored(fp, reply));
                        }
                    } finally {
                        inFlight.remove(key);
                    }
                }
            } else {
                Applied a = execute(method, path, params);
                reply = a.reply();
                applied = a.applied();
            }
            Fault after = inj == null ? null : inj.fault();
            Recorded rec = record(method, path, key, params, reply, replayed, applied, after, body);
            if (after == Fault.DROP_AFTER_APPLY) {
                dropping.set(true);
                throw new DropConnection();
            }
            if (after == Fault.TRUNCATED_AFTER_APPLY) {
                byte[] bytes = reply.body().getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(reply.status(), bytes.length);
                OutputStream os = ex.getResponseBody();
                os.write(bytes, 0, bytes.length / 2);
                os.flush();
                // closing a fixed-length stream early aborts the connection: the client sees a reset/EOF
                return;
            }
            if (after == Fault.SLOW_AFTER_APPLY) {
                pause(inj.duration());
            }
            Gate answering = takeGate(GatePoint.AFTER_APPLY, path);
            if (answering != null) {
                answering.pass();
            }
            send(ex, rec, reply, replayed);
        }
    }

    private Gate takeGate(GatePoint point, String path) {
        synchronized (gates) {
            for (int i = 0; i < gates.size(); i++) {
                Gate g = gates.get(i);
                if (g.point == point && path.contains(g.pathContains)) {
                    return gates.remove(i);
                }
            }
        }
        return null;
    }

    private Injection take(String path) {
        synchronized (injections) {
            for (int i = 0; i < injections.size(); i++) {
                if (path.contains(injections.get(i).pathContains())) {
                    return injections.remove(i);
                }
            }
        }
        return null;
    }

    private Recorded record(
            String method,
            String path,
            String key,
            Map<String, String> params,
            Reply r,
            boolean replayed,
            boolean applied,
            Fault fault,
            String body) {
        Recorded rec = new Recorded(method, path, key, params, r.status(), replayed, applied, fault, body);
        recorded.add(rec);
        return rec;
    }

    private static void send(HttpExchange ex, Recorded rec, Reply r, boolean replayed) throws IOException {
        byte[] bytes = r.body().getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.getResponseHeaders()
                .add(
                        "Request-Id",
                        "req_" + UUID.randomUUID().toString().replace("-", "").substring(0, 14));
        if (rec.idempotencyKey() != null) {
            ex.getResponseHeaders().add("Idempotency-Key", rec.idempotencyKey());
        }
        if (replayed) {
            ex.getResponseHeaders().add("Idempotent-Replayed", "true");
        }
        ex.sendResponseHeaders(r.status(), bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static Map<String, String> form(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String pair : raw.split("&")) {
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            out.put(k, v);
        }
        return out;
    }

    private static void pause(Duration d) {
        if (d == null || d.isZero()) {
            return;
        }
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ------------------------------------------------------------------ API semantics

    private record Applied(Reply reply, boolean applied) {}

    private Applied execute(String method, String path, Map<String, String> p) {
        String[] seg = path.split("/");
        // "", "v1", "payment_intents", id, action
        if (seg.length >= 3 && seg[1].equals("v1") && seg[2].equals("payment_intents")) {
            if (seg.length == 3 && method.equals("POST")) {
                return create(p);
            }
            ObjectNode pi = seg.length >= 4 ? paymentIntents.get(seg[3]) : null;
            if (pi == null) {
                return new Applied(
                        error(
                                404,
                                "invalid_request_error",
                                "resource_missing",
                                "No such payment_intent: '" + (seg.length >= 4 ? seg[3] : "") + "'"),
                        false);
            }
            synchronized (pi) {
                if (seg.length == 4 && method.equals("GET")) {
                    return new Applied(new Reply(200, pi.toString()), false);
                }
                if (seg.length == 5 && method.equals("POST") && seg[4].equals("capture")) {
                    return capture(pi, p);
                }
                if (seg.length == 5 && method.equals("POST") && seg[4].equals("cancel")) {
                    return cancel(pi, p);
                }
            }
        }
        if (path.equals("/v1/refunds") && method.equals("POST")) {
            return refund(p);
        }
        return new Applied(
                error(
                        404,
                        "invalid_request_error",
                        "resource_missing",
                        "Unrecognized request URL (" + method + ": " + path + ")."),
                false);
    }

    private Applied create(Map<String, String> p) {
        String amountText = p.get("amount");
        String currency = p.get("currency");
        if (amountText == null || currency == null) {
            return new Applied(
                    error(
                            400,
                            "invalid_request_error",
                            "parameter_missing",
                            "Missing required param: " + (amountText == null ? "amount" : "currency") + "."),
                    false);
        }
        long amount;
        try {
            amount = Long.parseLong(amountText);
        } catch (NumberFormatException e) {
            return new Applied(
                    error(400, "invalid_request_error", "parameter_invalid_integer", "Invalid integer: " + amountText),
                    false);
        }
        if (amount < 50) {
            return new Applied(
                    error(400, "invalid_request_error", "amount_too_small", "Amount must be at least 50 cents"), false);
        }
        String pm = p.getOrDefault("payment_method", "pm_card_visa");
        boolean manual = "manual".equals(p.get("capture_method"));
        ObjectNode pi = fixtures.get("payment_intent").deepCopy();
        String id = "pi_" + nextId();
        pi.put("id", id);
        pi.put("client_secret", id + "_secret_" + nextId());
        pi.put("amount", amount);
        pi.put("currency", currency);
        pi.put("capture_method", manual ? "manual" : "automatic");
        pi.put("created", Instant.now().getEpochSecond());
        pi.put("payment_method", pm);
        pi.putNull("canceled_at");
        pi.putNull("last_payment_error");
        pi.putNull("next_action");
        pi.putNull("processing");
        pi.putNull("transfer_data");
        pi.put("amount_capturable", 0);
        pi.put("amount_received", 0);
        ObjectNode metadata = pi.putObject("metadata");
        p.forEach((k, v) -> {
            if (k.startsWith("metadata[") && k.endsWith("]")) {
                metadata.put(k.substring(9, k.length() - 1), v);
            }
        });
        paymentIntents.put(id, pi);
        if (pm.startsWith("pm_decline") || pm.equals("pm_card_chargeDeclined")) {
            String decline = pm.contains("insufficient") ? "insufficient_funds" : "generic_decline";
            ObjectNode err = cardError("card_declined", decline, "Your card was declined.");
            pi.put("status", "requires_payment_method");
            pi.set("last_payment_error", err.deepCopy());
            err.set("payment_intent", pi.deepCopy());
            ObjectNode env = JSON.createObjectNode();
            env.set("error", err);
            return new Applied(new Reply(402, env.toString()), true);
        }
        if (pm.startsWith("pm_action") || pm.contains("threeDSecure")) {
            pi.put("status", "requires_action");
            ObjectNode next = pi.putObject("next_action");
            next.put("type", "redirect_to_url");
            next.putObject("redirect_to_url")
                    .put("url", "https://hooks.stripe.com/3d_secure_2/" + id)
                    .put("return_url", "https://shop.example/return");
        } else if (manual) {
            pi.put("status", "requires_capture");
            pi.put("amount_capturable", amount);
        } else {
            pi.put("status", "succeeded");
            pi.put("amount_received", amount);
            pi.put("latest_charge", "ch_" + nextId());
        }
        return new Applied(new Reply(200, pi.toString()), true);
    }

    private Applied capture(ObjectNode pi, Map<String, String> p) {
        if (!"requires_capture".equals(pi.get("status").asText())) {
            return new Applied(unexpected(pi, "capture"), false);
        }
        long capturable = pi.get("amount_capturable").asLong();
        long amount = p.containsKey("amount_to_capture") ? Long.parseLong(p.get("amount_to_capture")) : capturable;
        if (amount > capturable) {
            return new Applied(
                    error(
                            400,
                            "invalid_request_error",
                            "amount_too_large",
                            "The amount to capture exceeds the capturable amount."),
                    false);
        }
        pi.put("status", "succeeded");
        pi.put("amount_capturable", 0);
        pi.put("amount_received", amount);
        pi.put("latest_charge", "ch_" + nextId());
        return new Applied(new Reply(200, pi.toString()), true);
    }

    private Applied cancel(ObjectNode pi, Map<String, String> p) {
        String status = pi.get("status").asText();
        if (status.equals("succeeded") || status.equals("canceled")) {
            return new Applied(unexpected(pi, "cancel"), false);
        }
        pi.put("status", "canceled");
        pi.put("canceled_at", Instant.now().getEpochSecond());
        pi.put("cancellation_reason", p.getOrDefault("cancellation_reason", "requested_by_customer"));
        pi.put("amount_capturable", 0);
        return new Applied(new Reply(200, pi.toString()), true);
    }

    private Applied refund(Map<String, String> p) {
        String piId = p.get("payment_intent");
        ObjectNode pi = piId == null ? null : paymentIntents.get(piId);
        if (pi == null) {
            return new Applied(
                    error(400, "invalid_request_error", "resource_missing", "No such payment_intent: '" + piId + "'"),
                    false);
        }
        synchronized (pi) {
            if (!"succeeded".equals(pi.get("status").asText())) {
                return new Applied(unexpected(pi, "refund"), false);
            }
            long remaining = pi.get("amount_received").asLong() - refunded.getOrDefault(piId, 0L);
            long amount = p.containsKey("amount") ? Long.parseLong(p.get("amount")) : remaining;
            if (remaining == 0) {
                return new Applied(
                        error(
                                400,
                                "invalid_request_error",
                                "charge_already_refunded",
                                "Charge " + pi.get("latest_charge").asText() + " has already been refunded."),
                        false);
            }
            if (amount > remaining || amount <= 0) {
                return new Applied(
                        error(
                                400,
                                "invalid_request_error",
                                "amount_too_large",
                                "Refund amount (" + amount + ") is greater than unrefunded amount (" + remaining + ")"),
                        false);
            }
            refunded.merge(piId, amount, Long::sum);
            ObjectNode re = fixtures.get("refund").deepCopy();
            re.put("id", "re_" + nextId());
            re.put("amount", amount);
            re.put("currency", pi.get("currency").asText());
            re.put("payment_intent", piId);
            re.put("charge", pi.get("latest_charge").asText());
            re.put("created", Instant.now().getEpochSecond());
            re.put("status", "succeeded");
            ObjectNode metadata = re.putObject("metadata");
            p.forEach((k, v) -> {
                if (k.startsWith("metadata[") && k.endsWith("]")) {
                    metadata.put(k.substring("metadata[".length(), k.length() - 1), v);
                }
            });
            refundsByPaymentIntent
                    .computeIfAbsent(piId, x -> new CopyOnWriteArrayList<>())
                    .add(re.deepCopy());
            return new Applied(new Reply(200, re.toString()), true);
        }
    }

    private static Reply unexpected(ObjectNode pi, String action) {
        ObjectNode env = JSON.createObjectNode();
        ObjectNode err = env.putObject("error");
        err.put("type", "invalid_request_error");
        err.put("code", "payment_intent_unexpected_state");
        err.put(
                "message",
                "This PaymentIntent's " + action + " could not be performed because it has a status of "
                        + pi.get("status").asText() + ".");
        err.set("payment_intent", pi.deepCopy());
        return new Reply(400, env.toString());
    }

    private static ObjectNode cardError(String code, String declineCode, String message) {
        ObjectNode err = JSON.createObjectNode();
        err.put("type", "card_error");
        err.put("code", code);
        err.put("decline_code", declineCode);
        err.put("message", message);
        err.put("doc_url", "https://stripe.com/docs/error-codes/" + code.replace('_', '-'));
        return err;
    }

    private static Reply error(int status, String type, String code, String message) {
        ObjectNode env = JSON.createObjectNode();
        ObjectNode err = env.putObject("error");
        err.put("type", type);
        if (code != null) {
            err.put("code", code);
        }
        err.put("message", message);
        return new Reply(status, env.toString());
    }

    private String nextId() {
        return Long.toString(System.nanoTime() % 1_000_000_000L, 36) + "x" + ids.incrementAndGet()
                + UUID.randomUUID().toString().substring(0, 8);
    }
}
