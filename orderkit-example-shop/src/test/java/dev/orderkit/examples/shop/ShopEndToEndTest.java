package dev.orderkit.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;

/**
 * The shop service end to end: the application on a random port (embedded H2 in memory), a real
 * HTTP client, every endpoint and every error the API promises.
 */
@SpringBootTest(
        classes = {ShopApplication.class, ShopEndToEndTest.Payments.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:shop-e2e;DB_CLOSE_DELAY=-1",
            "shop.stores.acme.api-key=" + ShopEndToEndTest.ACME,
            "shop.stores.globex.api-key=" + ShopEndToEndTest.GLOBEX,
            "shop.stores.tiny.api-key=" + ShopEndToEndTest.TINY,
            "shop.stores.tiny.rate-limit.capacity=3",
            "shop.stores.tiny.rate-limit.refill-per-second=1",
            "shop.rate-limit.capacity=100000",
            "shop.rate-limit.refill-per-second=100000",
            "orderkit.stripe.webhook-secret=" + ShopEndToEndTest.WEBHOOK_SECRET,
            "orderkit.background.initial-delay=0s",
            "orderkit.background.outbox-every=200ms",
        })
class ShopEndToEndTest {
    static final String ACME = "sk_test_acme_e2e";
    static final String GLOBEX = "sk_test_globex_e2e";
    static final String TINY = "sk_test_tiny_e2e";
    static final String WEBHOOK_SECRET = "whsec_e2e_0123456789";

    /** Simulated payments with a gate, to hold a request in flight. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Payments {
        @Bean
        GatedPayments gatedPayments() {
            return new GatedPayments();
        }
    }

    @Autowired
    Environment env;

    @Autowired
    GatedPayments payments;

    Http acme;
    String sku;

    @BeforeEach
    void client() {
        acme = new Http(env.getRequiredProperty("local.server.port", Integer.class), ACME);
        sku = "sku-" + UUID.randomUUID();
    }

    static String key() {
        return "key-" + UUID.randomUUID();
    }

    @Test
    void happyPathPlaceReadFulfilRefund() {
        acme.stock(sku, 10);
        String customer = "cust-" + UUID.randomUUID();
        String body = Http.order(customer, "pm_card_visa", sku, 2);
        String key = key();

        HttpResponse<String> placed = acme.post("/v1/orders", key, body);
        assertThat(placed.statusCode()).as(placed.body()).isEqualTo(201);
        JsonNode p = Http.json(placed);
        assertThat(p.get("outcome").asString()).isEqualTo("PLACED");
        String id = p.get("order").get("id").asString();
        assertThat(p.get("order").get("status").asString()).isEqualTo("CONFIRMED");
        assertThat(p.get("order").get("totalMinor").asLong()).isEqualTo(3998);
        assertThat(placed.headers().firstValue("Location")).hasValue("/v1/orders/" + id);
        assertThat(acme.available(sku)).isEqualTo(8);

        // the same request again: the stored response, no second order
        HttpResponse<String> replay = acme.post("/v1/orders", key, body);
        assertThat(replay.statusCode()).isEqualTo(201);
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(replay.body()).isEqualTo(placed.body());
        assertThat(acme.available(sku)).isEqualTo(8);

        // GET with ETag; If-None-Match → 304
        HttpResponse<String> got = acme.get("/v1/orders/" + id);
        assertThat(got.statusCode()).isEqualTo(200);
        String etag = got.headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> notModified = acme.send(
                acme.request("/v1/orders/" + id).header("If-None-Match", etag).GET());
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();

        HttpResponse<String> fulfilled = acme.post("/v1/orders/" + id + "/fulfil", "");
        assertThat(fulfilled.statusCode()).as(fulfilled.body()).isEqualTo(200);
        assertThat(Http.json(fulfilled).get("status").asString()).isEqualTo("FULFILLED");
        // the order changed: the old ETag no longer matches
        assertThat(acme.send(acme.request("/v1/orders/" + id)
                                .header("If-None-Match", etag)
                                .GET())
                        .statusCode())
                .isEqualTo(200);
        JsonNode level = Http.json(acme.get("/v1/inventory/" + sku));
        assertThat(level.get("onHand").asLong()).isEqualTo(8);
        assertThat(level.get("reserved").asLong()).isZero();

        String refundKey = key();
        HttpResponse<String> refund = acme.post("/v1/orders/" + id + "/refunds", refundKey, "{\"amountMinor\":500}");
        assertThat(refund.statusCode()).as(refund.body()).isEqualTo(201);
        assertThat(Http.json(refund).get("refund").get("status").asString()).isEqualTo("SUCCEEDED");
        assertThat(acme.post("/v1/orders/" + id + "/refunds", refundKey, "{\"amountMinor\":500}")
                        .body())
                .isEqualTo(refund.body());
        HttpResponse<String> tooMuch = acme.post("/v1/orders/" + id + "/refunds", key(), "{\"amountMinor\":9999}");
        assertThat(tooMuch.statusCode()).isEqualTo(422);
        assertThat(Http.json(acme.get("/v1/orders/" + id)).get("refunds")).hasSize(1);
    }

    @Test
    void fiftyConcurrentIdenticalPostsMakeOneOrder() throws Exception {
        acme.stock(sku, 100);
        String customer = "cust-" + UUID.randomUUID();
        String body = Http.order(customer, "pm_card_visa", sku, 3);
        String key = key();
        ExecutorService pool = Executors.newFixedThreadPool(50);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        try {
            for (int i = 0; i < 50; i++) {
                calls.add(pool.submit(() -> {
                    start.await();
                    return acme.post("/v1/orders", key, body);
                }));
            }
            start.countDown();
            Set<String> ids = new HashSet<>();
            int created = 0;
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isIn(201, 409);
                if (r.statusCode() == 201) {
                    created++;
                    ids.add(Http.json(r).get("order").get("id").asString());
                } else {
                    assertThat(r.headers().firstValue("Retry-After")).isPresent();
                }
            }
            assertThat(created).isPositive();
            assertThat(ids).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        JsonNode page = Http.json(acme.get("/v1/orders?customer=" + customer));
        assertThat(page.get("orders")).hasSize(1);
        assertThat(acme.available(sku)).isEqualTo(97);
    }

    @Test
    void keyReusedWithAnotherBodyIs422() {
        acme.stock(sku, 10);
        String key = key();
        assertThat(acme.post("/v1/orders", key, Http.order("c-1", "pm_card_visa", sku, 1))
                        .statusCode())
                .isEqualTo(201);
        HttpResponse<String> reused = acme.post("/v1/orders", key, Http.order("c-1", "pm_card_visa", sku, 2));
        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(Http.json(reused).get("type").asString()).endsWith("idempotency-key-reused");
        assertThat(acme.available(sku)).isEqualTo(9);
    }

    @Test
    void aRepeatWhileTheFirstIsInFlightIs409() throws Exception {
        acme.stock(sku, 10);
        payments.reset();
        String key = key();
        String body = Http.order("c-gated", GatedPayments.GATED, sku, 1);
        CompletableFuture<HttpResponse<String>> first =
                CompletableFuture.supplyAsync(() -> acme.post("/v1/orders", key, body));
        assertThat(payments.entered.await(20, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> second = acme.post("/v1/orders", key, body);
        assertThat(second.statusCode()).isEqualTo(409);
        assertThat(second.headers().firstValue("Retry-After")).isPresent();
        assertThat(Http.json(second).get("type").asString()).endsWith("idempotency-request-in-progress");
        payments.gate.countDown();
        HttpResponse<String> done = first.get(30, TimeUnit.SECONDS);
        assertThat(done.statusCode()).isEqualTo(201);
        HttpResponse<String> retried = acme.post("/v1/orders", key, body);
        assertThat(retried.statusCode()).isEqualTo(201);
        assertThat(retried.body()).isEqualTo(done.body());
        assertThat(acme.available(sku)).isEqualTo(9);
    }

    @Test
    void aMissingKeyIs400() {
        acme.stock(sku, 1);
        HttpResponse<String> r = acme.post("/v1/orders", Http.order("c-1", "pm_card_visa", sku, 1));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Http.json(r).get("type").asString()).endsWith("idempotency-key-missing");
        assertThat(acme.available(sku)).isEqualTo(1);
    }

    @Test
    void outOfStockIsAnAnswerNotAnError() {
        acme.stock(sku, 2);
        HttpResponse<String> r = acme.post("/v1/orders", key(), Http.order("c-1", "pm_card_visa", sku, 3));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode p = Http.json(r);
        assertThat(p.get("outcome").asString()).isEqualTo("OUT_OF_STOCK");
        assertThat(p.get("shortfalls").get(0).get("sku").asString()).isEqualTo(sku);
        assertThat(p.get("shortfalls").get(0).get("available").asLong()).isEqualTo(2);
        assertThat(acme.available(sku)).isEqualTo(2);
    }

    @Test
    void cancelGivesTheStockBack() {
        acme.stock(sku, 5);
        HttpResponse<String> placed = acme.post("/v1/orders", key(), Http.order("c-1", "pm_card_visa", sku, 3));
        String id = Http.json(placed).get("order").get("id").asString();
        assertThat(acme.available(sku)).isEqualTo(2);
        HttpResponse<String> cancelled = acme.post("/v1/orders/" + id + "/cancel", "{\"reason\":\"changed mind\"}");
        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(Http.json(cancelled).get("status").asString()).isEqualTo("CANCELLED");
        assertThat(acme.available(sku)).isEqualTo(5);
        // a cancelled order cannot be fulfilled
        HttpResponse<String> fulfil = acme.post("/v1/orders/" + id + "/fulfil", "");
        assertThat(fulfil.statusCode()).isEqualTo(409);
    }

    @Test
    void anotherStoreCannotSeeTheOrder() {
        acme.stock(sku, 5);
        String customer = "cust-" + UUID.randomUUID();
        String key = key();
        String body = Http.order(customer, "pm_card_visa", sku, 1);
        String id = Http.json(acme.post("/v1/orders", key, body))
                .get("order")
                .get("id")
                .asString();
        Http globex = acme.as(GLOBEX);
        assertThat(globex.get("/v1/orders/" + id).statusCode()).isEqualTo(404);
        assertThat(globex.post("/v1/orders/" + id + "/cancel", "").statusCode()).isEqualTo(404);
        assertThat(globex.post("/v1/orders/" + id + "/fulfil", "").statusCode()).isEqualTo(404);
        assertThat(Http.json(globex.get("/v1/orders?customer=" + customer)).get("orders"))
                .isEmpty();
        // the same Idempotency-Key from another store is another key: a new order of that store
        HttpResponse<String> theirs = globex.post("/v1/orders", key, body);
        assertThat(theirs.statusCode()).isEqualTo(201);
        assertThat(Http.json(theirs).get("order").get("id").asString()).isNotEqualTo(id);
        assertThat(acme.get("/v1/orders/" + id).statusCode()).isEqualTo(200);
        // no key or a wrong key: 401
        assertThat(acme.as("").get("/v1/orders/" + id).statusCode()).isEqualTo(401);
        assertThat(acme.as("sk_wrong").get("/v1/orders/" + id).statusCode()).isEqualTo(401);
    }

    @Test
    void malformedJsonAndWrongTypesAre400NamingTheField() {
        acme.stock(sku, 5);
        HttpResponse<String> wrongType = acme.post(
                "/v1/orders",
                key(),
                "{\"customerRef\":\"c\",\"currency\":\"EUR\",\"paymentMethod\":\"pm_card_visa\","
                        + "\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\":\"two\",\"unitPriceMinor\":1}]}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        assertThat(wrongType.headers().firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("application/problem+json"));
        assertThat(field(wrongType)).isEqualTo("lines[0].quantity");

        HttpResponse<String> malformed = acme.post(
                "/v1/orders",
                key(),
                "{\"customerRef\":\"c\",\"currency\":\"EUR\",\"paymentMethod\":\"pm_card_visa\","
                        + "\"lines\":[{\"sku\":\"" + sku + "\",\"quantity\": ,\"unitPriceMinor\":1}]}");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(field(malformed)).isEqualTo("lines[0].quantity");

        HttpResponse<String> invalid = acme.post(
                "/v1/orders",
                key(),
                "{\"currency\":\"EURO\",\"paymentMethod\":\"pm_card_visa\"," + "\"lines\":[{\"sku\":\"" + sku
                        + "\",\"quantity\":0,\"unitPriceMinor\":1}]}");
        assertThat(invalid.statusCode()).isEqualTo(400);
        List<String> fields = new ArrayList<>();
        Http.json(invalid).get("errors").forEach(e -> fields.add(e.get("field").asString()));
        assertThat(fields).containsExactlyInAnyOrder("customerRef", "currency", "lines[0].quantity");

        HttpResponse<String> badQuery = acme.get("/v1/orders?limit=lots");
        assertThat(badQuery.statusCode()).isEqualTo(400);
        assertThat(field(badQuery)).isEqualTo("limit");
        HttpResponse<String> badStatus = acme.get("/v1/orders?status=SHIPPED");
        assertThat(badStatus.statusCode()).isEqualTo(400);
        assertThat(field(badStatus)).isEqualTo("status");
        assertThat(acme.available(sku)).isEqualTo(5);
    }

    @Test
    void aStoreOverItsRateLimitGets429WithRetryAfter() {
        Http tiny = acme.as(TINY);
        HttpResponse<String> limited = null;
        for (int i = 0; i < 20 && limited == null; i++) {
            HttpResponse<String> r = tiny.get("/v1/orders");
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                assertThat(r.statusCode()).isEqualTo(200);
            }
        }
        assertThat(limited).as("429 within 20 requests of a bucket of 3").isNotNull();
        assertThat(Long.parseLong(limited.headers().firstValue("Retry-After").orElseThrow()))
                .isPositive();
        assertThat(Http.json(limited).get("type").asString()).endsWith("rate-limited");
        // other stores are not affected
        assertThat(acme.get("/v1/orders").statusCode()).isEqualTo(200);
    }

    @Test
    void aSignedStripeWebhookConfirmsAnOrderAwaitingPaymentAction() {
        acme.stock(sku, 5);
        HttpResponse<String> placed = acme.post("/v1/orders", key(), Http.order("c-3ds", "pm_action_3ds", sku, 1));
        assertThat(placed.statusCode()).isEqualTo(202);
        String id = Http.json(placed).get("order").get("id").asString();
        assertThat(Http.json(placed).get("order").get("status").asString()).isEqualTo("AWAITING_PAYMENT_ACTION");

        String event = "{\"id\":\"evt_" + UUID.randomUUID().toString().replace("-", "")
                + "\",\"object\":\"event\",\"type\":\"payment_intent.succeeded\",\"created\":"
                + Instant.now().getEpochSecond() + ",\"data\":{\"object\":{\"id\":\"pi_e2e_" + id
                + "\",\"object\":\"payment_intent\",\"status\":\"succeeded\",\"amount\":1999,\"currency\":\"eur\","
                + "\"metadata\":{\"orderkit_order_id\":\"" + id + "\"}}}}";
        Http stripe = acme.as(""); // webhooks carry a signature, not an API key
        HttpResponse<String> forged = stripe.send(webhook(stripe, event, sign("whsec_wrong", event)));
        assertThat(forged.statusCode()).isEqualTo(400);
        assertThat(Http.json(acme.get("/v1/orders/" + id)).get("status").asString())
                .isEqualTo("AWAITING_PAYMENT_ACTION");

        HttpResponse<String> delivered = stripe.send(webhook(stripe, event, sign(WEBHOOK_SECRET, event)));
        assertThat(delivered.statusCode()).as(delivered.body()).isEqualTo(200);
        assertThat(delivered.body()).isEqualTo("ACCEPTED");
        assertThat(Http.json(acme.get("/v1/orders/" + id)).get("status").asString())
                .isEqualTo("CONFIRMED");
        HttpResponse<String> redelivered = stripe.send(webhook(stripe, event, sign(WEBHOOK_SECRET, event)));
        assertThat(redelivered.body()).isEqualTo("DUPLICATE");
    }

    @Test
    void inventoryPutNeedsTheCurrentVersionInIfMatch() {
        acme.stock(sku, 5);
        HttpResponse<String> read = acme.get("/v1/inventory/" + sku);
        String etag = read.headers().firstValue("ETag").orElseThrow();
        assertThat(acme.send(acme.request("/v1/inventory/" + sku)
                                .header("If-None-Match", etag)
                                .GET())
                        .statusCode())
                .isEqualTo(304);
        // an order sells one after the count was read: the count is stale
        acme.post("/v1/orders", key(), Http.order("c-1", "pm_card_visa", sku, 1));
        HttpResponse<String> stale = put(sku, etag, 20);
        assertThat(stale.statusCode()).isEqualTo(412);
        assertThat(Http.json(stale).get("type").asString()).endsWith("precondition-failed");
        assertThat(put(sku, null, 20).statusCode()).isEqualTo(428);

        String current =
                acme.get("/v1/inventory/" + sku).headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> counted = put(sku, current, 20);
        assertThat(counted.statusCode()).as(counted.body()).isEqualTo(200);
        assertThat(Http.json(counted).get("onHand").asLong()).isEqualTo(20);
        assertThat(Http.json(counted).get("available").asLong()).isEqualTo(19);
        // the same PUT again (a retry after a lost response) is the same answer, not a 412
        HttpResponse<String> again = put(sku, current, 20);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.headers().firstValue("ETag"))
                .isEqualTo(counted.headers().firstValue("ETag"));
    }

    @Test
    void listsPagesByCursorWithStatusAndCustomerFilters() {
        acme.stock(sku, 20);
        String customer = "cust-" + UUID.randomUUID();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(Http.json(acme.post("/v1/orders", key(), Http.order(customer, "pm_card_visa", sku, 1)))
                    .get("order")
                    .get("id")
                    .asString());
        }
        acme.post("/v1/orders/" + ids.get(0) + "/cancel", "");
        List<String> listed = new ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            HttpResponse<String> r =
                    acme.get("/v1/orders?limit=2&customer=" + customer + (next == null ? "" : "&cursor=" + next));
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode page = Http.json(r);
            page.get("orders").forEach(o -> listed.add(o.get("id").asString()));
            next = page.get("nextCursor").isNull()
                    ? null
                    : page.get("nextCursor").asString();
            assertThat(r.headers().firstValue("Link").isPresent()).isEqualTo(next != null);
            pages++;
        } while (next != null && pages < 10);
        assertThat(listed).containsExactlyInAnyOrderElementsOf(ids).doesNotHaveDuplicates();
        assertThat(pages).isEqualTo(3);
        JsonNode cancelled = Http.json(acme.get("/v1/orders?status=cancelled&customer=" + customer));
        assertThat(cancelled.get("orders")).hasSize(1);
        assertThat(cancelled.get("orders").get(0).get("id").asString()).isEqualTo(ids.get(0));
        JsonNode confirmed = Http.json(acme.get("/v1/orders?status=CONFIRMED,CANCELLED&customer=" + customer));
        assertThat(confirmed.get("orders")).hasSize(5);
    }

    @Test
    void responsesAreGzippedForClientsThatAcceptIt() throws IOException {
        acme.stock(sku, 20);
        String customer = "cust-" + UUID.randomUUID();
        for (int i = 0; i < 6; i++) {
            acme.post("/v1/orders", key(), Http.order(customer, "pm_card_visa", sku, 1));
        }
        HttpResponse<byte[]> r = acme.sendBytes(acme.request("/v1/orders?customer=" + customer)
                .header("Accept-Encoding", "gzip")
                .GET());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Encoding")).hasValue("gzip");
        try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
            JsonNode page = Http.JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertThat(page.get("orders")).hasSize(6);
        }
    }

    @Test
    void healthMetricsAndOpenApiAreServed() {
        Http anonymous = acme.as("");
        HttpResponse<String> health = anonymous.get("/actuator/health");
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(Http.json(health).get("status").asString()).isEqualTo("UP");
        acme.stock(sku, 1);
        acme.post("/v1/orders", key(), Http.order("c-1", "pm_card_visa", sku, 1));
        // the outbox is published to the shop's EventSink by the background work: nothing stays pending
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        long pending;
        do {
            pending = Http.json(anonymous.get("/actuator/health"))
                    .get("components")
                    .get("orderkitJdbc")
                    .get("details")
                    .get("outboxPending")
                    .asLong();
            if (pending > 0) {
                sleep(200);
            }
        } while (pending > 0 && System.nanoTime() < deadline);
        assertThat(pending).as("outbox rows still pending").isZero();
        HttpResponse<String> metrics = anonymous.get("/actuator/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains("orderkit_");
        HttpResponse<String> api = anonymous.get("/v3/api-docs");
        assertThat(api.statusCode()).as(api.body()).isEqualTo(200);
        JsonNode paths = Http.json(api).get("paths");
        assertThat(paths.has("/v1/orders")).isTrue();
        // the placement's answers, async mode's 202 and 503 included
        assertThat(paths.get("/v1/orders").get("post").get("responses").propertyNames())
                .contains("200", "201", "202", "503");
        assertThat(paths.has("/v1/orders/{id}/refunds")).isTrue();
        assertThat(paths.has("/v1/inventory/{sku}")).isTrue();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private HttpResponse<String> put(String sku, String ifMatch, long onHand) {
        HttpRequest.Builder b = acme.request("/v1/inventory/" + sku)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"onHand\":" + onHand + "}"));
        if (ifMatch != null) {
            b.header("If-Match", ifMatch);
        }
        return acme.send(b);
    }

    private static HttpRequest.Builder webhook(Http http, String payload, String signature) {
        return http.request("/v1/webhooks/stripe")
                .header("Content-Type", "application/json")
                .header("Stripe-Signature", signature)
                .POST(HttpRequest.BodyPublishers.ofString(payload));
    }

    /** Stripe's scheme, as orderkit-stripe's tests sign: {@code t=<ts>,v1=hex(HMAC-SHA256(secret, "<ts>." + body))}. */
    static String sign(String secret, String payload) {
        try {
            long t = Instant.now().getEpochSecond();
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((t + ".").getBytes(StandardCharsets.US_ASCII));
            return "t=" + t + ",v1=" + HexFormat.of().formatHex(mac.doFinal(payload.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String field(HttpResponse<String> problem) {
        JsonNode errors = Http.json(problem).get("errors");
        assertThat(errors).as(problem.body()).isNotNull();
        return errors.get(0).get("field").asString();
    }
}
