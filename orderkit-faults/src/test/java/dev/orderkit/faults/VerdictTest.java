package dev.orderkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryOutbox;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort.Payment;
import dev.orderkit.core.payment.SimulatedPaymentPort.Status;
import dev.orderkit.testkit.TestClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's checks catch what they claim to: each test plants one kind of violation in
 * otherwise consistent data (orders placed on an in-memory kit) and expects exactly that kind.
 * Runs in every build (no services needed).
 */
class VerdictTest {
    private static final FaultConfig CONFIG = new FaultConfig(
            "unit", FaultConfig.Store.POSTGRES, "jdbc:unused", "jdbc:unused", "u_", "-", true, 0, 50, 3);

    private SimulatedPaymentPort gateway;
    private OrderKit kit;
    private final List<Order> orders = new ArrayList<>();
    private final Verdict.Acks acks = new Verdict.Acks();

    /** What the kit's outbox delivered, in order (the events of the in-memory backends). */
    private final InMemoryEventSink sink = new InMemoryEventSink();

    private InMemoryStockStorage storage;
    private final TestClock clock = TestClock.startingNow();

    @BeforeEach
    void placeSome() {
        gateway = new SimulatedPaymentPort();
        InMemoryOutbox outbox = new InMemoryOutbox(sink);
        storage = new InMemoryStockStorage(outbox);
        kit = OrderKit.builder()
                .orderStore(new InMemoryOrderStore(outbox))
                .stockStorage(storage)
                .paymentPort(gateway)
                .clock(clock)
                .build();
        for (int i = 0; i < CONFIG.skus(); i++) {
            kit.stock().adjust(StockKey.of(FaultConfig.sku(i)), 100, "init-" + i);
        }
        for (int n = 0; n < 6; n++) {
            PlaceOrderResult r = kit.orders().place(CONFIG.request(n, false));
            acks.line("T place");
            acks.line("P " + FaultConfig.key(n) + " " + r.order().id() + " " + r.outcome() + " 0");
        }
        acks.line(
                "P k-1 " + kit.orders().place(CONFIG.request(1, false)).order().id() + " PLACED 1");
        reload();
    }

    private void reload() {
        orders.clear();
        for (int n = 0; n < 6; n++) {
            orders.add(kit.orders()
                    .findByKey(FaultConfig.SCOPE, IdempotencyKey.of(FaultConfig.key(n)))
                    .orElseThrow());
        }
    }

    private Verdict check() {
        Verdict v = new Verdict();
        v.checkAcks(acks, orders, CONFIG);
        v.checkRest(orders);
        v.checkPayments(orders, gateway.payments().values());
        v.checkLevels(kit.stock().levels("SKU-0"), "test");
        return v;
    }

    private Order placed() {
        return orders.stream()
                .filter(o -> o.status() == OrderStatus.CONFIRMED)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void consistentDataPasses() {
        Verdict v = check();
        assertThat(v.describe(5)).isEmpty();
        assertThat(acks.acknowledged).isEqualTo(7);
        assertThat(acks.replays).isEqualTo(1);
        assertThat(acks.attempts).isEqualTo(6);
        // key 3 pays with a declined card: no effective authorization, nothing flagged
        assertThat(orders.get(3).status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
    }

    @Test
    void twoAnswersForOneKey() {
        acks.line("P k-2 " + orders.get(2).id() + " OUT_OF_STOCK 1");
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.ANSWERS)).isEqualTo(1);
        assertThat(v.count(Verdict.Kind.LOST))
                .as("OUT_OF_STOCK vs a CONFIRMED order")
                .isEqualTo(1);
    }

    @Test
    void anAnsweredOrderThatDoesNotExistIsLost() {
        acks.line("P k-7 ord_gone PLACED 0");
        assertThat(check().count(Verdict.Kind.LOST)).isEqualTo(1);
    }

    @Test
    void anAcknowledgedCancellationThatDidNotStickIsLost() {
        acks.line("C " + placed().idempotencyKey() + " " + placed().id() + " CANCELLED");
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.LOST)).isEqualTo(1);
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void cancellingAFulfilledOrderRefundsItAndIsNoViolation() {
        Order o = placed();
        kit.orders().fulfil(FaultConfig.SCOPE, o.id());
        acks.line("F " + o.idempotencyKey() + " " + o.id() + " FULFILLED");
        kit.orders().cancel(FaultConfig.SCOPE, o.id(), "test");
        acks.line("C " + o.idempotencyKey() + " " + o.id() + " CANCELLED");
        reload();
        assertThat(check().describe(5)).isEmpty();
    }

    @Test
    void twoOrdersForOneKeyOrAnotherPayloadAreCaught() {
        Order o = placed();
        Order twin = new Order(
                "ord_twin",
                o.scope(),
                o.idempotencyKey(),
                o.fingerprint(),
                OrderStatus.CANCELLED,
                o.customerRef(),
                List.of(new OrderLine("SKU-0", 9, 1)),
                o.total(),
                o.paymentMethod(),
                o.metadata(),
                List.of(),
                null,
                null,
                1,
                o.createdAt(),
                o.updatedAt(),
                o.recovery(),
                List.of(),
                List.of());
        orders.add(twin);
        acks.line("U " + o.idempotencyKey() + " ACCEPTED ord_twin PLACED");
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.ANSWERS)).as("two orders of one key").isEqualTo(1);
        assertThat(v.count(Verdict.Kind.REUSE))
                .as("the other payload's order, the accepted reuse")
                .isEqualTo(2);
    }

    @Test
    void anOrderInFlightIsNotAtRest() {
        Order o = placed();
        orders.set(orders.indexOf(o), o.transition(OrderStatus.CANCELLING, Instant.now()));
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.NOT_AT_REST)).isEqualTo(1);
        assertThat(v.count(Verdict.Kind.ORPHAN_AUTH))
                .as("its authorization is still live")
                .isEqualTo(1);
    }

    @Test
    void aSecondAuthorizationOrALiveOneOnACancelledOrderIsCaught() {
        Order o = placed();
        List<Payment> payments = new ArrayList<>(gateway.payments().values());
        payments.add(new Payment("pay_2", o.id(), Money.of(1, "EUR"), Status.VOIDED, 0));
        Verdict v = new Verdict();
        v.checkPayments(orders, payments);
        assertThat(v.count(Verdict.Kind.DOUBLE_AUTH)).isEqualTo(1);
        assertThat(v.count(Verdict.Kind.ORPHAN_AUTH)).isZero();

        Verdict w = new Verdict();
        w.checkPayments(
                List.of(o.transition(OrderStatus.CANCELLED, Instant.now())),
                gateway.payments().values().stream()
                        .filter(p -> p.orderId().equals(o.id()))
                        .toList());
        assertThat(w.count(Verdict.Kind.ORPHAN_AUTH)).isEqualTo(1);
    }

    @Test
    void oversellDriftAndExpiredHoldsAreCaught() {
        Verdict v = new Verdict();
        StockLevel ok = kit.stock().level(StockKey.of("SKU-0")).orElseThrow();
        StockLevel over = new StockLevel(ok.key(), 3, 4, 0, ok.version(), ok.updatedAt(), StockPolicy.none());
        v.checkLevels(List.of(ok, over), "sample");
        assertThat(v.count(Verdict.Kind.OVERSELL)).isEqualTo(1);

        v.checkDrift(new DriftReport(
                1,
                List.of(),
                List.of(new DriftReport.Drift(
                        ok.key(), DriftReport.Check.REPLAY, DriftReport.Quantity.ON_HAND, 10, 11))));
        assertThat(v.count(Verdict.Kind.DRIFT)).isEqualTo(1);

        Instant now = Instant.now();
        v.checkHolds(
                List.of(
                        new Reservation("h-1", ReservationState.HELD, List.of(), now.minusSeconds(1), now, now),
                        new Reservation("h-2", ReservationState.HELD, List.of(), now.plusSeconds(5), now, now),
                        new Reservation("h-3", ReservationState.EXPIRED, List.of(), now.minusSeconds(9), now, now)),
                now);
        assertThat(v.count(Verdict.Kind.EXPIRED_HOLD)).isEqualTo(1);
        assertThat(v.total()).isEqualTo(3);
    }

    @Test
    void tornAndUnknownLinesAreIgnoredAndUntypedErrorsCounted() {
        Verdict.Acks a = new Verdict.Acks();
        a.line("READY 812");
        a.line("P k-1 ord_1");
        a.line("S k-2 ord_2");
        a.line("B k-3 10000");
        a.line("B k-3");
        a.line("R 2 1 0 0 0");
        a.line("E place BackendUnavailableException");
        a.line("X place java.lang.NullPointerException boom");
        assertThat(a.line("L 3")).isEqualTo(3);
        assertThat(a.answers).isEmpty();
        assertThat(a.accepted).isEmpty();
        assertThat(a.acceptedAnswers).isZero();
        assertThat(a.busy).isEqualTo(1);
        assertThat(a.recovered).isEqualTo(3);
        assertThat(a.errors).containsEntry("place:BackendUnavailableException", 1);
        Verdict v = new Verdict();
        v.checkAcks(a, List.of(), CONFIG);
        assertThat(v.count(Verdict.Kind.UNTYPED)).isEqualTo(1);
    }

    // ------------------------------------------------------------------ asynchronous placement

    /** Submits key {@code n} (accepted: STOCK_RESERVED), logs the S line, adds the order to the final state. */
    private Order submitted(int n) {
        SubmitResult r = kit.orders().submit(CONFIG.request(n, false));
        assertThat(r).isInstanceOf(SubmitResult.Accepted.class);
        Order o = ((SubmitResult.Accepted) r).order();
        assertThat(o.status()).isEqualTo(OrderStatus.STOCK_RESERVED);
        acks.line("T submit");
        acks.line("S " + FaultConfig.key(n) + " " + o.id() + " 0 " + o.status());
        orders.add(o);
        return o;
    }

    /** The key's order as it now is, in place of the one in {@link #orders}. */
    private Order refresh(Order o) {
        Order now = kit.orders()
                .findByKey(FaultConfig.SCOPE, IdempotencyKey.of(o.idempotencyKey()))
                .orElseThrow();
        orders.replaceAll(x -> x.id().equals(o.id()) ? now : x);
        return now;
    }

    @Test
    void anAcceptedOrderFinishedAndAnsweredPlacedIsNoConflict() {
        Order o = submitted(6);
        // a repeat while the payment is pending: accepted again, replayed
        SubmitResult again = kit.orders().submit(CONFIG.request(6, false));
        assertThat(again).isEqualTo(new SubmitResult.Accepted(o, true));
        acks.line("S " + o.idempotencyKey() + " " + o.id() + " 1 STOCK_RESERVED");
        // no payment workers: recovery drives the accepted order, then a repeat answers its outcome
        assertThat(kit.orders().recover().ordersResumed()).isEqualTo(1);
        SubmitResult done = kit.orders().submit(CONFIG.request(6, false));
        assertThat(done).isInstanceOf(SubmitResult.Finished.class);
        PlaceOrderResult r = ((SubmitResult.Finished) done).result();
        assertThat(r.order().id()).isEqualTo(o.id());
        acks.line("P " + o.idempotencyKey() + " " + o.id() + " " + r.outcome() + " 1 submit");
        assertThat(refresh(o).status()).isEqualTo(OrderStatus.CONFIRMED);
        Verdict v = check();
        assertThat(v.describe(5)).isEmpty();
        assertThat(acks.acceptedAnswers).isEqualTo(2);
        assertThat(acks.acknowledged)
                .as("7 placements, 2 acceptances, 1 finished submit")
                .isEqualTo(10);
        assertThat(acks.replays).isEqualTo(3);
        assertThat(acks.answers.get(o.idempotencyKey())).containsExactly(o.id() + " PLACED");
        assertThat(acks.accepted.get(o.idempotencyKey())).containsExactly(o.id());
    }

    @Test
    void anAcceptedAnswerNamingAMissingOrAnotherKeysOrderIsLost() {
        acks.line("S k-7 ord_gone 0");
        acks.line("S k-8 " + orders.get(1).id() + " 1");
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.LOST)).isEqualTo(2);
        assertThat(v.describe(5)).contains("k-7 was accepted as order ord_gone").contains("k-8 was accepted as order");
        assertThat(v.total()).isEqualTo(2);
    }

    @Test
    void anAcceptedOrderLeftInFlightIsNotAtRest() {
        Order o = submitted(6);
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.NOT_AT_REST)).isEqualTo(1);
        assertThat(v.describe(5)).contains(o.id()).contains("is STOCK_RESERVED");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void anAcceptedOrderThatEndedRejectedIsLost() {
        Order o = submitted(6);
        orders.replaceAll(x -> x.id().equals(o.id()) ? o.transition(OrderStatus.REJECTED, Instant.now()) : x);
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.LOST)).isEqualTo(1);
        assertThat(v.describe(5)).contains("(its stock held) but it is REJECTED");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void anAcceptedAnswerAndAPlacedAnswerNamingDifferentOrdersConflict() {
        Order o = submitted(6);
        // a (planted) second order of the key, answered PLACED by a place call
        Order twin = new Order(
                "ord_twin",
                o.scope(),
                o.idempotencyKey(),
                o.fingerprint(),
                OrderStatus.CONFIRMED,
                o.customerRef(),
                o.lines(),
                o.total(),
                o.paymentMethod(),
                o.metadata(),
                List.of(),
                null,
                null,
                1,
                o.createdAt(),
                o.updatedAt(),
                o.recovery(),
                List.of(),
                List.of());
        kit.orders().recover();
        refresh(o);
        orders.add(twin);
        acks.line("P " + o.idempotencyKey() + " ord_twin PLACED 0");
        Verdict v = check();
        assertThat(v.count(Verdict.Kind.ANSWERS))
                .as("the accepted and the placed answer name two orders; the key has two orders")
                .isEqualTo(2);
        assertThat(v.describe(5))
                .contains("was accepted as [" + o.id() + "] and answered [ord_twin PLACED]")
                .contains("has 2 orders");
        assertThat(v.total()).isEqualTo(2);

        // the same without the twin in the backend: the answer's order does not exist (LOST too)
        orders.remove(twin);
        Verdict w = check();
        assertThat(w.count(Verdict.Kind.ANSWERS)).isEqualTo(1);
        assertThat(w.count(Verdict.Kind.LOST)).isEqualTo(1);
        assertThat(w.total()).isEqualTo(2);
    }

    @Test
    void outcomesMapToTheFinalStatusesTheyAllow() {
        assertThat(Verdict.agrees("PLACED", OrderStatus.FULFILLED)).isTrue();
        assertThat(Verdict.agrees("PLACED", OrderStatus.REJECTED)).isFalse();
        assertThat(Verdict.agrees("OUT_OF_STOCK", OrderStatus.REJECTED)).isTrue();
        assertThat(Verdict.agrees("PAYMENT_DECLINED", OrderStatus.CANCELLED)).isFalse();
        assertThat(Verdict.agrees("RESERVATION_EXPIRED", OrderStatus.CANCELLED)).isTrue();
        assertThat(Verdict.atRest(OrderStatus.CONFIRMED)).isTrue();
        assertThat(Verdict.atRest(OrderStatus.NEEDS_ATTENTION)).isFalse();
        assertThat(Verdict.acceptedMayEnd(OrderStatus.PAYMENT_DECLINED)).isTrue();
        assertThat(Verdict.acceptedMayEnd(OrderStatus.CANCELLED)).isTrue();
        assertThat(Verdict.acceptedMayEnd(OrderStatus.REJECTED)).isFalse();
    }

    // ------------------------------------------------------------------ events

    /** The sink's events as the suite's deliveries: one each, from outbox "memory", in order. */
    private List<Verdict.Delivery> deliveries() {
        List<Verdict.Delivery> out = new ArrayList<>();
        List<OrderKitEvent> events = sink.events();
        for (int i = 0; i < events.size(); i++) {
            OrderKitEvent e = events.get(i);
            out.add(new Verdict.Delivery(
                    i + 1,
                    "memory",
                    i + 1,
                    e.id(),
                    e.subjectId(),
                    e.type().name(),
                    e.attributes().get("status")));
        }
        return out;
    }

    /** The outbox rows of the deliveries, all SENT. */
    private static List<Verdict.OutboxRow> rows(List<Verdict.Delivery> ds) {
        return new ArrayList<>(ds.stream()
                .map(d -> new Verdict.OutboxRow(d.outbox(), d.sequence(), d.eventId(), d.subject(), "SENT"))
                .toList());
    }

    private Verdict events(List<Verdict.Delivery> ds, List<Verdict.OutboxRow> rows) {
        List<Movement> movements = new ArrayList<>();
        for (int i = 0; i < CONFIG.skus(); i++) {
            movements.addAll(storage.movements(StockKey.of(FaultConfig.sku(i))));
        }
        Verdict v = new Verdict();
        v.checkEvents(
                ds,
                rows,
                Verdict.expectedEvents(orders, storage.reservations(EnumSet.allOf(ReservationState.class)), movements),
                orders);
        return v;
    }

    /** Orders fulfilled and cancelled, a raw hold released and one expired: every kind of event. */
    private void moreLifecycle() {
        List<Order> confirmed =
                orders.stream().filter(o -> o.status() == OrderStatus.CONFIRMED).toList();
        kit.orders().fulfil(FaultConfig.SCOPE, confirmed.get(0).id());
        kit.orders().cancel(FaultConfig.SCOPE, confirmed.get(1).id(), "test");
        kit.stock()
                .release(kit.stock()
                        .reserve(new ReservationRequest(
                                "h-released", List.of(ReservationLine.of("SKU-0", 1)), Duration.ofMinutes(1)))
                        .id());
        kit.stock()
                .reserve(new ReservationRequest(
                        "h-expired", List.of(ReservationLine.of("SKU-1", 1)), Duration.ofSeconds(1)));
        clock.advance(Duration.ofSeconds(2));
        kit.stock().expireDue(10);
        reload();
    }

    private Verdict.Delivery delivery(List<Verdict.Delivery> ds, String eventId) {
        return ds.stream().filter(d -> d.eventId().equals(eventId)).findFirst().orElseThrow();
    }

    @Test
    void everyEventDeliveredInOrderPasses() {
        moreLifecycle();
        List<Verdict.Delivery> ds = deliveries();
        Verdict v = events(ds, rows(ds));
        assertThat(v.describe(5)).isEmpty();
        // the derivation covers every kind: created, held, committed, fulfilled, released, expired, adjusted
        Map<String, String> expected = Verdict.expectedEvents(
                orders,
                storage.reservations(EnumSet.allOf(ReservationState.class)),
                storage.movements(StockKey.of("SKU-0")));
        assertThat(expected.keySet())
                .anyMatch(id -> id.endsWith(":order_created:0"))
                .anyMatch(id -> id.endsWith(":stock_reserved:0"))
                .anyMatch(id -> id.endsWith(":reservation_committed:1"))
                .anyMatch(id -> id.endsWith(":reservation_fulfilled:1"))
                .anyMatch(id -> id.equals("h-released:reservation_released:1"))
                .anyMatch(id -> id.equals("h-expired:reservation_expired:1"))
                .anyMatch(id -> id.endsWith(":stock_adjusted:init-0"));
        assertThat(ds.stream().map(Verdict.Delivery::eventId)).containsAll(expected.keySet());
    }

    @Test
    void anEventNeverRecordedIsLost() {
        moreLifecycle();
        List<Verdict.Delivery> ds = deliveries();
        // the hold of an order left no trace: not in the outbox, never delivered
        String held = placed().id() + ":stock_reserved:0";
        ds.removeIf(d -> d.eventId().equals(held));
        Verdict v = events(ds, rows(ds));
        assertThat(v.count(Verdict.Kind.LOST_EVENTS)).isEqualTo(1);
        assertThat(v.describe(5)).contains(held).contains("in no outbox");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void anEventLeftPendingIsOneLostEvent() {
        List<Verdict.Delivery> ds = deliveries();
        List<Verdict.OutboxRow> rows = rows(ds);
        String created = placed().id() + ":order_created:0";
        ds.removeIf(d -> d.eventId().equals(created));
        rows.replaceAll(r -> r.eventId().equals(created)
                ? new Verdict.OutboxRow(r.outbox(), r.sequence(), r.eventId(), r.subject(), "PENDING")
                : r);
        Verdict v = events(ds, rows);
        assertThat(v.count(Verdict.Kind.LOST_EVENTS)).isEqualTo(1);
        assertThat(v.describe(5)).contains(created + " (order ").contains("is PENDING");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void aLostFinalStatusEventIsCaught() {
        List<Verdict.Delivery> ds = deliveries();
        // the last status change of a confirmed order never reached the outbox
        ds.removeIf(d -> d.subject().equals(placed().id()) && d.type().equals("ORDER_CONFIRMED"));
        Verdict v = events(ds, rows(ds));
        assertThat(v.count(Verdict.Kind.LOST_EVENTS)).isEqualTo(1);
        assertThat(v.describe(5)).contains("is CONFIRMED").contains("says PAYMENT_AUTHORIZED");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void outboxRowsNotSentOrSentButNeverDeliveredAreLost() {
        List<Verdict.Delivery> ds = deliveries();
        List<Verdict.OutboxRow> rows = rows(ds);
        // a dead letter (delivered earlier, then DEAD: still a violation), a PENDING row, and a SENT
        // row of an event the sink never got (the mark committed, the delivery did not)
        Verdict.OutboxRow dead = rows.get(0);
        rows.set(0, new Verdict.OutboxRow(dead.outbox(), dead.sequence(), dead.eventId(), dead.subject(), "DEAD"));
        rows.add(new Verdict.OutboxRow("memory", 1000, "x:order_created:0", "x", "PENDING"));
        String authorized = placed().id() + ":payment_authorized:";
        ds.removeIf(d -> d.eventId().startsWith(authorized));
        Verdict v = events(ds, rows);
        assertThat(v.count(Verdict.Kind.LOST_EVENTS)).isEqualTo(3);
        assertThat(v.describe(5)).contains("DEAD").contains("PENDING").contains("SENT but the sink never got it");
        assertThat(v.total()).isEqualTo(3);
    }

    @Test
    void aFirstDeliveryOutOfOrderIsCaught() {
        List<Verdict.Delivery> ds = deliveries();
        Order o = placed();
        // the order's STOCK_RESERVED was first delivered after its PAYMENT_AUTHORIZED
        Verdict.Delivery reserved = delivery(ds, o.id() + ":stock_reserved:0");
        Verdict.Delivery authorized = ds.stream()
                .filter(d -> d.subject().equals(o.id()) && d.type().equals("PAYMENT_AUTHORIZED"))
                .findFirst()
                .orElseThrow();
        List<Verdict.Delivery> swapped = new ArrayList<>();
        for (Verdict.Delivery d : ds) {
            Verdict.Delivery moved = d == reserved ? authorized : d == authorized ? reserved : d;
            swapped.add(new Verdict.Delivery(
                    d.id(),
                    moved.outbox(),
                    moved.sequence(),
                    moved.eventId(),
                    moved.subject(),
                    moved.type(),
                    moved.status()));
        }
        Verdict v = events(swapped, rows(ds));
        assertThat(v.count(Verdict.Kind.OUT_OF_ORDER)).isEqualTo(1);
        assertThat(v.describe(5)).contains(o.id() + ":stock_reserved:0");
        assertThat(v.total()).isEqualTo(1);
    }

    @Test
    void redeliveriesInAnyOrderAfterTheFirstAreNoViolation() {
        List<Verdict.Delivery> ds = deliveries();
        Order o = placed();
        // a relay killed after the sink took the order's events: all of them again, newest first
        List<Verdict.Delivery> mine =
                ds.stream().filter(d -> d.subject().equals(o.id())).toList();
        long next = ds.size() + 1;
        for (int i = mine.size() - 1; i >= 0; i--) {
            Verdict.Delivery d = mine.get(i);
            ds.add(new Verdict.Delivery(
                    next++, d.outbox(), d.sequence(), d.eventId(), d.subject(), d.type(), d.status()));
        }
        assertThat(events(ds, rows(deliveries())).describe(5)).isEmpty();
    }
}
