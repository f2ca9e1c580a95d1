package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.internal.Retries;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.stripe.fake.FakeStripeServer;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import dev.orderkit.stripe.fake.FakeStripeServer.Recorded;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every injected fault × every write, run through core's own Failsafe retry policies: the retry
 * reuses the idempotency key and the server applies each write exactly once.
 */
class FaultMatrixTest {
    static final String KEY = "sk_test_matrix_0123456789";
    FakeStripeServer server;
    StripePaymentPort port;
    Retries retries;

    @BeforeEach
    void start() {
        server = new FakeStripeServer(KEY);
        port = StripePaymentPort.builder()
                .apiKey(KEY)
                .apiBase(server.baseUrl())
                .readTimeout(Duration.ofMillis(400))
                .build();
        // no jitter so the Retry-After lower bound below is exact
        retries = new Retries(settings(4));
    }

    /** Core's RetrySettings.none() cannot build Retries (Failsafe needs maxDelay > delay): see report. */
    static RetrySettings settings(int paymentRetries) {
        return new RetrySettings(
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(2),
                0,
                Duration.ofMillis(1),
                Duration.ofMillis(2),
                paymentRetries,
                Duration.ofMillis(10),
                Duration.ofSeconds(2),
                1000,
                Duration.ofSeconds(1),
                0);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    enum Op {
        AUTHORIZE("/v1/payment_intents"),
        CAPTURE("/capture"),
        VOID("/cancel"),
        REFUND("/v1/refunds");
        final String path;

        Op(String path) {
            this.path = path;
        }
    }

    static List<Arguments> matrix() {
        List<Arguments> out = new ArrayList<>();
        for (Fault f : Fault.values()) {
            for (Op op : Op.values()) {
                out.add(Arguments.of(f, op));
            }
        }
        return out;
    }

    String authorizeDirect(String orderId) {
        return ((PaymentResult.Approved) port.authorize(auth(orderId))).paymentId();
    }

    static AuthorizeRequest auth(String orderId) {
        return new AuthorizeRequest(orderId + ":authorize", orderId, Money.of(2500, "usd"), "pm_card_visa", Map.of());
    }

    Supplier<PaymentResult> call(Op op, String orderId) {
        String pi = op == Op.AUTHORIZE ? null : authorizeDirect(orderId);
        if (op == Op.REFUND) {
            port.capture(orderId + ":capture", pi, Money.of(2500, "usd"));
        }
        return switch (op) {
            case AUTHORIZE -> () -> port.authorize(auth(orderId));
            case CAPTURE -> () -> port.capture(orderId + ":capture", pi, Money.of(2500, "usd"));
            case VOID -> () -> port.voidAuthorization(orderId + ":void", pi);
            case REFUND -> () -> port.refund(orderId + ":refund", pi, Money.of(1000, "usd"));
        };
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("matrix")
    void faultIsRetriedWithTheSameKeyAndAppliedOnce(Fault fault, Op op) {
        String orderId = "ord-" + fault.name().toLowerCase() + "-" + op.name().toLowerCase();
        Supplier<PaymentResult> call = call(op, orderId);
        int before = server.requests().size();
        // DROP twice: the JDK may silently resend a POST once after a connection closed without answer
        server.inject(fault, fault == Fault.DROP_AFTER_APPLY ? 2 : 1, op.path, Duration.ofMillis(900));
        long start = System.nanoTime();
        PaymentResult result = retries.payment(call::get);
        long elapsedMs = (System.nanoTime() - start) / 1_000_000;

        assertThat(result).isInstanceOf(PaymentResult.Approved.class);
        List<Recorded> attempts =
                server.requests().subList(before, server.requests().size());
        assertThat(attempts).extracting(Recorded::idempotencyKey).containsOnly(expectedKey(op, orderId));
        assertThat(attempts.size()).as("attempts").isGreaterThanOrEqualTo(2);
        assertThat(server.applied(op.path)).as("applied writes").isEqualTo(1);
        boolean afterApply = fault == Fault.DROP_AFTER_APPLY
                || fault == Fault.TRUNCATED_AFTER_APPLY
                || fault == Fault.SLOW_AFTER_APPLY;
        assertThat(attempts.stream().anyMatch(Recorded::replayed))
                .as("replayed")
                .isEqualTo(afterApply);
        if (fault == Fault.RATE_LIMIT) {
            assertThat(elapsedMs).as("Retry-After honoured").isGreaterThanOrEqualTo(950);
        }
        assertSingleCharge(orderId, op);
        System.out.printf(
                "MATRIX %-22s %-9s -> Approved, attempts=%d, applied=%d, replays=%d, %d ms%n",
                fault,
                op,
                attempts.size(),
                server.applied(op.path),
                attempts.stream().filter(Recorded::replayed).count(),
                elapsedMs);
    }

    void assertSingleCharge(String orderId, Op op) {
        var pis = server.paymentIntentsOf(orderId);
        assertThat(pis).hasSize(1);
        String status = pis.get(0).get("status").asText();
        switch (op) {
            case AUTHORIZE -> assertThat(status).isEqualTo("requires_capture");
            case CAPTURE ->
                assertThat(pis.get(0).get("amount_received").asLong()).isEqualTo(2500);
            case VOID -> assertThat(status).isEqualTo("canceled");
            case REFUND ->
                assertThat(server.refundedOf(pis.get(0).get("id").asText())).isEqualTo(1000);
        }
    }

    static String expectedKey(Op op, String orderId) {
        return orderId + ":" + op.name().toLowerCase();
    }

    @Test
    void persistentFailureAfterApplyingGivesUpThenALaterRetryGetsTheStoredResult() {
        server.inject(Fault.TRUNCATED_AFTER_APPLY, 20, "", null);
        assertThatThrownBy(() -> retries.payment(() -> port.authorize(auth("ord-persist"))))
                .isInstanceOf(PaymentUnavailableException.class);
        assertThat(server.requests()).hasSize(5); // 1 + 4 retries, stripe-java adds none
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
    }

    @Test
    void afterGivingUpTheSameKeyLaterReturnsTheOriginalPayment() {
        server.inject(Fault.SLOW_AFTER_APPLY, 3, "", Duration.ofMillis(600));
        var noRetry = new Retries(settings(0));
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> noRetry.payment(() -> port.authorize(auth("ord-later"))))
                    .isInstanceOf(PaymentUnavailableException.class);
        }
        PaymentResult later = retries.payment(() -> port.authorize(auth("ord-later")));
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
        assertThat(((PaymentResult.Approved) later).paymentId())
                .isEqualTo(server.paymentIntentsOf("ord-later").get(0).get("id").asText());
        assertThat(port.metrics().idempotentReplays()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void declineIsNeverRetriedButAnAmbiguousDeclineIsReplayed() {
        PaymentResult plain = retries.payment(() -> port.authorize(
                new AuthorizeRequest("d1:authorize", "d1", Money.of(2500, "usd"), "pm_decline", Map.of())));
        assertThat(plain).isInstanceOf(PaymentResult.Declined.class);
        assertThat(server.requests()).hasSize(1);

        server.inject(Fault.TRUNCATED_AFTER_APPLY, 1, "", null);
        PaymentResult ambiguous = retries.payment(() -> port.authorize(
                new AuthorizeRequest("d2:authorize", "d2", Money.of(2500, "usd"), "pm_decline", Map.of())));
        assertThat(ambiguous).isInstanceOf(PaymentResult.Declined.class);
        assertThat(server.requests()).hasSize(3);
        assertThat(server.requests().get(2).replayed()).isTrue();
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(2); // one per order
    }

    @Test
    void concurrentSameKeyRequestsGet409AndConvergeOnOnePaymentIntent() throws Exception {
        server.processingDelay(Duration.ofMillis(150));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<PaymentResult>> futures = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                Callable<PaymentResult> c = () -> retries.payment(() -> port.authorize(auth("ord-race")));
                futures.add(pool.submit(c));
            }
            List<String> ids = new ArrayList<>();
            for (Future<PaymentResult> f : futures) {
                ids.add(((PaymentResult.Approved) f.get()).paymentId());
            }
            assertThat(ids).containsOnly(ids.get(0));
        } finally {
            pool.shutdownNow();
        }
        assertThat(server.applied("/v1/payment_intents")).isEqualTo(1);
        assertThat(server.paymentIntentsOf("ord-race")).hasSize(1);
        assertThat(server.requests()).anyMatch(r -> r.status() == 409);
        System.out.printf(
                "MATRIX %-22s %-9s -> Approved x8, attempts=%d, applied=%d, 409s=%d%n",
                "CONCURRENT_SAME_KEY",
                "AUTHORIZE",
                server.requests().size(),
                server.applied("/v1/payment_intents"),
                server.requests().stream().filter(r -> r.status() == 409).count());
    }
}
