package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.stripe.net.HttpHeaders;
import com.sun.net.httpserver.HttpServer;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.Refund;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.assertj.core.api.Condition;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code Stripe-Should-Retry} decides, as in stripe-java's {@code HttpClient#shouldRetry}: {@code true}
 * / {@code false} override the decision by status, anything else leaves it to the status. Port
 * level against a stubbed HTTP layer (a JDK server answering every request with one canned
 * response), and core level (does the kit retry?) against the fake Stripe.
 */
class StripeShouldRetryTest {
    private @Nullable HttpServer stub;
    private final AtomicInteger requests = new AtomicInteger();

    @AfterEach
    void stop() {
        if (stub != null) {
            stub.stop(0);
        }
    }

    /** A port whose every request is answered with {@code status}, the header (if any) and a Stripe error. */
    private StripePaymentPort portAnswering(int status, @Nullable String shouldRetry, String type, String code)
            throws IOException {
        return portAnswering(status, shouldRetry, type, code, "2");
    }

    /** As above, with the given {@code Retry-After} ({@code null}: none). */
    private StripePaymentPort portAnswering(
            int status, @Nullable String shouldRetry, String type, String code, @Nullable String retryAfter)
            throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        s.createContext("/", ex -> {
            requests.incrementAndGet();
            ex.getRequestBody().readAllBytes();
            byte[] body = ("{\"error\":{\"type\":\"" + type + "\",\"code\":\"" + code + "\",\"message\":\"canned\"}}")
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.getResponseHeaders().add("Request-Id", "req_stub");
            if (retryAfter != null) {
                ex.getResponseHeaders().add("Retry-After", retryAfter);
            }
            if (shouldRetry != null) {
                ex.getResponseHeaders().add("Stripe-Should-Retry", shouldRetry);
            }
            ex.sendResponseHeaders(status, body.length);
            ex.getResponseBody().write(body);
            ex.close();
        });
        s.start();
        stub = s;
        return StripePaymentPort.builder()
                .apiKey("sk_test_stub")
                .apiBase("http://127.0.0.1:" + s.getAddress().getPort())
                .build();
    }

    @ParameterizedTest(name = "HTTP {0} {2}/{3}, Stripe-Should-Retry: {1} -> retryable {4}")
    @CsvSource(
            nullValues = "absent",
            value = {
                // the header overrides the status
                "500, false,  api_error,             api_error,         false",
                "503, false,  api_error,             api_error,         false",
                "409, false,  idempotency_error,     key_in_use,        false",
                "429, false,  invalid_request_error, rate_limit,        false",
                "400, true,   invalid_request_error, lock_timeout,      true",
                "402, true,   invalid_request_error, processing_error,  true",
                // no header, or a value stripe-java does not read: the status decides
                "500, absent, api_error,             api_error,         true",
                "409, absent, idempotency_error,     key_in_use,        true",
                "429, absent, invalid_request_error, rate_limit,        true",
                "400, absent, invalid_request_error, lock_timeout,      false",
                "500, TRUE,   api_error,             api_error,         true",
                "400, TRUE,   invalid_request_error, lock_timeout,      false",
                "500, maybe,  api_error,             api_error,         true",
                "400, 1,      invalid_request_error, lock_timeout,      false"
            })
    void theHeaderDecidesWhetherAFailureIsRetryable(
            int status, @Nullable String header, String type, String code, boolean retryable) throws IOException {
        StripePaymentPort port = portAnswering(status, header, type, code);
        if (retryable) {
            assertThatThrownBy(() -> port.refund("o-1:refund:rf_1", "pi_1", Money.of(100, "eur")))
                    .isInstanceOfSatisfying(
                            PaymentUnavailableException.class,
                            e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(2)))
                    .is(new Condition<>(
                            e -> (e instanceof PaymentRateLimitedException) == (status == 429),
                            "a PaymentRateLimitedException exactly for a 429"));
            assertThat(port.metrics().transientFailures()).isEqualTo(1);
        } else {
            assertThatThrownBy(() -> port.refund("o-1:refund:rf_1", "pi_1", Money.of(100, "eur")))
                    .isInstanceOf(PaymentRejectedException.class);
            assertThat(port.metrics().rejections()).isEqualTo(1);
        }
        assertThat(requests.get()).as("the port itself never retries").isEqualTo(1);
        assertThat(StripePaymentPort.shouldRetry(null)).isNull();
    }

    /** A 429 without {@code Retry-After} is rate limited with no hint (core then pauses for its own default). */
    @Test
    void aRateLimitWithoutRetryAfterHasNoHint() throws IOException {
        StripePaymentPort port = portAnswering(429, null, "invalid_request_error", "rate_limit", null);
        assertThatThrownBy(() -> port.refund("o-1:refund:rf_1", "pi_1", Money.of(100, "eur")))
                .isInstanceOfSatisfying(
                        PaymentRateLimitedException.class,
                        e -> assertThat(e.retryAfter()).isNull());
    }

    /** Core retries what the port calls transient: with "false" the kit makes one request, without it two. */
    @ParameterizedTest(name = "Stripe-Should-Retry: {0}")
    @CsvSource(
            nullValues = "absent",
            value = {"false, 1", "absent, 2", "true, 2"})
    void theKitRetriesARefundOnlyWhenStripeAllowsIt(@Nullable String header, int refundRequests) {
        try (StripeKit k = new StripeKit(CaptureMode.MANUAL)) {
            Order placed = k.place("sr-1", "pm_card_visa", 2).order();
            k.kit.orders().fulfil(StripeKit.SCOPE, placed.id());
            k.server.shouldRetryHeader(header);
            k.server.inject(Fault.SERVER_ERROR, 1, "/v1/refunds", Duration.ZERO);
            if (refundRequests == 1) {
                assertThatThrownBy(() -> k.kit.orders()
                                .refund(StripeKit.SCOPE, placed.id(), Money.of(500, "eur"), IdempotencyKey.of("r-1")))
                        .isInstanceOf(PaymentRejectedException.class);
                Order pending = k.kit.orders().get(StripeKit.SCOPE, placed.id()).orElseThrow();
                assertThat(pending.status()).isEqualTo(OrderStatus.REFUNDING);
                assertThat(k.server.refundedOf(placed.paymentId())).isZero();
            } else {
                Order done = k.kit.orders()
                        .refund(StripeKit.SCOPE, placed.id(), Money.of(500, "eur"), IdempotencyKey.of("r-1"));
                assertThat(done.refund(Refund.idFor("r-1")).orElseThrow().status())
                        .isEqualTo(Refund.Status.SUCCEEDED);
                assertThat(k.server.refundedOf(placed.paymentId())).isEqualTo(500);
            }
            long sent = k.server.requests().stream()
                    .filter(r -> r.path().equals("/v1/refunds"))
                    .count();
            assertThat(sent).isEqualTo(refundRequests);
        }
    }

    @Test
    void onlyTheExactValuesCount() {
        assertThat(StripePaymentPort.shouldRetry(HttpHeaders.of(Map.of("Stripe-Should-Retry", List.of("true")))))
                .isTrue();
        assertThat(StripePaymentPort.shouldRetry(HttpHeaders.of(Map.of("stripe-should-retry", List.of("false")))))
                .isFalse();
        assertThat(StripePaymentPort.shouldRetry(HttpHeaders.of(Map.of("Stripe-Should-Retry", List.of("yes")))))
                .isNull();
        assertThat(StripePaymentPort.shouldRetry(HttpHeaders.of(Map.of()))).isNull();
    }
}
