package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
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
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.stripe.fake.FakeStripeServer;
import dev.orderkit.stripe.fake.FakeStripeServer.Gate;
import dev.orderkit.stripe.fake.FakeStripeServer.GatePoint;
import dev.orderkit.stripe.fake.FakeStripeServer.Recorded;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No Stripe authorization outlives an order that ended unconfirmed: {@code OrderKit} processes
 * (in-memory stores shared between them, like two JVMs on one database) over the Stripe port and the
 * fake server, with a process killed right after the gateway's approval and a slow authorize whose
 * answer lands after recovery cancelled the order. Core voids those through
 * {@code PaymentPort.voidAuthorizationByKey}, whose SPI default the Stripe port relies on (a replay
 * of the keyed create, then a cancel). Latches, no sleeps.
 */
class VoidByKeyEndToEndTest {
    static final String API_KEY = "sk_test_voidbykey_" + Long.toHexString(System.nanoTime());
    static final Scope SCOPE = Scope.of("shop-1");
    static final StockKey SKU = StockKey.of("sku-1");
    static final Duration TTL = Duration.ofMinutes(15);

    /** The process dies: an {@link Error}, so nothing in core handles it and the key's lease is kept. */
    static final class Killed extends Error {
        private static final long serialVersionUID = 1L;

        Killed(String step) {
            super("process killed before step " + step, null, false, false);
        }
    }

    /** A clock the test moves; shared by every process. */
    static final class MovableClock extends Clock {
        private final AtomicReference<Instant> now =
                new AtomicReference<>(Instant.now().truncatedTo(ChronoUnit.SECONDS));

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    FakeStripeServer server;
    MovableClock clock;
    InMemoryStockStorage stock;
    InMemoryIdempotencyStore keys;
    InMemoryOrderStore orders;

    @BeforeEach
    void start() {
        server = new FakeStripeServer(API_KEY);
        clock = new MovableClock();
        stock = new InMemoryStockStorage();
        keys = new InMemoryIdempotencyStore();
        orders = new InMemoryOrderStore(new InMemoryEventSink());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** One "JVM": its own port and kit over the shared stores. */
    OrderKit process(CaptureMode mode, StepHook hook) {
        StripePaymentPort port = StripePaymentPort.builder()
                .apiKey(API_KEY)
                .apiBase(server.baseUrl())
                .captureMode(mode)
                .readTimeout(Duration.ofSeconds(30))
                .build();
        return OrderKit.builder()
                .clock(clock)
                .stockStorage(stock)
                .idempotencyStore(keys)
                .orderStore(orders)
                .paymentPort(port)
                .retry(RetrySettings.defaults()
                        .withPaymentRetries(5, Duration.ofMillis(5), Duration.ofMillis(100))
                        .withBreaker(1000, Duration.ofSeconds(1)))
                .reservationTtl(TTL)
                .stepHook(hook)
                .build();
    }

    static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(SCOPE, IdempotencyKey.of(key))
                .customerRef("cust-1")
                .currency("eur")
                .paymentMethod("pm_card_visa")
                .line("sku-1", 2, 1250)
                .metadata("channel", "web")
                .metadata("campaign", "spring")
                .build();
    }

    Order order(OrderKit kit, String key) {
        return kit.orders().findByKey(SCOPE, IdempotencyKey.of(key)).orElseThrow();
    }

    JsonNode onlyPaymentIntent(String orderId) {
        List<JsonNode> pis = server.paymentIntentsOf(orderId);
        assertThat(pis).as("PaymentIntents of order " + orderId).hasSize(1);
        return pis.get(0);
    }

    void assertNoLiveAuthorization(Order o, CaptureMode mode) {
        JsonNode pi = onlyPaymentIntent(o.id());
        if (mode == CaptureMode.MANUAL) {
            assertThat(pi.get("status").asText()).isEqualTo("canceled");
            assertThat(pi.get("amount_capturable").asLong()).isZero();
        } else {
            // automatic capture charged at once: "voiding" it is a full refund
            assertThat(pi.get("status").asText()).isEqualTo("succeeded");
            assertThat(server.refundedOf(pi.get("id").asText())).isEqualTo(2500);
        }
        assertThat(server.applied("/v1/payment_intents"))
                .as("PaymentIntents created")
                .isEqualTo(1);
        assertThat(server.requests())
                .filteredOn(r -> r.path().endsWith("/cancel"))
                .extracting(Recorded::idempotencyKey)
                .containsOnly(o.paymentKey("void"));
    }

    @ParameterizedTest(name = "{0} capture")
    @EnumSource(CaptureMode.class)
    void killedRightAfterTheApprovalThenHoldExpiryCancelsThePaymentIntent(CaptureMode mode) {
        OrderKit dying = process(mode, (orderId, step) -> {
            if (step.equals("authorized")) {
                throw new Killed(step);
            }
        });
        dying.stock().adjust(SKU, 10, "initial");
        assertThatThrownBy(() -> dying.orders().place(request("k-killed"))).isInstanceOf(Killed.class);
        Order stuck = order(dying, "k-killed");
        assertThat(stuck.status()).isEqualTo(OrderStatus.STOCK_RESERVED);
        assertThat(stuck.paymentId()).as("the approval was never recorded").isNull();
        assertThat(onlyPaymentIntent(stuck.id()).get("status").asText())
                .isEqualTo(mode == CaptureMode.MANUAL ? "requires_capture" : "succeeded");

        clock.advance(TTL.plusMinutes(1)); // nobody resumed it before its hold expired
        OrderKit restarted = process(mode, StepHook.NONE);
        restarted.orders().recover();

        Order o = order(restarted, "k-killed");
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(o.failureReason()).isEqualTo("reservation_expired");
        assertNoLiveAuthorization(o, mode);
        // the replay of the keyed create was answered from Stripe's idempotency store
        assertThat(server.requests())
                .filteredOn(r -> r.path().equals("/v1/payment_intents"))
                .extracting(Recorded::replayed)
                .containsExactly(false, true);
        assertThat(restarted.stock().level(SKU).orElseThrow().available()).isEqualTo(10);
        PlaceOrderResult again = restarted.orders().place(request("k-killed"));
        assertThat(again.outcome()).isEqualTo(PlacementOutcome.RESERVATION_EXPIRED);
        assertThat(again.order().id()).isEqualTo(o.id());
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
    }

    @ParameterizedTest(name = "authorize held {0}")
    @EnumSource(GatePoint.class)
    void slowAuthorizeAnsweredAfterRecoveryCancelledTheOrderLeavesNoLiveAuthorization(GatePoint where)
            throws Exception {
        // AFTER_APPLY: Stripe created the PaymentIntent, its answer is slow; recovery's replay gets the
        // stored result. BEFORE_ARRIVAL: the call is still travelling; recovery's replay creates the
        // PaymentIntent (and cancels it), the late call then gets the stored result of that replay.
        Gate slow = server.gate(where, "/v1/payment_intents");
        OrderKit worker = process(CaptureMode.MANUAL, StepHook.NONE);
        worker.stock().adjust(SKU, 10, "initial");
        CompletableFuture<Object> placing = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return worker.orders().place(request("k-slow"));
                    } catch (Throwable t) {
                        return t;
                    }
                },
                r -> {
                    Thread t = new Thread(r, "slow-placement"); // never the (possibly one-thread) common pool
                    t.setDaemon(true);
                    t.start();
                });
        slow.awaitArrival(); // the worker is inside authorize

        clock.advance(TTL.plusMinutes(1)); // the call outlives the worker's lease and the hold
        OrderKit recovery = process(CaptureMode.MANUAL, StepHook.NONE);
        recovery.orders().recover(); // takes the key over, finds the hold due, cancels the order
        Order cancelled = order(recovery, "k-slow");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(cancelled.failureReason()).isEqualTo("reservation_expired");
        assertThat(onlyPaymentIntent(cancelled.id()).get("status").asText()).isEqualTo("canceled");

        slow.open(); // the stale call's answer lands now: Approved(pi) from the stored creation response
        Object outcome = placing.get(30, TimeUnit.SECONDS);
        // the stale worker's placement ends with the order recovery cancelled, not a payment
        assertThat(outcome).isInstanceOfSatisfying(PlaceOrderResult.class, r -> {
            assertThat(r.outcome()).isEqualTo(PlacementOutcome.RESERVATION_EXPIRED);
            assertThat(r.order().id()).isEqualTo(cancelled.id());
            assertThat(r.order().status()).isEqualTo(OrderStatus.CANCELLED);
        });

        Order o = order(recovery, "k-slow");
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(o.paymentId()).isNull();
        assertNoLiveAuthorization(o, CaptureMode.MANUAL);
        assertThat(server.requests())
                .filteredOn(r -> r.path().equals("/v1/payment_intents"))
                .as("one create applied; the other call was a replay")
                .extracting(Recorded::replayed)
                .containsExactlyInAnyOrder(false, true);
        // recovery's cancel applied; the worker's late Approved(pi) was not recorded but voided: a replay
        assertThat(server.requests())
                .filteredOn(r -> r.path().endsWith("/cancel"))
                .extracting(Recorded::replayed)
                .containsExactly(false, true);
        assertThat(recovery.stock().level(SKU).orElseThrow().available()).isEqualTo(10);
    }
}
