package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Contract of the whole placement flow ({@link dev.orderkit.core.OrderService} and
 * {@link dev.orderkit.core.StockLedger} from core) running on the backend under test: exactly-once
 * placement per key (design invariant 2), key reuse (3), all-or-nothing (4), scope isolation (8),
 * business outcomes replayed like successes, resumption after transient failures, the order
 * lifecycle (cancel, fulfil, payment webhooks) and hold expiry. Uses the
 * {@link SimulatedPaymentPort} and the {@link TestClock}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class OrderServiceContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final StockKey GADGET = StockKey.of("gadget");

    private final SimulatedPaymentPort payments = new SimulatedPaymentPort();
    private @Nullable OrderKit kit;

    /** Subclasses are created by JUnit. */
    protected OrderServiceContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** The kit over the fixture, built on first use (a test may set up the backend first). */
    private OrderKit kit() {
        OrderKit k = kit;
        if (k == null) {
            k = kitBuilder(fixture, payments).build();
            kit = k;
        }
        return k;
    }

    private static PlaceOrderRequest.Builder order(Scope scope, String key) {
        return PlaceOrderRequest.builder(scope, IdempotencyKey.of(key)).customerRef("cust-1");
    }

    private PlaceOrderResult place(PlaceOrderRequest r) {
        return kit().orders().place(r);
    }

    private long reserved(StockKey key) {
        return stock().level(key).map(StockLevel::reserved).orElseThrow();
    }

    private long onHand(StockKey key) {
        return stock().level(key).map(StockLevel::onHand).orElseThrow();
    }

    private List<Order> allOrders() {
        return orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 10_000);
    }

    private void assertAllInvariants() {
        List<String> ids = allOrders().stream().map(Order::id).toList();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("invariants")
                .isEmpty();
    }

    @Test
    void placeConfirmsCommitsStockAndAuthorizesOnce() {
        kit();
        stockUp(WIDGET, 10);
        stockUp(GADGET, 5);
        PlaceOrderResult r = place(order(SHOP, "k-1")
                .line("widget", 3, 250)
                .line("gadget", 1, 1000)
                .metadata("cart", "c-9")
                .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.replayed()).isFalse();
        Order o = r.order();
        assertThat(o.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(o.scope()).isEqualTo("shop-1");
        assertThat(o.total().minor()).isEqualTo(1750);
        assertThat(o.paymentId()).isNotNull();
        assertThat(o.allocations()).containsExactly(new AllocatedLine(GADGET, 1), new AllocatedLine(WIDGET, 3));
        assertThat(orders().find(o.id())).contains(o);
        assertThat(kit().orders().get(SHOP, o.id())).contains(o);

        Reservation res = stock().reservation(o.id()).orElseThrow();
        assertThat(res.state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(reserved(WIDGET)).isEqualTo(3);
        assertThat(reserved(GADGET)).isEqualTo(1);
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertThat(paymentOf(payments, o).status()).isEqualTo(SimulatedPaymentPort.Status.AUTHORIZED);
        assertThat(paymentOf(payments, o).amount().minor()).isEqualTo(1750);
        assertAllInvariants();
    }

    @Test
    void repeatedPlaceReplaysTheSameResult() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = order(SHOP, "k-1").line("widget", 2, 100).build();
        PlaceOrderResult first = place(req);
        clock.advance(Duration.ofMinutes(5));
        PlaceOrderResult second = place(req);
        PlaceOrderResult third = place(order(SHOP, "k-1").line("widget", 2, 100).build());
        assertThat(second.replayed()).isTrue();
        assertThat(second).isEqualTo(first.asReplay());
        assertThat(third).isEqualTo(first.asReplay());
        assertThat(allOrders()).hasSize(1);
        assertThat(reserved(WIDGET)).isEqualTo(2);
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertAllInvariants();
    }

    @Test
    void invariant3_keyReuseWithAnotherPayloadIsRejectedAndChangesNothing() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderResult first = place(order(SHOP, "k-1").line("widget", 2, 100).build());
        List<StockLevel> levels = stock().allLevels();
        assertThatThrownBy(() -> place(order(SHOP, "k-1").line("widget", 3, 100).build()))
                .isInstanceOf(IdempotencyKeyReuseException.class);
        assertThatThrownBy(() -> place(order(SHOP, "k-1")
                        .line("widget", 2, 100)
                        .customerRef("cust-2")
                        .build()))
                .isInstanceOf(IdempotencyKeyReuseException.class);
        assertThat(stock().allLevels()).isEqualTo(levels);
        assertThat(allOrders()).containsExactly(first.order());
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertThat(place(order(SHOP, "k-1").line("widget", 2, 100).build())).isEqualTo(first.asReplay());
    }

    @Test
    void outOfStockIsAnOutcomeReplayedEvenAfterRestock() {
        kit();
        stockUp(WIDGET, 2);
        PlaceOrderRequest req = order(SHOP, "k-1").line("widget", 3, 100).build();
        PlaceOrderResult r = place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.OUT_OF_STOCK);
        assertThat(r.order().status()).isEqualTo(OrderStatus.REJECTED);
        assertThat(r.shortfalls()).singleElement().satisfies(s -> {
            assertThat(s.sku()).isEqualTo("widget");
            assertThat(s.requested()).isEqualTo(3);
            assertThat(s.available()).isEqualTo(2);
        });
        assertThat(reserved(WIDGET)).isZero();
        assertThat(payments.callCount()).isZero();

        stock().adjust(WIDGET, 10, "restock", now());
        assertThat(place(req)).isEqualTo(r.asReplay());
        assertThat(reserved(WIDGET)).isZero();
        PlaceOrderResult other = place(order(SHOP, "k-2").line("widget", 3, 100).build());
        assertThat(other.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertAllInvariants();
    }

    @Test
    void multiLineOrderShortOnOneLineHoldsNothing() {
        kit();
        stockUp(WIDGET, 10);
        stockUp(GADGET, 1);
        PlaceOrderResult r = place(
                order(SHOP, "k-1").line("widget", 5, 100).line("gadget", 2, 100).build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.OUT_OF_STOCK);
        assertThat(r.shortfalls()).extracting(s -> s.sku()).containsExactly("gadget");
        assertThat(reserved(WIDGET)).isZero();
        assertThat(reserved(GADGET)).isZero();
        assertThat(stock().reservation(r.order().id())).isEmpty();
        assertAllInvariants();
    }

    @Test
    void declinedPaymentReleasesTheStock() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = order(SHOP, "k-1")
                .paymentMethod("pm_decline_card")
                .line("widget", 4, 100)
                .build();
        PlaceOrderResult r = place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertThat(r.declineReason()).contains("card_declined");
        assertThat(r.order().status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(stock().reservation(r.order().id()).orElseThrow().state()).isEqualTo(ReservationState.RELEASED);
        assertThat(reserved(WIDGET)).isZero();
        assertThat(place(req)).isEqualTo(r.asReplay());
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertAllInvariants();
    }

    @Test
    void actionRequiredHoldsStockUntilTheWebhookConfirms() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderResult r = place(order(SHOP, "k-1")
                .paymentMethod("pm_action_3ds")
                .line("widget", 4, 100)
                .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_ACTION_REQUIRED);
        Order o = r.order();
        assertThat(o.status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.HELD);
        assertThat(reserved(WIDGET)).isEqualTo(4);
        assertAllInvariants();

        Order confirmed = kit().orders().applyPaymentUpdate(o.id(), new PaymentResult.Approved(paymentIdOf(o)));
        assertThat(confirmed.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(orders().find(o.id())).contains(confirmed);
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        Order again = kit().orders().applyPaymentUpdate(o.id(), new PaymentResult.Declined("late", "reordered"));
        assertThat(again).isEqualTo(confirmed);
        assertThat(reserved(WIDGET)).isEqualTo(4);
        assertAllInvariants();
    }

    @Test
    void actionRequiredThenDeclinedWebhookReleasesStock() {
        kit();
        stockUp(WIDGET, 10);
        Order o = place(order(SHOP, "k-1")
                        .paymentMethod("pm_action_3ds")
                        .line("widget", 4, 100)
                        .build())
                .order();
        Order declined = kit().orders().applyPaymentUpdate(o.id(), new PaymentResult.Declined("auth_failed", "3ds"));
        assertThat(declined.status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(reserved(WIDGET)).isZero();
        assertAllInvariants();
    }

    @Test
    void unansweredPaymentActionExpiresThroughRecovery() {
        kit();
        stockUp(WIDGET, 10);
        Order o = place(order(SHOP, "k-1")
                        .paymentMethod("pm_action_3ds")
                        .line("widget", 4, 100)
                        .build())
                .order();
        clock.advance(Duration.ofMinutes(10));
        assertThat(kit().orders().recover().ordersExpired()).isZero();
        assertThat(reserved(WIDGET)).isEqualTo(4);

        clock.advance(Duration.ofMinutes(6));
        kit().orders().recover();
        Order after = orders().find(o.id()).orElseThrow();
        assertThat(after.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(stock().reservation(o.id()).orElseThrow().state().isActive()).isFalse();
        assertThat(reserved(WIDGET)).isZero();
        assertThat(paymentOf(payments, o).status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED);
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD))).isEmpty();
        assertAllInvariants();
    }

    @Test
    void invariant8_scopesAreIsolated() {
        kit();
        stockUp(WIDGET, 10);
        Scope other = Scope.of("shop-2");
        PlaceOrderResult mine =
                place(order(SHOP, "same-key").line("widget", 1, 100).build());
        PlaceOrderResult theirs =
                place(order(other, "same-key").line("widget", 2, 100).build());
        assertThat(theirs.replayed()).isFalse();
        assertThat(theirs.order().id()).isNotEqualTo(mine.order().id());
        assertThat(theirs.order().scope()).isEqualTo("shop-2");
        assertThat(reserved(WIDGET)).isEqualTo(3);

        assertThat(kit().orders().get(other, mine.order().id())).isEmpty();
        assertThat(kit().orders().get(SHOP, mine.order().id())).isPresent();
        assertThatThrownBy(() -> kit().orders().cancel(other, mine.order().id(), "not yours"))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit().orders().fulfil(other, mine.order().id()))
                .isInstanceOf(NotFoundException.class);
        assertThat(orders().find(mine.order().id()).orElseThrow().status()).isEqualTo(OrderStatus.CONFIRMED);
        assertAllInvariants();
    }

    @Test
    void cancelReleasesStockVoidsPaymentAndIsIdempotent() {
        kit();
        stockUp(WIDGET, 10);
        Order o = place(order(SHOP, "k-1").line("widget", 4, 100).build()).order();
        Order cancelled = kit().orders().cancel(SHOP, o.id(), "customer request");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(cancelled.failureReason()).isEqualTo("customer request");
        assertThat(orders().find(o.id())).contains(cancelled);
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.RELEASED);
        assertThat(reserved(WIDGET)).isZero();
        assertThat(paymentOf(payments, o).status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED);
        assertThat(kit().orders().cancel(SHOP, o.id(), "again")).isEqualTo(cancelled);
        assertAllInvariants();
    }

    @Test
    void fulfilShipsAndCapturesThenCancelRefunds() {
        kit();
        stockUp(WIDGET, 10);
        Order o = place(order(SHOP, "k-1").line("widget", 4, 100).build()).order();
        Order fulfilled = kit().orders().fulfil(SHOP, o.id());
        assertThat(fulfilled.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(onHand(WIDGET)).isEqualTo(6);
        assertThat(reserved(WIDGET)).isZero();
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.FULFILLED);
        assertThat(paymentOf(payments, o).status()).isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertThat(kit().orders().fulfil(SHOP, o.id())).isEqualTo(fulfilled);
        assertThat(onHand(WIDGET)).isEqualTo(6);
        assertAllInvariants();

        Order refunded = kit().orders().cancel(SHOP, o.id(), "returned");
        assertThat(refunded.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(paymentOf(payments, o).refundedMinor()).isEqualTo(400);
        assertThat(onHand(WIDGET)).isEqualTo(6);
        assertStockInvariants();
    }

    @Test
    void transientPaymentFailureIsResumedWithTheSameKey() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = order(SHOP, "k-1").line("widget", 4, 100).build();
        payments.failNext(FAST_RETRIES.paymentMaxRetries() + 1);
        assertThatThrownBy(() -> place(req)).isInstanceOf(PaymentUnavailableException.class);
        List<Order> stuck = allOrders();
        assertThat(stuck).singleElement().extracting(Order::status).isEqualTo(OrderStatus.STOCK_RESERVED);
        assertThat(reserved(WIDGET)).isEqualTo(4);

        PlaceOrderResult r = place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.replayed()).isFalse();
        assertThat(r.order().id()).isEqualTo(stuck.get(0).id());
        assertThat(allOrders()).hasSize(1);
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertThat(reserved(WIDGET)).isEqualTo(4);
        assertAllInvariants();
    }

    @Test
    void ambiguousPaymentTimeoutNeverAuthorizesTwice() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = order(SHOP, "k-1").line("widget", 4, 100).build();
        payments.failNextAfterApplying(FAST_RETRIES.paymentMaxRetries() + 1);
        assertThatThrownBy(() -> place(req)).isInstanceOf(PaymentUnavailableException.class);
        PlaceOrderResult r = place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(payments.appliedCount()).isEqualTo(1);
        assertThat(payments.payments()).hasSize(1);
        assertThat(allOrders()).hasSize(1);
        assertAllInvariants();
    }

    @Test
    void splitAcrossLocationsWhenNoSingleLocationSuffices() {
        kit();
        stockUp(WIDGET, 3);
        StockKey west = StockKey.of("widget", "west");
        stockUp(west, 4);
        Order o = place(order(SHOP, "k-1").line("widget", 6, 100).build()).order();
        assertThat(o.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(o.allocations()).containsExactly(new AllocatedLine(WIDGET, 3), new AllocatedLine(west, 3));
        assertThat(reserved(WIDGET)).isEqualTo(3);
        assertThat(reserved(west)).isEqualTo(3);
        Order small = place(order(SHOP, "k-2").line("widget", 1, 100).build()).order();
        assertThat(small.allocations()).containsExactly(new AllocatedLine(west, 1));
        assertAllInvariants();
    }

    @Test
    void expiredHoldsFreeStockForLaterReservations() {
        kit();
        stockUp(WIDGET, 5);
        Reservation hold = kit().stock()
                .reserve(new ReservationRequest(
                        "hold-1", List.of(ReservationLine.of("widget", 5)), Duration.ofSeconds(1)));
        assertThat(hold.state()).isEqualTo(ReservationState.HELD);
        clock.advance(Duration.ofSeconds(2));
        Reservation next = kit().stock()
                .reserve(new ReservationRequest(
                        "hold-2", List.of(ReservationLine.of("widget", 5)), Duration.ofMinutes(1)));
        assertThat(next.state()).isEqualTo(ReservationState.HELD);
        assertThat(stock().reservation("hold-1").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(WIDGET)).isEqualTo(5);
        clock.advance(Duration.ofMinutes(2));
        assertThat(kit().stock().expireDue(10)).isEqualTo(1);
        assertThat(kit().stock().expireDue(10)).isZero();
        assertThat(reserved(WIDGET)).isZero();
        assertStockInvariants();
    }

    @Test
    void completedKeysArePurgedAfterRetention() {
        kit();
        stockUp(WIDGET, 10);
        PlaceOrderResult first = place(order(SHOP, "k-1").line("widget", 1, 100).build());
        clock.advance(Duration.ofHours(23));
        assertThat(kit().orders().recover().keysPurged()).isZero();
        clock.advance(Duration.ofHours(2));
        assertThat(kit().orders().recover().keysPurged()).isEqualTo(1);
        PlaceOrderResult again = place(order(SHOP, "k-1").line("widget", 2, 100).build());
        assertThat(again.replayed()).isFalse();
        assertThat(again.order().id()).isNotEqualTo(first.order().id());
        assertThat(reserved(WIDGET)).isEqualTo(3);
        assertAllInvariants();
    }
}
