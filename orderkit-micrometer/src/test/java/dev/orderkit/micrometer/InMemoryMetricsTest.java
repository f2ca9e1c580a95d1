package dev.orderkit.micrometer;

import static dev.orderkit.micrometer.MeterScenario.count;
import static dev.orderkit.micrometer.MeterScenario.order;
import static dev.orderkit.micrometer.MeterScenario.timerCount;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Meter values after known scenarios on the in-memory backends. */
class InMemoryMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final MicrometerInstrumentation metrics =
            MicrometerInstrumentation.builder().meterRegistry(registry).build();

    @Test
    void tenPlacementsWithThreeReplaysAndTwoShortfalls() {
        OrderKit kit = OrderKit.builder().instrumentation(metrics).build();
        MeterScenario.runAndCheck(kit, registry);
        assertThat(registry.get("orderkit.combiner.calls").functionCounter().count())
                .isEqualTo(kit.combinerStats().calls());
        assertThat(registry.get("orderkit.payment.circuit.state")
                        .tag("state", "closed")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(registry.get("orderkit.payment.circuit.state")
                        .tag("state", "open")
                        .gauge()
                        .value())
                .isZero();
    }

    @Test
    void paymentRetriesAndTheOpenBreakerAreCounted() {
        SimulatedPaymentPort port = new SimulatedPaymentPort();
        OrderKit kit = OrderKit.builder()
                .instrumentation(metrics)
                .paymentPort(port)
                .retry(RetrySettings.defaults()
                        .withPaymentRetries(2, Duration.ofMillis(1), Duration.ofMillis(2))
                        .withBreaker(3, Duration.ofMinutes(10)))
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 10, "initial");
        port.failNext(2); // two transient failures, then approved: 2 retries
        assertThat(kit.orders().place(order("r1", 1)).outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(count(registry, "orderkit.retries", "cause", "payment_unavailable"))
                .isEqualTo(2);
        assertThat(timerCount(registry, "orderkit.payment.duration", "operation", "authorize", "outcome", "approved"))
                .isEqualTo(1);

        port.failNext(100); // 3 failed attempts of one call open the breaker (threshold 3)
        assertThatThrownBy(() -> kit.orders().place(order("r2", 1))).isInstanceOf(PaymentUnavailableException.class);
        assertThat(count(registry, "orderkit.retries", "cause", "payment_unavailable"))
                .isEqualTo(4);
        assertThat(count(registry, "orderkit.payment.circuit.transitions", "state", "open"))
                .isEqualTo(1);
        assertThat(registry.get("orderkit.payment.circuit.state")
                        .tag("state", "open")
                        .gauge()
                        .value())
                .isEqualTo(1);
        assertThat(timerCount(
                        registry,
                        "orderkit.payment.duration",
                        "operation",
                        "authorize",
                        "outcome",
                        "payment_unavailable"))
                .isEqualTo(1);
        assertThat(timerCount(registry, "orderkit.placement.duration", "outcome", "payment_unavailable"))
                .isEqualTo(1);
    }

    @Test
    void inProgressAnswersAreCounted() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        DelegatingPort blocking = new DelegatingPort() {
            @Override
            void beforeAuthorize(AuthorizeRequest request) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        OrderKit kit = OrderKit.builder()
                .instrumentation(metrics)
                .paymentPort(blocking)
                .inProgressWait(Duration.ZERO)
                .build();
        kit.stock().adjust(StockKey.of("sku-a"), 10, "initial");
        CompletableFuture<PlacementOutcome> first = CompletableFuture.supplyAsync(
                () -> kit.orders().place(order("p1", 1)).outcome());
        assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThatThrownBy(() -> kit.orders().place(order("p1", 1))).isInstanceOf(RequestInProgressException.class);
        release.countDown();
        assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(PlacementOutcome.PLACED);
        assertThat(count(registry, "orderkit.idempotency.in.progress")).isEqualTo(1);
        assertThat(timerCount(registry, "orderkit.placement.duration", "outcome", "in_progress"))
                .isEqualTo(1);
        assertThat(count(registry, "orderkit.placements", "outcome", "placed", "replayed", "false"))
                .isEqualTo(1);
    }

    @Test
    void expiriesRecoveryAndPurgeRunsAreCounted() {
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        OrderKit kit = OrderKit.builder().instrumentation(metrics).clock(clock).build();
        kit.stock().adjust(StockKey.of("sku-a"), 10, "initial");
        kit.stock()
                .reserve(new ReservationRequest(
                        "res-1", List.of(ReservationLine.of("sku-a", 2)), Duration.ofMinutes(1)));
        kit.stock()
                .reserve(new ReservationRequest(
                        "res-2", List.of(ReservationLine.of("sku-a", 1)), Duration.ofMinutes(1)));
        clock.advance(Duration.ofMinutes(2));
        assertThat(kit.stock().expireDue(1)).isEqualTo(2);
        assertThat(count(registry, "orderkit.reservations.expired")).isEqualTo(2);
        kit.orders().recover();
        kit.orders().recover();
        assertThat(count(registry, "orderkit.recovery.runs")).isEqualTo(2);
        assertThat(count(registry, "orderkit.recovery.orders", "result", "resumed"))
                .isZero();
        kit.purge();
        assertThat(count(registry, "orderkit.purge.runs")).isEqualTo(1);
    }

    /** A clock tests move by hand. */
    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

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
}
