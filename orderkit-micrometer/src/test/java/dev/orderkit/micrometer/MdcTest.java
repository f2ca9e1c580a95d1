package dev.orderkit.micrometer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.AuthorizeRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Core puts the request context into the SLF4J MDC for every log line of a placement (core's own
 * and the code it calls, here a payment gateway), hashes the key, restores the outer context after
 * the call, and never logs the raw key. Captured with a logback ListAppender.
 */
class MdcTest {
    private static final String RAW_KEY = "client-key-4f1c-secretish";
    private final ListAppender<ILoggingEvent> captured = new ListAppender<>();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private static final org.slf4j.Logger GATEWAY_LOG = LoggerFactory.getLogger("test.gateway");

    @BeforeEach
    void capture() {
        captured.start();
        root.addAppender(captured);
        MDC.clear();
    }

    @AfterEach
    void release() {
        root.detachAppender(captured);
        MDC.clear();
    }

    private static PlaceOrderRequest order(String key) {
        return PlaceOrderRequest.builder(MeterScenario.SCOPE, IdempotencyKey.of(key))
                .customerRef("cust-1")
                .currency("eur")
                .paymentMethod("pm_ok")
                .line("sku-a", 1, 1000)
                .build();
    }

    static String sha256Prefix(String text) throws Exception {
        byte[] d = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(d).substring(0, 16);
    }

    @Test
    void everyLogLineOfAPlacementCarriesTheContextAndTheOuterContextComesBack() throws Exception {
        DelegatingPort port = new DelegatingPort() {
            @Override
            void beforeAuthorize(AuthorizeRequest request) {
                GATEWAY_LOG.info("authorizing {}", request.orderId());
            }
        };
        OrderKit kit = OrderKit.builder().paymentPort(port).build();
        kit.stock().adjust(StockKey.of("sku-a"), 5, "initial");
        MDC.put("orderkit.scope", "outer-scope"); // a caller's own context, e.g. an enclosing request
        MDC.put("request_id", "req-1");

        PlaceOrderResult result = kit.orders().place(order(RAW_KEY));

        List<ILoggingEvent> lines = captured.list.stream()
                .filter(e -> e.getLoggerName().equals("test.gateway"))
                .toList();
        assertThat(lines).hasSize(1);
        Map<String, String> mdc = lines.get(0).getMDCPropertyMap();
        assertThat(mdc)
                .containsEntry("orderkit.order_id", result.order().id())
                .containsEntry("orderkit.key_hash", sha256Prefix(RAW_KEY))
                .containsEntry("orderkit.scope", "shop-1")
                .containsEntry("request_id", "req-1");
        // after the call: the outer context is back, nothing of the placement is left
        assertThat(MDC.get("orderkit.scope")).isEqualTo("outer-scope");
        assertThat(MDC.get("orderkit.order_id")).isNull();
        assertThat(MDC.get("orderkit.key_hash")).isNull();
        assertThat(MDC.get("request_id")).isEqualTo("req-1");

        // a replay too, and the context is gone again afterwards
        MDC.clear();
        assertThat(kit.orders().place(order(RAW_KEY)).replayed()).isTrue();
        assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
        assertNoRawKey();
    }

    @Test
    void recoveryLogLinesNameTheOrderAndNeverTheRawKey() {
        DelegatingPort port = new DelegatingPort();
        InMemoryMetricsTest.MutableClock clock =
                new InMemoryMetricsTest.MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        OrderKit kit = OrderKit.builder()
                .paymentPort(port)
                .clock(clock)
                .retry(RetrySettings.defaults().withPaymentRetries(0, Duration.ofMillis(1), Duration.ofMillis(1)))
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 5, "initial");
        port.delegate.failNext(100);
        assertThatThrownBy(() -> kit.orders().place(order(RAW_KEY))).isInstanceOf(PaymentUnavailableException.class);
        String orderId = kit.orders()
                .findByKey(MeterScenario.SCOPE, IdempotencyKey.of(RAW_KEY))
                .orElseThrow()
                .id();
        captured.list.clear();
        clock.advance(Duration.ofMinutes(10)); // past stuckAfter: the order is due for recovery
        kit.orders().recover(); // the gateway still fails: recovery logs the failed attempt
        List<ILoggingEvent> recovery = captured.list.stream()
                .filter(e -> e.getFormattedMessage().contains("recovery of order"))
                .toList();
        assertThat(recovery).isNotEmpty();
        assertThat(recovery)
                .allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("orderkit.order_id", orderId));
        assertThat(MDC.get("orderkit.order_id")).isNull();
        assertNoRawKey();
    }

    private void assertNoRawKey() {
        assertThat(captured.list).allSatisfy(e -> {
            assertThat(e.getFormattedMessage()).doesNotContain(RAW_KEY);
            assertThat(e.getMDCPropertyMap().values()).noneMatch(v -> v.contains(RAW_KEY));
        });
    }
}
