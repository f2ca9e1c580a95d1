package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderService.SweepReport;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One log line per recovery failure: a WARN line with the order id, its status, the attempt and
 * the error (class and message), and no stack trace (that is at DEBUG, off in the tests'
 * slf4j-simple configuration, whose default level is INFO). slf4j-simple writes to
 * {@code System.err} as it is at each call, so the test swaps it for the sweep.
 */
class RecoveryLoggingTest {
    private static final Instant T0 = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void eachFailureIsOneWarnLineWithoutAStackTrace() {
        InMemoryOrderStore orders = new InMemoryOrderStore(EventSink.discarding());
        OrderKit kit = OrderKit.builder()
                .orderStore(orders)
                .paymentPort(new SimulatedPaymentPort())
                .clock(Clock.fixed(T0, ZoneOffset.UTC))
                .build();
        for (int i = 0; i < 5; i++) {
            // FULFILLING with a payment the gateway never made: every capture is refused
            Instant at = T0.minus(Duration.ofHours(1));
            orders.insert(
                    new Order(
                            "poison-" + i,
                            "shop",
                            "key-" + i,
                            "f".repeat(64),
                            OrderStatus.FULFILLING,
                            "c",
                            List.of(OrderLine.of("sku", 1, 100)),
                            Money.of(100, "eur"),
                            "pm_card_visa",
                            Map.of(),
                            List.of(),
                            "pi_missing_" + i,
                            null,
                            3,
                            at,
                            at),
                    List.of());
        }

        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream original = System.err;
        SweepReport report;
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            report = kit.orders().recover();
        } finally {
            System.setErr(original);
        }
        String out = captured.toString(StandardCharsets.UTF_8);
        original.print(out);

        assertThat(report.ordersFailed()).isEqualTo(5);
        List<String> lines =
                Arrays.stream(out.split("\\R")).filter(l -> !l.isBlank()).toList();
        assertThat(lines).as("one line per failure, nothing else").hasSize(5);
        for (int i = 0; i < 5; i++) {
            String id = "poison-" + i;
            assertThat(lines)
                    .filteredOn(l -> l.contains("order " + id + " "))
                    .singleElement()
                    .satisfies(l -> assertThat(l)
                            .contains("WARN")
                            .contains("(FULFILLING)")
                            .contains("attempt 1/10")
                            .contains(PaymentRejectedException.class.getName() + ": no such payment: pi_missing_")
                            .contains("next attempt at " + T0.plusSeconds(30)));
        }
        assertThat(out).doesNotContain("\tat ").doesNotContain("Exception in");
    }
}
