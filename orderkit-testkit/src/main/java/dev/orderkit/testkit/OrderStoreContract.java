package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link dev.orderkit.core.spi.OrderStore}: lossless round trips of every order field,
 * insert-if-absent, compare-and-set updates on the version, the stale-order query the recovery
 * sweeper relies on, and the capped status count of the asynchronous placement backlog. Single-threaded; racing updates are in {@link ConcurrencyContract}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class OrderStoreContract extends ContractSupport {

    /** Subclasses are created by JUnit. */
    protected OrderStoreContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /**
     * A new order (version 0, status CREATED) with every optional part filled in.
     *
     * @param id the order id
     * @param at creation time
     * @return the order
     */
    static Order sampleOrder(String id, Instant at) {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("channel", "web");
        meta.put("note", "caf\u00e9 \u2603 \"quoted\" 'single' {braces} \\ back\nslash");
        meta.put("empty", "");
        return new Order(
                id,
                "tenant-1",
                "key-" + id,
                "f".repeat(64),
                OrderStatus.CREATED,
                "customer-42",
                List.of(OrderLine.of("sku-b", 2, 1999), OrderLine.of("sku-a", 1, 0)),
                Money.of(3998, "eur"),
                "pm_card_visa",
                meta,
                List.of(),
                null,
                null,
                0,
                at,
                at);
    }

    private static List<OrderKitEvent> events(Order o, EventType type) {
        return List.of(OrderKitEvent.of(
                type,
                o.id(),
                o.version(),
                o.scope(),
                Map.of("status", o.status().name()),
                o.updatedAt()));
    }

    @Test
    void insertedOrderRoundTripsExactly() {
        Order o = sampleOrder("ord-1", now());
        assertThat(orders().insert(o, events(o, EventType.ORDER_CREATED))).isTrue();
        assertThat(orders().find("ord-1")).contains(o);
        assertThat(orders().find("ord-2")).isEmpty();
    }

    @Test
    void insertOfAnExistingIdWritesNothing() {
        Order o = sampleOrder("ord-1", now());
        assertThat(orders().insert(o, events(o, EventType.ORDER_CREATED))).isTrue();
        Order impostor = new Order(
                "ord-1",
                "tenant-2",
                "other-key",
                "0".repeat(64),
                OrderStatus.CREATED,
                "mallory",
                List.of(OrderLine.of("sku-x", 9, 1)),
                Money.of(9, "usd"),
                "pm_other",
                Map.of(),
                List.of(),
                null,
                null,
                0,
                now().plusSeconds(1),
                now().plusSeconds(1));
        assertThat(orders().insert(impostor, events(impostor, EventType.ORDER_CREATED)))
                .isFalse();
        assertThat(orders().find("ord-1")).contains(o);
    }

    @Test
    void deleteIsCompareAndSetOnTheVersionAndForgetsTheOrder() {
        Order o = sampleOrder("ord-del", now());
        Order other = sampleOrder("ord-kept", now());
        orders().insert(o, events(o, EventType.ORDER_CREATED));
        orders().insert(other, events(other, EventType.ORDER_CREATED));
        clock.advance(Duration.ofSeconds(1));
        Order cancelled = o.withFailureReason("test").transition(OrderStatus.CANCELLED, now());
        assertThat(orders().update(cancelled, 0, events(cancelled, EventType.ORDER_CANCELLED)))
                .isTrue();

        assertThat(orders().delete("ord-del", 0)).as("stale version").isFalse();
        assertThat(orders().find("ord-del")).contains(cancelled);
        assertThat(orders().delete("ord-del", 1)).isTrue();

        assertThat(orders().find("ord-del")).isEmpty();
        assertThat(orders().findByKey(o.scope(), o.idempotencyKey())).isEmpty();
        assertThat(orders().findStale(EnumSet.allOf(OrderStatus.class), now().plusSeconds(60), 10))
                .extracting(Order::id)
                .containsExactly("ord-kept");
        assertThat(orders().delete("ord-del", 1)).as("already gone").isFalse();
        assertThat(orders().delete("never-existed", 0)).isFalse();
        assertThat(orders().find("ord-kept")).contains(other);
    }

    @Test
    void updateIsCompareAndSetOnTheVersion() {
        Order o = sampleOrder("ord-1", now());
        orders().insert(o, events(o, EventType.ORDER_CREATED));
        clock.advance(Duration.ofSeconds(1));
        Order reserved = o.withAllocations(List.of(
                        new AllocatedLine(StockKey.of("sku-a", "east"), 1),
                        new AllocatedLine(StockKey.of("sku-b", "west"), 2)))
                .transition(OrderStatus.STOCK_RESERVED, now());
        assertThat(reserved.version()).isEqualTo(1);
        assertThat(orders().update(reserved, 0, events(reserved, EventType.STOCK_RESERVED)))
                .isTrue();
        assertThat(orders().find("ord-1")).contains(reserved);

        Order lost = o.transition(OrderStatus.REJECTED, now()).withFailureReason("out_of_stock");
        assertThat(orders().update(lost, 0, events(lost, EventType.ORDER_REJECTED)))
                .isFalse();
        assertThat(orders().find("ord-1")).contains(reserved);

        clock.advance(Duration.ofSeconds(1));
        Order authorized = reserved.withPaymentId("pi_123").transition(OrderStatus.PAYMENT_AUTHORIZED, now());
        assertThat(orders().update(authorized, 1, events(authorized, EventType.PAYMENT_AUTHORIZED)))
                .isTrue();
        Order cancelled =
                authorized.withFailureReason("customer changed mind \u2603").transition(OrderStatus.CANCELLED, now());
        assertThat(orders().update(cancelled, 5, events(cancelled, EventType.ORDER_CANCELLED)))
                .isFalse();
        assertThat(orders().update(cancelled, 2, events(cancelled, EventType.ORDER_CANCELLED)))
                .isTrue();
        Order stored = orders().find("ord-1").orElseThrow();
        assertThat(stored).isEqualTo(cancelled);
        assertThat(stored.paymentId()).isEqualTo("pi_123");
        assertThat(stored.failureReason()).isEqualTo("customer changed mind \u2603");
        assertThat(stored.allocations()).hasSize(2);
        assertThat(stored.version()).isEqualTo(3);
    }

    @Test
    void updateOfAMissingOrderIsFalseAndCreatesNothing() {
        Order ghost = sampleOrder("ghost", now()).transition(OrderStatus.CONFIRMED, now());
        assertThat(orders().update(ghost, 0, events(ghost, EventType.ORDER_CONFIRMED)))
                .isFalse();
        assertThat(orders().find("ghost")).isEmpty();
    }

    @Test
    void ordersAreIndependent() {
        Order a = sampleOrder("ord-a", now());
        Order b = sampleOrder("ord-b", now());
        orders().insert(a, List.of());
        orders().insert(b, List.of());
        Order a1 = a.transition(OrderStatus.STOCK_RESERVED, now());
        assertThat(orders().update(a1, 0, List.of())).isTrue();
        assertThat(orders().find("ord-b")).contains(b);
        assertThat(orders().find("ORD-A")).isEmpty();
    }

    @Test
    void findStaleFiltersByStatusAndAgeOldestFirst() {
        Instant t = now();
        Order o1 = sampleOrder("ord-1", t.minusSeconds(50));
        Order o2 = sampleOrder("ord-2", t.minusSeconds(40));
        Order o3 = sampleOrder("ord-3", t.minusSeconds(60));
        Order o4 = sampleOrder("ord-4", t.minusSeconds(10));
        Order o5 = sampleOrder("ord-5", t.minusSeconds(70));
        for (Order o : List.of(o1, o2, o3, o4, o5)) {
            orders().insert(o, List.of());
        }
        Order o2r = o2.transition(OrderStatus.STOCK_RESERVED, t.minusSeconds(30));
        orders().update(o2r, 0, List.of());
        Order o5c = o5.transition(OrderStatus.CONFIRMED, t.minusSeconds(70));
        orders().update(o5c, 0, List.of());

        Set<OrderStatus> inFlight =
                EnumSet.of(OrderStatus.CREATED, OrderStatus.STOCK_RESERVED, OrderStatus.PAYMENT_AUTHORIZED);
        assertThat(orders().findStale(inFlight, t.minusSeconds(20), 10)).containsExactly(o3, o1, o2r);
        assertThat(orders().findStale(inFlight, t.minusSeconds(20), 2)).containsExactly(o3, o1);
        assertThat(orders().findStale(inFlight, t.minusSeconds(50), 10)).containsExactly(o3);
        assertThat(orders().findStale(inFlight, t.minusSeconds(10), 10)).containsExactly(o3, o1, o2r);
        assertThat(orders().findStale(EnumSet.of(OrderStatus.CREATED), t, 10)).containsExactly(o3, o1, o4);
        assertThat(orders().findStale(EnumSet.of(OrderStatus.CONFIRMED), t, 10)).containsExactly(o5c);
        assertThat(orders().findStale(EnumSet.of(OrderStatus.AWAITING_PAYMENT_ACTION), t, 10))
                .isEmpty();
        assertThat(orders().findStale(EnumSet.allOf(OrderStatus.class), t.plusSeconds(1), 100))
                .hasSize(5);
    }

    @Test
    void recoveryBookkeepingRoundTripsAndMovesWithCompareAndSet() {
        Instant t = now();
        Order o = sampleOrder("ord-1", t).withRecovery(Order.Recovery.fresh(t.plusSeconds(60)));
        assertThat(orders().insert(o, List.of())).isTrue();
        assertThat(orders().find("ord-1")).contains(o);
        // a failure recorded: same status and update time, next version
        Order failed = o.transition(OrderStatus.CREATED, o.updatedAt())
                .withRecovery(new Order.Recovery(
                        3, t.plusMillis(90_123), "java.lang.IllegalStateException: caf\u00e9 \"down\"", null));
        assertThat(orders().update(failed, 0, List.of())).isTrue();
        assertThat(orders().find("ord-1")).contains(failed);
        assertThat(orders().update(failed, 0, List.of())).isFalse();
        // parked
        Order parked = failed.transition(OrderStatus.NEEDS_ATTENTION, t.plusSeconds(1))
                .withRecovery(new Order.Recovery(4, t.plusSeconds(1), "x: y", OrderStatus.CREATED));
        assertThat(orders().update(parked, 1, events(parked, EventType.ORDER_NEEDS_ATTENTION)))
                .isTrue();
        Order stored = orders().find("ord-1").orElseThrow();
        assertThat(stored).isEqualTo(parked);
        assertThat(stored.recovery().parkedFrom()).isEqualTo(OrderStatus.CREATED);
        assertThat(orders().findStale(EnumSet.of(OrderStatus.NEEDS_ATTENTION), Instant.MAX, 10))
                .containsExactly(parked);
    }

    @Test
    void findDueFiltersByStatusAndNextAttemptEarliestFirst() {
        Instant t = now();
        // next attempts: o1 t-10, o2 t (due: inclusive), o3 t+1 ms (not due), o4 t-20 in another
        // status, o5 t-30 but CONFIRMED, o6 t-10 (tie with o1: by id)
        Order o1 = due(sampleOrder("ord-1", t.minusSeconds(100)), t.minusSeconds(10));
        Order o2 = due(sampleOrder("ord-2", t.minusSeconds(100)), t);
        Order o3 = due(sampleOrder("ord-3", t.minusSeconds(100)), t.plusMillis(1));
        Order o4 = sampleOrder("ord-4", t.minusSeconds(100));
        Order o5 = sampleOrder("ord-5", t.minusSeconds(100));
        Order o6 = due(sampleOrder("ord-6", t.minusSeconds(100)), t.minusSeconds(10));
        for (Order o : List.of(o1, o2, o3, o4, o5, o6)) {
            assertThat(orders().insert(o, List.of())).isTrue();
        }
        Order o4c = due(o4.transition(OrderStatus.CANCELLING, t.minusSeconds(50)), t.minusSeconds(20));
        assertThat(orders().update(o4c, 0, List.of())).isTrue();
        Order o5c = due(o5.transition(OrderStatus.CONFIRMED, t.minusSeconds(50)), t.minusSeconds(30));
        assertThat(orders().update(o5c, 0, List.of())).isTrue();

        Set<OrderStatus> recoverable = EnumSet.of(OrderStatus.CREATED, OrderStatus.CANCELLING);
        assertThat(orders().findDue(recoverable, t, 10)).containsExactly(o4c, o1, o6, o2);
        assertThat(orders().findDue(recoverable, t, 2)).containsExactly(o4c, o1);
        assertThat(orders().findDue(EnumSet.of(OrderStatus.CREATED), t, 10)).containsExactly(o1, o6, o2);
        assertThat(orders().findDue(recoverable, t.minusSeconds(11), 10)).containsExactly(o4c);
        assertThat(orders().findDue(recoverable, t.plusMillis(1), 10)).containsExactly(o4c, o1, o6, o2, o3);
        assertThat(orders().findDue(EnumSet.of(OrderStatus.CONFIRMED), t, 10)).containsExactly(o5c);
        assertThat(orders().findDue(EnumSet.noneOf(OrderStatus.class), t, 10)).isEmpty();

        // a claim moves the next attempt into the future (same status): the order is no longer due
        Order claimed = o1.transition(OrderStatus.CREATED, o1.updatedAt())
                .withRecovery(new Order.Recovery(0, t.plusSeconds(30), null, null));
        assertThat(orders().update(claimed, 0, List.of())).isTrue();
        assertThat(orders().findDue(EnumSet.of(OrderStatus.CREATED), t, 10)).containsExactly(o6, o2);
        assertThat(orders().findDue(EnumSet.of(OrderStatus.CREATED), t.plusSeconds(30), 10))
                .containsExactly(o6, o2, o3, claimed);
        // and findStale still orders by update time, untouched by the claim
        assertThat(orders().findStale(EnumSet.of(OrderStatus.CREATED), t, 10)).containsExactly(claimed, o2, o3, o6);
    }

    @Test
    void countInStatusCountsOnlyTheGivenStatusesExactlyUpToItsCap() {
        Instant t = now();
        // 5 CREATED, 3 STOCK_RESERVED, 2 CONFIRMED, 1 CANCELLED
        List<Order> created = new ArrayList<>();
        for (int i = 0; i < 11; i++) {
            Order o = sampleOrder(String.format("ord-%02d", i), t.minusSeconds(100 - i));
            assertThat(orders().insert(o, List.of())).isTrue();
            created.add(o);
        }
        for (int i = 5; i < 8; i++) {
            Order o = created.get(i);
            assertThat(orders().update(o.transition(OrderStatus.STOCK_RESERVED, t.minusSeconds(10)), 0, List.of()))
                    .isTrue();
        }
        for (int i = 8; i < 10; i++) {
            Order o = created.get(i);
            assertThat(orders().update(o.transition(OrderStatus.CONFIRMED, t.minusSeconds(10)), 0, List.of()))
                    .isTrue();
        }
        assertThat(orders().update(
                                created.get(10).withFailureReason("test").transition(OrderStatus.CANCELLED, t),
                                0,
                                List.of()))
                .isTrue();

        Set<OrderStatus> backlog = EnumSet.of(OrderStatus.CREATED, OrderStatus.STOCK_RESERVED);
        // exact below the cap
        assertThat(orders().countInStatus(backlog, 100)).isEqualTo(8);
        assertThat(orders().countInStatus(backlog, 9)).isEqualTo(8);
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.CREATED), 100)).isEqualTo(5);
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.STOCK_RESERVED), 100))
                .isEqualTo(3);
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.CONFIRMED, OrderStatus.CANCELLED), 100))
                .isEqualTo(3);
        assertThat(orders().countInStatus(EnumSet.allOf(OrderStatus.class), 100))
                .isEqualTo(11);
        // capped at atMost
        assertThat(orders().countInStatus(backlog, 8)).isEqualTo(8);
        assertThat(orders().countInStatus(backlog, 7)).isEqualTo(7);
        assertThat(orders().countInStatus(backlog, 1)).isEqualTo(1);
        assertThat(orders().countInStatus(EnumSet.allOf(OrderStatus.class), 10)).isEqualTo(10);
        // nothing to count
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.AWAITING_PAYMENT_ACTION), 100))
                .isZero();
        assertThat(orders().countInStatus(EnumSet.noneOf(OrderStatus.class), 100))
                .isZero();
        assertThat(orders().countInStatus(backlog, 0)).isZero();

        // a transition moves the order between counts; a delete removes it
        Order reserved = orders().find("ord-05").orElseThrow();
        assertThat(orders().update(reserved.transition(OrderStatus.CONFIRMED, t), 1, List.of()))
                .isTrue();
        assertThat(orders().countInStatus(backlog, 100)).isEqualTo(7);
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.CONFIRMED), 100))
                .isEqualTo(3);
        assertThat(orders().delete("ord-10", 1)).isTrue();
        assertThat(orders().countInStatus(EnumSet.of(OrderStatus.CANCELLED), 100))
                .isZero();
        assertThat(orders().countInStatus(EnumSet.allOf(OrderStatus.class), 100))
                .isEqualTo(10);
    }

    private static Order due(Order o, Instant at) {
        return o.withRecovery(Order.Recovery.fresh(at));
    }

    @Test
    void ordersWithManyLinesAndNoMetadataRoundTrip() {
        List<OrderLine> lines = new ArrayList<>();
        List<AllocatedLine> allocs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String sku = String.format("sku-%03d", i);
            lines.add(OrderLine.of(sku, 1 + i, 1_000_000L * i));
            allocs.add(new AllocatedLine(StockKey.of(sku, "loc-" + (i % 3)), 1 + i));
        }
        Instant t = now();
        Order big = new Order(
                "ord-big",
                "tenant-\u00e9",
                "k".repeat(255),
                "c".repeat(64),
                OrderStatus.CREATED,
                "c".repeat(128),
                lines,
                Money.of(Money.MAX_MINOR, "jpy"),
                "p".repeat(255),
                Map.of(),
                List.of(),
                null,
                null,
                0,
                t,
                t);
        assertThat(orders().insert(big, List.of())).isTrue();
        assertThat(orders().find("ord-big")).contains(big);
        Order withAllocs = big.withAllocations(allocs).transition(OrderStatus.STOCK_RESERVED, t.plusMillis(1));
        assertThat(orders().update(withAllocs, 0, List.of())).isTrue();
        assertThat(orders().find("ord-big")).contains(withAllocs);
    }
}
