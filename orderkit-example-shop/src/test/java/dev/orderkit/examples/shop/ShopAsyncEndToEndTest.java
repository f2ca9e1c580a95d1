package dev.orderkit.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import tools.jackson.databind.JsonNode;

/**
 * The shop in asynchronous mode ({@code shop.placement=async}) end to end: {@code POST /v1/orders}
 * answers {@code 202} + {@code Location} once the stock is held and the starter's background kit
 * pays the order; a full backlog ({@code orderkit.async-placement.max-backlog=1} here) answers {@code 503} with
 * {@code Retry-After} and writes nothing.
 */
@SpringBootTest(
        classes = {ShopApplication.class, ShopAsyncEndToEndTest.Payments.class},
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "spring.datasource.url=jdbc:h2:mem:shop-async-e2e;DB_CLOSE_DELAY=-1",
            "shop.stores.acme.api-key=" + ShopAsyncEndToEndTest.ACME,
            "shop.rate-limit.capacity=100000",
            "shop.rate-limit.refill-per-second=100000",
            "shop.placement=async",
            "orderkit.async-placement.workers=2",
            "orderkit.async-placement.max-backlog=1",
            "orderkit.async-placement.poll-every=50ms",
            "orderkit.background.initial-delay=0s",
        })
class ShopAsyncEndToEndTest {
    static final String ACME = "sk_test_acme_async_e2e";

    /** Simulated payments with a gate, to keep an accepted order unpaid. */
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
    void anAcceptedOrderIs202WithLocationAndIsPaidInTheBackground() {
        acme.stock(sku, 10);
        String key = key();
        String body = Http.order("c-async", "pm_card_visa", sku, 2);

        HttpResponse<String> accepted = postUntilNotBusy(key, body);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        JsonNode a = Http.json(accepted);
        assertThat(a.get("outcome").asString()).isEqualTo("ACCEPTED");
        String id = a.get("order").get("id").asString();
        assertThat(accepted.headers().firstValue("Location")).hasValue("/v1/orders/" + id);
        // the stock is held at once
        assertThat(acme.available(sku)).isEqualTo(8);

        // the payment workers confirm it without another call from the client
        assertThat(statusEventually(id, "CONFIRMED")).isEqualTo("CONFIRMED");
        assertThat(acme.available(sku)).isEqualTo(8);

        // the same request again: the stored 202, no second order
        HttpResponse<String> replay = acme.post("/v1/orders", key, body);
        assertThat(replay.statusCode()).isEqualTo(202);
        assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
        assertThat(replay.headers().firstValue("Location")).hasValue("/v1/orders/" + id);
        assertThat(acme.available(sku)).isEqualTo(8);

        // an outcome known at once answers as in sync mode
        HttpResponse<String> shortage = postUntilNotBusy(key(), Http.order("c-async", "pm_card_visa", sku, 9));
        assertThat(shortage.statusCode()).as(shortage.body()).isEqualTo(200);
        assertThat(Http.json(shortage).get("outcome").asString()).isEqualTo("OUT_OF_STOCK");
        assertThat(acme.available(sku)).isEqualTo(8);
    }

    @Test
    void aFullBacklogIs503WithRetryAfterAndWritesNothing() throws Exception {
        acme.stock(sku, 10);
        payments.reset();
        // one accepted order whose payment the gate holds: the backlog (max 1) is full
        HttpResponse<String> first = postUntilNotBusy(key(), Http.order("c-gated", GatedPayments.GATED, sku, 1));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        String firstId = Http.json(first).get("order").get("id").asString();
        assertThat(payments.entered.await(20, TimeUnit.SECONDS))
                .as("a payment worker took the order")
                .isTrue();

        String key = key();
        String body = Http.order("c-busy", "pm_card_visa", sku, 3);
        HttpResponse<String> busy = acme.post("/v1/orders", key, body);
        assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
        assertThat(busy.headers().firstValue("Retry-After").map(Long::parseLong))
                .hasValueSatisfying(s -> assertThat(s).isPositive());
        assertThat(busy.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = Http.json(busy);
        assertThat(problem.get("type").asString()).endsWith("/busy");
        assertThat(problem.get("backlog").asInt()).isGreaterThanOrEqualTo(1);
        assertThat(acme.available(sku)).as("nothing held for the busy request").isEqualTo(9);
        JsonNode listed = Http.json(acme.get("/v1/orders?customer=c-busy"));
        assertThat(listed.get("orders")).as("no order for the busy request").isEmpty();

        payments.gate.countDown();
        assertThat(statusEventually(firstId, "CONFIRMED")).isEqualTo("CONFIRMED");
        // the key was released with the 503: the retry is accepted and paid
        HttpResponse<String> retried = postUntilNotBusy(key, body);
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(202);
        assertThat(retried.headers().firstValue("Idempotent-Replayed")).isEmpty();
        String id = Http.json(retried).get("order").get("id").asString();
        assertThat(statusEventually(id, "CONFIRMED")).isEqualTo("CONFIRMED");
        assertThat(acme.available(sku)).isEqualTo(6);
    }

    /** POSTs, retrying a 503 after its Retry-After (as a client does), for up to 30 s. */
    private HttpResponse<String> postUntilNotBusy(String key, String body) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            HttpResponse<String> r = acme.post("/v1/orders", key, body);
            if (r.statusCode() != 503 || System.nanoTime() > deadline) {
                return r;
            }
            long seconds =
                    r.headers().firstValue("Retry-After").map(Long::parseLong).orElse(1L);
            sleep(TimeUnit.SECONDS.toMillis(Math.min(seconds, 2)));
        }
    }

    /** The order's status once it is {@code wanted}, or the last one seen after 30 s. */
    private String statusEventually(String id, String wanted) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        String status;
        do {
            HttpResponse<String> got = acme.get("/v1/orders/" + id);
            assertThat(got.statusCode()).as(got.body()).isEqualTo(200);
            status = Http.json(got).get("status").asString();
            if (!status.equals(wanted)) {
                sleep(50);
            }
        } while (!status.equals(wanted) && System.nanoTime() < deadline);
        return status;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
