package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationMismatchException;
import dev.orderkit.core.ReservationOwnedException;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.StepHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of the public {@link StockLedger} against the holds {@code OrderService} owns, and of
 * repeated reservation ids, on the backend under test:
 *
 * <ul>
 *   <li>an order's hold (reservation id = order id) cannot be reserved, committed, released or
 *       fulfilled through {@link OrderKit#stock()}: {@link ReservationOwnedException} naming the
 *       order, and nothing is written; the order's own lifecycle (cancel, fulfil) still moves it;
 *   <li>{@link StockLedger#reserve} repeated with an existing id and other lines throws
 *       {@link ReservationMismatchException} and writes nothing; with the same lines it returns
 *       the existing reservation;
 *   <li>a placement whose order was cancelled before its key completed is replayed as
 *       {@link PlacementOutcome#CANCELLED}, through whatever the backend stores the response as.
 * </ul>
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class OrderOwnedHoldsContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration TTL = Duration.ofMinutes(5);
    private static final Duration LEASE = Duration.ofSeconds(30);

    private SimulatedPaymentPort payments;
    private OrderKit kit;

    /** Subclasses are created by JUnit. */
    protected OrderOwnedHoldsContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Builds the kit and stocks one SKU. */
    @BeforeEach
    protected final void buildKit() {
        payments = new SimulatedPaymentPort();
        kit = kitBuilder(fixture, payments).lease(LEASE).build();
        stockUp(WIDGET, 10);
    }

    /** Everything a rejected call must leave as it was. */
    private record Snapshot(
            List<StockLevel> levels, List<Movement> movements, List<Reservation> reservations, List<Order> orders) {}

    private Snapshot snapshot() {
        List<Reservation> reservations = new ArrayList<>(stock().reservations(EnumSet.allOf(ReservationState.class)));
        reservations.sort(Comparator.comparing(Reservation::id));
        List<Order> orders = new ArrayList<>(
                orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 10_000));
        orders.sort(Comparator.comparing(Order::id));
        return new Snapshot(stock().allLevels(), stock().movements(WIDGET), reservations, orders);
    }

    private Order placeConfirmed(String key, long quantity) {
        PlaceOrderResult r = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                        .line("widget", quantity, 500)
                        .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.order().status()).isEqualTo(OrderStatus.CONFIRMED);
        return r.order();
    }

    private static void assertOwned(String orderId, String operation, ThrowingCallable call) {
        assertThatThrownBy(call).as(operation).isInstanceOfSatisfying(ReservationOwnedException.class, e -> {
            assertThat(e.reservationId()).isEqualTo(orderId);
            assertThat(e.orderId()).isEqualTo(orderId);
            assertThat(e.operation()).isEqualTo(operation);
            assertThat(e.getMessage()).contains(orderId);
        });
    }

    private long reserved() {
        return stock().level(WIDGET).map(StockLevel::reserved).orElseThrow();
    }

    private long onHand() {
        return stock().level(WIDGET).map(StockLevel::onHand).orElseThrow();
    }

    @Test
    void anOrdersHoldCannotBeCommittedReleasedFulfilledOrReservedThroughTheStockLedger() {
        Order order = placeConfirmed("k-owned", 3);
        String id = order.id();
        Snapshot before = snapshot();

        assertOwned(id, "release", () -> kit.stock().release(id));
        assertOwned(id, "commit", () -> kit.stock().commit(id));
        assertOwned(id, "fulfil", () -> kit.stock().fulfil(id));
        assertOwned(
                id,
                "reserve",
                () -> kit.stock().reserve(new ReservationRequest(id, List.of(ReservationLine.of("widget", 3)), TTL)));
        assertOwned(
                id,
                "reserve",
                () -> kit.stock().reserve(new ReservationRequest(id, List.of(ReservationLine.of("widget", 1)), TTL)));

        assertThat(snapshot()).as("nothing written").isEqualTo(before);
        // still readable
        assertThat(kit.stock().reservation(id))
                .get()
                .extracting(Reservation::state)
                .isEqualTo(ReservationState.COMMITTED);
    }

    /**
     * The bug of issue 12 finding 3: {@code stock().release(orderId)} released a confirmed order's
     * hold, and a later fulfil captured the payment and left the order FULFILLING for ever.
     */
    @Test
    void releasingAnOrdersHoldThroughTheLedgerCannotWedgeItsFulfilment() {
        Order order = placeConfirmed("k-fulfil", 3);
        assertThat(reserved()).isEqualTo(3);
        assertThatThrownBy(() -> kit.stock().release(order.id())).isInstanceOf(ReservationOwnedException.class);
        assertThat(reserved()).as("the hold is still the order's").isEqualTo(3);

        Order fulfilled = kit.orders().fulfil(SHOP, order.id());
        assertThat(fulfilled.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(kit.stock().reservation(order.id()))
                .get()
                .extracting(Reservation::state)
                .isEqualTo(ReservationState.FULFILLED);
        assertThat(onHand()).isEqualTo(7);
        assertThat(reserved()).isZero();
        assertThat(payments.payments().values())
                .singleElement()
                .extracting(SimulatedPaymentPort.Payment::status)
                .isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertStockInvariants();
    }

    @Test
    void theOrderLifecycleStillMovesItsOwnHold() {
        Order cancelledOne = placeConfirmed("k-cancel", 4);
        Order cancelled = kit.orders().cancel(SHOP, cancelledOne.id(), "customer asked");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(kit.stock().reservation(cancelledOne.id()))
                .get()
                .extracting(Reservation::state)
                .isEqualTo(ReservationState.RELEASED);
        assertThat(reserved()).isZero();
        // a released order's hold stays the order's
        assertThatThrownBy(() -> kit.stock().commit(cancelledOne.id())).isInstanceOf(ReservationOwnedException.class);
        assertStockInvariants();
    }

    @Test
    void aHoldWhoseIdOnlyLooksLikeAnOrderIdIsTheCallersOwn() {
        String id = "ord_0123456789abcdef0123456789abcdef"; // the shape of an order id, but no order has it
        Reservation held =
                kit.stock().reserve(new ReservationRequest(id, List.of(ReservationLine.of("widget", 2)), TTL));
        assertThat(held.state()).isEqualTo(ReservationState.HELD);
        assertThat(kit.stock().commit(id).state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(kit.stock().fulfil(id).state()).isEqualTo(ReservationState.FULFILLED);
        assertThat(onHand()).isEqualTo(8);
    }

    @Test
    void reserveRepeatedWithTheSameLinesReturnsTheExistingReservation() {
        StockLedger ledger = kit.stock();
        Reservation first =
                ledger.reserve(new ReservationRequest("r-1", List.of(ReservationLine.of("widget", 2)), TTL));
        Reservation again = ledger.reserve(new ReservationRequest(
                "r-1", List.of(ReservationLine.of("widget", 2)), Duration.ofMinutes(9))); // the ttl is not compared
        assertThat(again).isEqualTo(first);
        // the line at the location it was allocated to is the same hold
        Reservation fixed = ledger.reserve(
                new ReservationRequest("r-1", List.of(ReservationLine.at("widget", WIDGET.location(), 2)), TTL));
        assertThat(fixed).isEqualTo(first);
        assertThat(reserved()).isEqualTo(2);
    }

    @Test
    void reserveRepeatedWithOtherLinesIsAMismatchAndWritesNothing() {
        StockKey west = StockKey.of("widget", "west");
        stockUp(west, 5);
        stockUp(StockKey.of("gadget"), 5);
        StockLedger ledger = kit.stock();
        Reservation first = ledger.reserve(
                new ReservationRequest("r-1", List.of(ReservationLine.at("widget", WIDGET.location(), 2)), TTL));
        Snapshot before = snapshot();

        List<List<ReservationLine>> others = List.of(
                List.of(ReservationLine.of("widget", 3)), // more
                List.of(ReservationLine.of("widget", 1)), // fewer
                List.of(ReservationLine.of("gadget", 2)), // another SKU
                List.of(ReservationLine.of("widget", 2), ReservationLine.of("gadget", 1)), // an added line
                List.of(ReservationLine.at("widget", "west", 2)), // another fixed location
                List.of(ReservationLine.of("widget", 20))); // more than there is: the shortage path
        for (List<ReservationLine> lines : others) {
            assertThatThrownBy(() -> ledger.reserve(new ReservationRequest("r-1", lines, TTL)))
                    .as("%s", lines)
                    .isInstanceOfSatisfying(ReservationMismatchException.class, e -> {
                        assertThat(e.reservationId()).isEqualTo("r-1");
                        assertThat(e.existingLines()).isEqualTo(first.lines());
                        assertThat(e.requestedLines()).isEqualTo(lines);
                    });
        }
        assertThat(snapshot()).as("nothing written").isEqualTo(before);
        assertThat(ledger.reservation("r-1")).contains(first);
    }

    @Test
    void aRepeatAfterTheHoldEndedIsStillComparedWithItsLines() {
        StockLedger ledger = kit.stock();
        List<ReservationLine> lines = List.of(ReservationLine.of("widget", 10));
        ledger.reserve(new ReservationRequest("r-1", lines, TTL));
        Reservation released = ledger.release("r-1");
        // all stock is back, so the other lines would fit: still a mismatch, never a second hold
        assertThatThrownBy(() ->
                        ledger.reserve(new ReservationRequest("r-1", List.of(ReservationLine.of("widget", 4)), TTL)))
                .isInstanceOf(ReservationMismatchException.class);
        assertThat(ledger.reserve(new ReservationRequest("r-1", lines, TTL))).isEqualTo(released);
        assertThat(reserved()).isZero();
    }

    @Test
    void aPlacementCancelledBeforeItsKeyCompletedIsReplayedAsCancelled() {
        assumeFalse(
                fixture.stepTransactions().isAtomic(),
                "with atomic phases the confirmation and the key's completion commit together: no order is"
                        + " CONFIRMED under an open key");
        AtomicBoolean crash = new AtomicBoolean(true);
        StepHook crashBeforeComplete = (orderId, step) -> {
            if (step.equals("complete") && crash.compareAndSet(true, false)) {
                throw new CrashBeforeCompletion();
            }
        };
        OrderKit crashing = kitBuilder(fixture, payments)
                .lease(LEASE)
                .stepHook(crashBeforeComplete)
                .build();
        PlaceOrderRequest request = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k-crash"))
                .line("widget", 2, 500)
                .build();
        assertThatThrownBy(() -> crashing.orders().place(request)).isInstanceOf(CrashBeforeCompletion.class);
        Order confirmed = kit.orders().findByKey(SHOP, request.idempotencyKey()).orElseThrow();
        assertThat(confirmed.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThatThrownBy(() -> kit.orders().place(request)).isInstanceOf(RequestInProgressException.class);

        kit.orders().cancel(SHOP, confirmed.id(), "customer changed their mind");
        clock.advance(LEASE.plusSeconds(1)); // the crashed placement's lease lapses: the retry takes over

        PlaceOrderResult retried = kit.orders().place(request);
        assertThat(retried.outcome()).isEqualTo(PlacementOutcome.CANCELLED);
        assertThat(retried.order().id()).isEqualTo(confirmed.id());
        assertThat(retried.order().failureReason()).isEqualTo("customer changed their mind");
        PlaceOrderResult replayed = kit.orders().place(request); // the stored response
        assertThat(replayed.replayed()).isTrue();
        assertThat(replayed.outcome()).isEqualTo(PlacementOutcome.CANCELLED);
        assertThat(replayed.order().status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(reserved()).isZero();
    }

    /** The simulated death of the placing process right before it completes the key. */
    private static final class CrashBeforeCompletion extends Error {
        private static final long serialVersionUID = 1L;

        CrashBeforeCompletion() {
            super("simulated crash before the key is completed", null, false, false);
        }
    }
}
