package dev.orderkit.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Background;
import dev.orderkit.core.BackgroundTaskStatus;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ReadmeSnippetsTest {

    @Test
    void quickStartPlacesTheOrder() {
        assertThat(ReadmeSnippets.quickStart().outcome()).isEqualTo(PlacementOutcome.PLACED);
    }

    @Test
    void reserveDirectlyServesBothLinesFromOneLocation() {
        var hold = ReadmeSnippets.reserveDirectly();
        assertThat(hold.state()).isEqualTo(ReservationState.HELD);
        assertThat(hold.lines())
                .extracting(AllocatedLine::key)
                .containsExactly(StockKey.of("mug", "paris"), StockKey.of("plate", "paris"));
    }

    @Test
    void httpMapping() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 2, "init");
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 1)).isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 1)).as("replay").isEqualTo(201);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k1", 2))
                .as("same key, other body")
                .isEqualTo(422);
        assertThat(ReadmeSnippets.httpStatusFor(kit, null, 1)).as("no key").isEqualTo(400);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "  ", 1)).as("blank key").isEqualTo(400);
        // out of stock is a business outcome of a completed request, not a conflict (was 409)
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k2", 5)).isEqualTo(200);
        assertThat(ReadmeSnippets.httpStatusFor(kit, "k2", 5))
                .as("replayed outcome")
                .isEqualTo(200);
    }

    @Test
    void listOrdersPagesThroughOneCustomersOrders() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 500, "init");
        List<String> mine = new ArrayList<>();
        for (int i = 0; i < 230; i++) {
            var r = kit.orders()
                    .place(PlaceOrderRequest.builder(Scope.of("my-shop"), IdempotencyKey.of("k-" + i))
                            .customerRef(i % 2 == 0 ? "customer-42" : "customer-7")
                            .currency("EUR")
                            .paymentMethod("pm_card_visa")
                            .line("tee-black-m", 1, 1999)
                            .build());
            assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
            if (i % 2 == 0) {
                mine.add(r.order().id());
            }
        }
        kit.orders().cancel(Scope.of("my-shop"), mine.get(0), "test");
        List<Order> listed = ReadmeSnippets.listOrders(kit);
        assertThat(listed).hasSize(114).allMatch(o -> o.customerRef().equals("customer-42"));
        assertThat(listed).extracting(Order::id).doesNotHaveDuplicates().doesNotContain(mine.get(0));
        assertThat(listed)
                .isSortedAccordingTo(Comparator.comparing(Order::createdAt)
                        .thenComparing(Order::id)
                        .reversed());
    }

    @Test
    void backgroundWorkSnippetSchedulesItsTasksAndCloseCancelsThem() {
        assertThat(ReadmeSnippets.backgroundWork())
                .extracting(BackgroundTaskStatus::task, BackgroundTaskStatus::nextRunAt)
                .containsExactly(
                        tuple(Background.RECOVERY, null),
                        tuple(Background.EXPIRY, null),
                        tuple(Background.OUTBOX, null), // the in-memory outbox's retries
                        tuple(Background.PURGE, null),
                        tuple(Background.PAYMENTS, null));
    }

    @Test
    void asyncPlacementSnippetAcceptsAndTheWorkersConfirm() throws Exception {
        assertThat(ReadmeSnippets.asyncPlacement()).isEqualTo(OrderStatus.CONFIRMED);
    }

    @Test
    void observabilitySnippetCountsAPlacement() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        OrderKit kit = ReadmeSnippets.observability(meters, ObservationRegistry.create());
        kit.stock().adjust(StockKey.of("tee-black-m"), 2, "init");
        ReadmeSnippets.httpStatusFor(kit, "k1", 1);
        assertThat(meters.get("orderkit.placements")
                        .tag("outcome", "placed")
                        .counter()
                        .count())
                .isEqualTo(1);
    }

    @Test
    void refundSnippetRefundsHalfOnceAndRefusesTheOverRefund() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 10, "initial stock");
        Order placed = kit.orders()
                .place(PlaceOrderRequest.builder(Scope.of("my-shop"), IdempotencyKey.of("checkout-1"))
                        .currency("EUR")
                        .line("tee-black-m", 2, 1999)
                        .build())
                .order();
        kit.orders().fulfil(Scope.of("my-shop"), placed.id());
        Order refunded = ReadmeSnippets.refundAReturn(kit, placed.id());
        assertThat(refunded.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(refunded.refunded()).isEqualTo(Money.of(1999, "eur"));
        // the snippet run twice: the same refund, nothing more
        assertThat(ReadmeSnippets.refundAReturn(kit, placed.id())).isEqualTo(refunded);
    }

    @Test
    void driftCheckSnippetReportsAConsistentLedgerAsClean() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("mug", "paris"), 5, "restock");
        kit.stock().adjust(StockKey.of("mug", "berlin"), 2, "restock");
        kit.stock()
                .reserve(new ReservationRequest(
                        "cart-1", List.of(ReservationLine.at("mug", "paris", 2)), Duration.ofMinutes(5)));
        var report = ReadmeSnippets.driftCheck(kit);
        assertThat(report.checked()).isEqualTo(2);
        assertThat(report.drifts()).isEmpty();
        assertThat(report.unknown()).isEmpty();
    }

    @Test
    void demoRuns() throws Exception {
        QuickStartDemo.main(new String[0]);
    }

    @Test
    void holdRenewalExtendsTheOrdersHoldAndTheCarts() {
        OrderKit kit = OrderKit.builder().maxHold(Duration.ofHours(1)).build();
        kit.stock().adjust(StockKey.of("tee-black-m"), 10, "initial stock");
        Instant before = Instant.now();
        var hold = ReadmeSnippets.holdRenewal(kit);
        assertThat(hold.state()).isEqualTo(ReservationState.HELD);
        assertThat(hold.expiresAt()).isAfter(before.plus(Duration.ofMinutes(19)));
        assertThat(kit.stock().reservation("cart-77").orElseThrow().expiresAt())
                .isAfter(before.plus(Duration.ofMinutes(14)));
    }
}
