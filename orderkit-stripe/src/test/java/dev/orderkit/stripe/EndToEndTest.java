package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** OrderKit (in-memory backends) + StripePaymentPort + the fake Stripe server, whole lifecycles. */
class EndToEndTest {
    StripeKit k;

    @AfterEach
    void stop() {
        if (k != null) {
            k.close();
        }
    }

    JsonNode onlyPaymentIntent(Order o) {
        List<JsonNode> pis = k.server.paymentIntentsOf(o.id());
        assertThat(pis).hasSize(1);
        return pis.get(0);
    }

    @Test
    void successfulOrderAuthorizesThenFulfilCaptures() {
        k = new StripeKit(CaptureMode.MANUAL);
        PlaceOrderResult r = k.place("e2e-ok", "pm_card_visa", 2);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.order().status()).isEqualTo(OrderStatus.CONFIRMED);
        JsonNode pi = onlyPaymentIntent(r.order());
        assertThat(pi.get("id").asText()).isEqualTo(r.order().paymentId());
        assertThat(pi.get("status").asText()).isEqualTo("requires_capture");
        assertThat(pi.get("amount").asLong()).isEqualTo(2500);
        assertThat(pi.get("amount_received").asLong()).isZero();
        assertThat(k.server.requests().get(0).idempotencyKey())
                .isEqualTo(r.order().paymentKey("authorize"));

        Order fulfilled = k.kit.orders().fulfil(StripeKit.SCOPE, r.order().id());
        assertThat(fulfilled.status()).isEqualTo(OrderStatus.FULFILLED);
        pi = onlyPaymentIntent(r.order());
        assertThat(pi.get("status").asText()).isEqualTo("succeeded");
        assertThat(pi.get("amount_received").asLong()).isEqualTo(2500);
        assertThat(k.onHand()).isEqualTo(8);
        // fulfil again: idempotent, no second capture
        k.kit.orders().fulfil(StripeKit.SCOPE, r.order().id());
        assertThat(k.server.applied("/capture")).isEqualTo(1);
    }

    @Test
    void declineReleasesStockAndIsReplayedOnRetry() {
        k = new StripeKit(CaptureMode.MANUAL);
        PlaceOrderResult r = k.place("e2e-decline", "pm_decline", 3);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertThat(r.declineReason()).contains("generic_decline");
        assertThat(k.available()).isEqualTo(10);
        PlaceOrderResult again = k.place("e2e-decline", "pm_decline", 3);
        assertThat(again.replayed()).isTrue();
        assertThat(again.outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertThat(again.order().id()).isEqualTo(r.order().id());
        assertThat(k.server.requests()).hasSize(1); // the retry never reached Stripe
    }

    @Test
    void cancellationVoidsTheAuthorization() {
        k = new StripeKit(CaptureMode.MANUAL);
        PlaceOrderResult r = k.place("e2e-cancel", "pm_card_visa", 4);
        assertThat(k.available()).isEqualTo(6);
        Order cancelled = k.kit.orders().cancel(StripeKit.SCOPE, r.order().id(), "customer-request");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(onlyPaymentIntent(r.order()).get("status").asText()).isEqualTo("canceled");
        assertThat(k.available()).isEqualTo(10);
        assertThat(k.server.requests())
                .filteredOn(x -> x.path().endsWith("/cancel"))
                .extracting(x -> x.idempotencyKey())
                .containsOnly(r.order().paymentKey("void"));
    }

    @Test
    void refundAfterFulfilment() {
        k = new StripeKit(CaptureMode.MANUAL);
        PlaceOrderResult r = k.place("e2e-refund", "pm_card_visa", 1);
        k.kit.orders().fulfil(StripeKit.SCOPE, r.order().id());
        // the refund call fails ambiguously once: the retry reuses the key, one refund only
        k.server.inject(Fault.TRUNCATED_AFTER_APPLY, 1, "/v1/refunds", null);
        Order cancelled = k.kit.orders().cancel(StripeKit.SCOPE, r.order().id(), "returned");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(k.server.refundedOf(r.order().paymentId())).isEqualTo(1250);
        assertThat(k.server.applied("/v1/refunds")).isEqualTo(1);
        assertThat(k.port.metrics().idempotentReplays()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void automaticCaptureModeChargesAtPlacementAndCancellationRefunds() {
        k = new StripeKit(CaptureMode.AUTOMATIC);
        PlaceOrderResult r = k.place("e2e-auto", "pm_card_visa", 2);
        assertThat(onlyPaymentIntent(r.order()).get("status").asText()).isEqualTo("succeeded");
        k.kit.orders().cancel(StripeKit.SCOPE, r.order().id(), "changed-mind");
        assertThat(k.server.refundedOf(r.order().paymentId())).isEqualTo(2500);
        assertThat(k.available()).isEqualTo(10);
    }

    @Test
    void retryStormWithFaultsCreatesOnePaymentIntent() throws Exception {
        k = new StripeKit(CaptureMode.MANUAL);
        k.server.processingDelay(Duration.ofMillis(20));
        k.server.inject(Fault.SERVER_ERROR, 2, "/v1/payment_intents", null);
        k.server.inject(Fault.DROP_AFTER_APPLY, 2, "/v1/payment_intents", null);
        k.server.inject(Fault.RATE_LIMIT, 1, "/v1/payment_intents", null);
        k.server.inject(Fault.TRUNCATED_AFTER_APPLY, 2, "/v1/payment_intents", null);
        k.server.inject(Fault.SLOW_AFTER_APPLY, 1, "/v1/payment_intents", Duration.ofMillis(700));
        int threads = 16;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<PlaceOrderResult>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < threads; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    OrderKitException last = null;
                    for (int attempt = 0; attempt < 10; attempt++) { // a client retrying with the same key
                        try {
                            return k.place("storm-key", "pm_card_visa", 2);
                        } catch (OrderKitException e) {
                            if (!e.isRetryable()) {
                                throw e;
                            }
                            last = e;
                            Thread.sleep(20);
                        }
                    }
                    throw last;
                }));
            }
            go.countDown();
            List<String> orderIds = new ArrayList<>();
            for (Future<PlaceOrderResult> f : futures) {
                PlaceOrderResult r = f.get();
                assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
                orderIds.add(r.order().id());
            }
            assertThat(orderIds).containsOnly(orderIds.get(0));
            String orderId = orderIds.get(0);
            assertThat(k.server.paymentIntentsOf(orderId)).hasSize(1);
            assertThat(k.server.applied("/v1/payment_intents")).isEqualTo(1);
            assertThat(k.available()).isEqualTo(8);
            System.out.printf(
                    "STORM threads=%d stripeRequests=%d applied=%d replays=%d metrics=%s%n",
                    threads,
                    k.server.requests().size(),
                    k.server.applied("/v1/payment_intents"),
                    k.server.requests().stream().filter(x -> x.replayed()).count(),
                    k.port.metrics());
        } finally {
            pool.shutdownNow();
        }
    }
}
