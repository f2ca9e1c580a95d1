package dev.orderkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort.Payment;
import dev.orderkit.core.payment.SimulatedPaymentPort.Status;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
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

    @BeforeEach
    void placeSome() {
        gateway = new SimulatedPaymentPort();
        kit = OrderKit.builder().paymentPort(gateway).build();
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
        a.line("R 2 1 0 0 0");
        a.line("E place BackendUnavailableException");
        a.line("X place java.lang.NullPointerException boom");
        assertThat(a.line("L 3")).isEqualTo(3);
        assertThat(a.answers).isEmpty();
        assertThat(a.recovered).isEqualTo(3);
        assertThat(a.errors).containsEntry("place:BackendUnavailableException", 1);
        Verdict v = new Verdict();
        v.checkAcks(a, List.of(), CONFIG);
        assertThat(v.count(Verdict.Kind.UNTYPED)).isEqualTo(1);
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
    }
}
