package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** When a stored hold answers a repeated reserve, and which ids the public ledger looks up as orders. */
class ReservationMatchTest {
    private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

    private static Reservation holding(AllocatedLine... lines) {
        return new Reservation("r-1", ReservationState.HELD, List.of(lines), T, T, T);
    }

    private static AllocatedLine at(String sku, String location, long q) {
        return new AllocatedLine(StockKey.of(sku, location), q);
    }

    @Test
    void aHoldMatchesExactlyTheRequestsItIsAnAllocationOf() {
        Reservation split = holding(at("a", "east", 3), at("a", "west", 2), at("b", "east", 1));
        // free lines: per-SKU totals decide
        assertThat(DefaultStockLedger.holds(split, List.of(ReservationLine.of("a", 5), ReservationLine.of("b", 1))))
                .isTrue();
        assertThat(DefaultStockLedger.holds(split, List.of(ReservationLine.of("a", 4), ReservationLine.of("b", 1))))
                .isFalse();
        assertThat(DefaultStockLedger.holds(split, List.of(ReservationLine.of("a", 5))))
                .isFalse();
        assertThat(DefaultStockLedger.holds(
                        split,
                        List.of(ReservationLine.of("a", 5), ReservationLine.of("b", 1), ReservationLine.of("c", 1))))
                .isFalse();
        // fixed lines must be held where they name, the free remainder anywhere
        assertThat(DefaultStockLedger.holds(
                        split,
                        List.of(
                                ReservationLine.at("a", "west", 2),
                                ReservationLine.of("a", 3),
                                ReservationLine.at("b", "east", 1))))
                .isTrue();
        assertThat(DefaultStockLedger.holds(
                        split,
                        List.of(
                                ReservationLine.at("a", "west", 3),
                                ReservationLine.of("a", 2),
                                ReservationLine.of("b", 1))))
                .isFalse();
        assertThat(DefaultStockLedger.holds(
                        split, List.of(ReservationLine.at("a", "east", 5), ReservationLine.of("b", 1))))
                .isFalse();
        assertThat(DefaultStockLedger.holds(
                        split, List.of(ReservationLine.of("a", 5), ReservationLine.at("b", "west", 1))))
                .isFalse();
    }

    @Test
    void onlyIdsOfTheShapeCoreMintsAreLookedUpAsOrders() {
        OrderKit kit = OrderKit.builder().build();
        kit.stock().adjust(StockKey.of("a"), 5, "init");
        String orderId = kit.orders()
                .place(PlaceOrderRequest.builder(Scope.of("s"), IdempotencyKey.of("k"))
                        .line("a", 1, 10)
                        .build())
                .order()
                .id();
        assertThat(DefaultOrderService.hasOrderIdShape(orderId)).as(orderId).isTrue();
        assertThat(DefaultOrderService.hasOrderIdShape("ord_0123456789abcdef0123456789abcdef"))
                .isTrue();
        assertThat(DefaultOrderService.hasOrderIdShape("ord_0123456789ABCDEF0123456789abcdef"))
                .isFalse();
        assertThat(DefaultOrderService.hasOrderIdShape("ord_0123456789abcdef0123456789abcde"))
                .isFalse();
        assertThat(DefaultOrderService.hasOrderIdShape("r-1")).isFalse();
        assertThat(DefaultOrderService.hasOrderIdShape("rec_0123456789abcdef0123456789abcdef"))
                .isFalse();
    }
}
