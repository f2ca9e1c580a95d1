package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.stripe.fake.FakeStripeServer;
import dev.orderkit.stripe.internal.SignatureVerifier;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.jdbcx.JdbcConnectionPool;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two application instances behind a load balancer: each has its own connection pool, JDBC backend,
 * {@link OrderKit} and {@link StripeWebhookHandler}, and they share one database (H2 in memory,
 * reached through two pools) holding the stock, the orders and the durable {@link InboxStore}.
 * Stripe delivers the same signed event to both at once, many times: the order must be driven
 * exactly once.
 */
class CrossInstanceWebhookTest {
    private static final String SECRET = "whsec_cross_instance_0123456789";
    private static final String API_KEY = "sk_test_cross_" + Long.toHexString(System.nanoTime());
    private static final Scope SCOPE = Scope.of("shop-x");
    private static final int DELIVERIES = 32;

    private FakeStripeServer server;
    private StripePaymentPort port;
    private JdbcConnectionPool poolA;
    private JdbcConnectionPool poolB;
    private Instance a;
    private Instance b;

    /** One application instance. */
    private record Instance(JdbcBackend backend, OrderKit kit, StripeWebhookHandler handler) {}

    private Instance instance(JdbcConnectionPool pool) {
        JdbcBackend backend = JdbcBackend.builder()
                .dataSource(pool)
                .tablePrefix("ok_")
                .migrateOnBuild(true)
                .build();
        OrderKit kit = OrderKit.builder()
                .stockStorage(backend.stockStorage())
                .idempotencyStore(backend.idempotencyStore())
                .orderStore(backend.orderStore())
                .paymentPort(port)
                .retry(RetrySettings.defaults().withPaymentRetries(5, Duration.ofMillis(5), Duration.ofMillis(200)))
                .build();
        StripeWebhookHandler handler = StripeWebhookHandler.builder(kit.orders())
                .signingSecret(SECRET)
                .paymentPort(port)
                .inbox(backend.inboxStore())
                .build();
        return new Instance(backend, kit, handler);
    }

    @BeforeEach
    void start() {
        server = new FakeStripeServer(API_KEY);
        port = StripePaymentPort.builder()
                .apiKey(API_KEY)
                .apiBase(server.baseUrl())
                .captureMode(CaptureMode.MANUAL)
                .readTimeout(Duration.ofSeconds(2))
                .build();
        String url =
                "jdbc:h2:mem:okstripe" + Long.toHexString(System.nanoTime()) + ";DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000";
        poolA = JdbcConnectionPool.create(url, "sa", "");
        poolA.setMaxConnections(16);
        poolB = JdbcConnectionPool.create(url, "sa", "");
        poolB.setMaxConnections(16);
        a = instance(poolA);
        b = instance(poolB);
        a.kit().stock().adjust(StockKey.of("sku-1"), 10, "initial");
    }

    @AfterEach
    void stop() throws Exception {
        try (var c = poolA.getConnection();
                var st = c.createStatement()) {
            st.execute("SHUTDOWN");
        } finally {
            poolA.dispose();
            poolB.dispose();
            server.close();
        }
    }

    private static String sign(String payload) {
        return SignatureVerifier.sign(SECRET, Instant.now().getEpochSecond(), payload.getBytes(StandardCharsets.UTF_8));
    }

    private long paymentIntentReads() {
        return server.requests().stream().filter(r -> r.method().equals("GET")).count();
    }

    @Test
    void concurrentDeliveriesToTwoInstancesDriveTheOrderExactlyOnce() throws Exception {
        PlaceOrderResult placed = a.kit()
                .orders()
                .place(PlaceOrderRequest.builder(SCOPE, IdempotencyKey.of("x-1"))
                        .customerRef("cust-1")
                        .currency("eur")
                        .paymentMethod("pm_action_3ds")
                        .line("sku-1", 2, 1250)
                        .build());
        assertThat(placed.outcome()).isEqualTo(PlacementOutcome.PAYMENT_ACTION_REQUIRED);
        Order before = placed.order();
        server.customerActed(before.paymentId(), "requires_capture");
        String payload = server.event("payment_intent.succeeded", before.paymentId());
        String header = sign(payload);
        long readsBefore = paymentIntentReads();

        ExecutorService pool = Executors.newFixedThreadPool(DELIVERIES);
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<WebhookOutcome>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < DELIVERIES; i++) {
                StripeWebhookHandler h = (i % 2 == 0 ? a : b).handler();
                futures.add(pool.submit(() -> {
                    gate.await();
                    return h.handle(payload, header);
                }));
            }
            gate.countDown();
            List<WebhookOutcome> outcomes = new ArrayList<>();
            for (Future<WebhookOutcome> f : futures) {
                outcomes.add(f.get(60, TimeUnit.SECONDS));
            }
            assertThat(outcomes).filteredOn(o -> o == WebhookOutcome.ACCEPTED).hasSize(1);
            assertThat(outcomes)
                    .allMatch(o -> o == WebhookOutcome.ACCEPTED
                            || o == WebhookOutcome.DUPLICATE
                            || o == WebhookOutcome.IN_PROGRESS);
        } finally {
            pool.shutdownNow();
        }
        // only the winning delivery re-read the PaymentIntent from Stripe and applied it
        assertThat(paymentIntentReads() - readsBefore).isEqualTo(1);
        Order after = b.kit().orders().get(SCOPE, before.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(OrderStatus.CONFIRMED);
        // one payment update: PAYMENT_AUTHORIZED claimed (so no racing decline can release the hold), then CONFIRMED
        assertThat(after.version()).as("one payment update").isEqualTo(before.version() + 2);
        assertThat(a.handler().counts().get(WebhookOutcome.ACCEPTED)
                        + b.handler().counts().get(WebhookOutcome.ACCEPTED))
                .isEqualTo(1);

        // redeliveries later, to either instance, are duplicates; the shared inbox says DONE to both
        assertThat(a.handler().handle(payload, sign(payload))).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(b.handler().handle(payload, sign(payload))).isEqualTo(WebhookOutcome.DUPLICATE);
        String messageId = StripeWebhookHandler.MESSAGE_ID_PREFIX + eventId(payload);
        assertThat(a.backend().inboxStore().claim(messageId, Instant.now(), Duration.ofMinutes(1)))
                .isEqualTo(InboxStore.Claim.DONE);
        assertThat(b.backend().inboxStore().claim(messageId, Instant.now(), Duration.ofMinutes(1)))
                .isEqualTo(InboxStore.Claim.DONE);
        assertThat(paymentIntentReads() - readsBefore).isEqualTo(1);
    }

    private static String eventId(String payload) {
        Matcher m = Pattern.compile("\"id\":\"(evt_[^\"]+)\"").matcher(payload);
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
