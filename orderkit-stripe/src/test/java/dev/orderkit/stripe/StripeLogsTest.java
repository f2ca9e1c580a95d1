package dev.orderkit.stripe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderKitException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.stripe.fake.FakeStripeServer;
import dev.orderkit.stripe.fake.FakeStripeServer.Fault;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Log audit of failing Stripe calls: everything logged (slf4j-simple writes to {@code System.err},
 * captured here; {@code simplelogger.properties} puts orderkit at DEBUG) while a placement fails
 * and recovery retries it holds no API key, no client secret and no raw idempotency key, even
 * when the gateway's error message echoes the key it was given.
 */
class StripeLogsTest {
    private static final String API_KEY = "sk_test_logs_" + Long.toHexString(System.nanoTime());
    private static final String RAW_KEY = "client-idem-key-7f3e";
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalErr;
    private FakeStripeServer server;

    @BeforeEach
    void capture() {
        server = new FakeStripeServer(API_KEY);
        originalErr = System.err;
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restore() {
        System.setErr(originalErr);
        server.close();
    }

    /** A clock the test moves past the recovery delay. */
    private static final class MovableClock extends Clock {
        private volatile Instant now = Instant.parse("2026-01-01T00:00:00Z");

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private String failPlacementAndRecover(String apiKey) {
        StripePaymentPort port = StripePaymentPort.builder()
                .apiKey(apiKey)
                .apiBase(server.baseUrl())
                .captureMode(CaptureMode.MANUAL)
                .readTimeout(Duration.ofMillis(400))
                .build();
        MovableClock clock = new MovableClock();
        OrderKit kit = OrderKit.builder()
                .paymentPort(port)
                .clock(clock)
                .retry(RetrySettings.defaults().withPaymentRetries(1, Duration.ofMillis(1), Duration.ofMillis(2)))
                .build();
        kit.stock().adjust(StockKey.of("sku-1"), 10, "initial");
        PlaceOrderRequest request = PlaceOrderRequest.builder(Scope.of("shop-1"), IdempotencyKey.of(RAW_KEY))
                .customerRef("cust-1")
                .currency("eur")
                .paymentMethod("pm_card_visa")
                .line("sku-1", 1, 1250)
                .build();
        assertThatThrownBy(() -> kit.orders().place(request)).isInstanceOf(OrderKitException.class);
        clock.now = clock.now.plus(Duration.ofMinutes(10));
        kit.orders().recover(); // the gateway still fails: recovery logs the failed attempt
        System.err.flush();
        return err.toString(StandardCharsets.UTF_8);
    }

    private static void assertClean(String logs, String apiKey) {
        assertThat(logs).contains("recovery of order"); // the audit saw the failure's log lines
        assertThat(logs)
                .doesNotContain(apiKey)
                .doesNotContain(apiKey.substring(8)) // not even the key's tail
                .doesNotContain("client_secret")
                .doesNotContain("_secret_")
                .doesNotContain(RAW_KEY);
    }

    @Test
    void gatewayErrorsAfterRetriesLogNoSecret() {
        server.inject(Fault.SERVER_ERROR, 1000, "/v1/payment_intents", null);
        assertClean(failPlacementAndRecover(API_KEY), API_KEY);
    }

    @Test
    void aRejectedApiKeyEchoedByTheGatewayIsNotLogged() {
        String wrong = "sk_test_wrong_" + Long.toHexString(System.nanoTime());
        assertClean(failPlacementAndRecover(wrong), wrong);
    }
}
