package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.StepHook;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contract of crash safety (design invariants 6 and 7) on the backend under test. A "process" is
 * an {@link OrderKit} whose {@link StepHook} throws {@link SimulatedCrash} (an {@link Error}, so the
 * idempotency lease is not released) at a chosen step boundary; its "restart" is a new kit on the
 * {@link #peer(BackendFixture) peer} client of the same backend. Checks that a retry with the same
 * key or the recovery sweeper drives every interrupted placement, cancellation and fulfilment to a
 * consistent terminal state exactly once, that no hold outlives its expiry, and that a worker whose
 * lease was taken over is fenced.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class CrashRecoveryContract extends TwoProcessContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration STUCK_AFTER = Duration.ofMinutes(1);

    /** Thrown by the step hook to simulate the process dying at a step boundary. */
    public static final class SimulatedCrash extends Error {
        private static final long serialVersionUID = 1L;

        /**
         * Creates the crash.
         *
         * @param step the step the process died before
         */
        public SimulatedCrash(String step) {
            super("simulated crash before step " + step, null, false, false);
        }
    }

    /** A hook that crashes once, before the armed step. Thread-safe. */
    private static final class CrashSwitch implements StepHook {
        private final String step;
        private final AtomicBoolean armed = new AtomicBoolean(true);

        CrashSwitch(String step) {
            this.step = step;
        }

        @Override
        public void before(String orderId, String s) {
            if (s.equals(step) && armed.compareAndSet(true, false)) {
                throw new SimulatedCrash(s);
            }
        }
    }

    /** Subclasses are created by JUnit. */
    protected CrashRecoveryContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private OrderKit process(BackendFixture f, StepHook hook) {
        return kitBuilder(f, gateway)
                .lease(LEASE)
                .stuckAfter(STUCK_AFTER)
                .stepHook(hook)
                .build();
    }

    private OrderKit crashingAt(String step) {
        return process(fixture, new CrashSwitch(step));
    }

    private OrderKit restarted() {
        return process(peerFixture, StepHook.NONE);
    }

    private static PlaceOrderRequest request(String key, String paymentMethod) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .paymentMethod(paymentMethod)
                .line("widget", 3, 700)
                .build();
    }

    private List<Order> allOrders() {
        return orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 1000);
    }

    private void assertConsistent() {
        List<String> ids = allOrders().stream().map(Order::id).toList();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("invariants")
                .isEmpty();
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD)))
                .as("holds past their expiry")
                .noneMatch(r -> !r.expiresAt().isAfter(now()));
    }

    private long reservedWidgets() {
        return stock().level(WIDGET).orElseThrow().reserved();
    }

    /**
     * Whether a crash before {@code step} rolls the placement back whole: with atomic step
     * transactions the claim, the order, the hold and STOCK_RESERVED commit in one transaction
     * (two-commit placement), so a crash before the reserve step (CREATED) leaves no trace at all.
     */
    private boolean rolledBackWhole(String step) {
        return step.equals("CREATED") && fixture.stepTransactions().isAtomic();
    }

    /** Nothing of a rolled-back placement is visible: no order, no hold, no payment, no lease. */
    private void assertNothingLeftBehind() {
        assertThat(allOrders()).as("orders").isEmpty();
        assertThat(reservedWidgets()).as("reserved").isZero();
        assertThat(gateway.appliedCount()).as("payments").isZero();
    }

    @ParameterizedTest(name = "crash before {0}")
    @ValueSource(strings = {"CREATED", "STOCK_RESERVED", "authorized", "PAYMENT_AUTHORIZED", "complete"})
    void invariant6_retryWithTheSameKeyFinishesACrashedPlacementOnce(String step) {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("crash-" + step, "pm_card_visa");
        assertThatThrownBy(() -> crashingAt(step).orders().place(req)).isInstanceOf(SimulatedCrash.class);
        OrderKit restarted = restarted();
        if (rolledBackWhole(step)) {
            assertNothingLeftBehind();
        } else {
            assertThatThrownBy(() -> restarted.orders().place(req)).isInstanceOf(RequestInProgressException.class);
            clock.advance(LEASE.plusSeconds(1));
        }
        PlaceOrderResult r = restarted.orders().place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.order().status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(allOrders()).singleElement().isEqualTo(r.order());
        assertThat(stock().reservation(r.order().id()).orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(reservedWidgets()).isEqualTo(3);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertThat(restarted.orders().place(req)).isEqualTo(r.asReplay());
        assertConsistent();
    }

    @ParameterizedTest(name = "crash before {0}")
    @ValueSource(strings = {"CREATED", "STOCK_RESERVED", "authorized", "PAYMENT_AUTHORIZED", "complete"})
    void invariant6_sweeperFinishesAnAbandonedPlacement(String step) {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("abandoned-" + step, "pm_card_visa");
        assertThatThrownBy(() -> crashingAt(step).orders().place(req)).isInstanceOf(SimulatedCrash.class);
        OrderKit restarted = restarted();
        clock.advance(Duration.ofSeconds(20));
        assertThat(restarted.orders().recover().ordersResumed()).isZero();

        clock.advance(STUCK_AFTER.plus(LEASE));
        restarted.orders().recover();
        if (rolledBackWhole(step)) {
            assertNothingLeftBehind(); // nothing to sweep: the retry below places the order
            restarted.orders().place(req);
        }
        Order o = allOrders().get(0);
        assertThat(o.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(reservedWidgets()).isEqualTo(3);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertConsistent();

        PlaceOrderResult r = restarted.orders().place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.order().id()).isEqualTo(o.id());
        assertThat(allOrders()).hasSize(1);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertConsistent();
    }

    @Test
    void abandonedHoldNeverOutlivesItsExpiry() {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("late-sweep", "pm_card_visa");
        assertThatThrownBy(() -> crashingAt("STOCK_RESERVED").orders().place(req))
                .isInstanceOf(SimulatedCrash.class);
        assertThat(reservedWidgets()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(20)); // past the 15 min hold: nobody ran the sweeper in time
        restarted().orders().recover();
        Order o = allOrders().get(0);
        assertThat(o.status().isTerminal()).isTrue();
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(reservedWidgets()).isZero();
        Reservation r = stock().reservation(o.id()).orElseThrow();
        assertThat(r.state().isActive()).isFalse();
        gateway.payments().values().forEach(p -> assertThat(p.status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED));
        assertConsistent();
        PlaceOrderResult replay = restarted().orders().place(req);
        assertThat(replay.outcome()).isEqualTo(PlacementOutcome.RESERVATION_EXPIRED);
        assertThat(reservedWidgets()).isZero();
    }

    /**
     * A process killed after it recorded PAYMENT_DECLINED but before it gave the hold back (separate
     * writes where stock and orders do not share a transaction): the sweep gives the stock back after
     * {@code stuckAfter}, long before the hold's own expiry, and then never looks at the order again.
     */
    @Test
    void declineCutOffBeforeItsReleaseIsFinishedBySweeper() {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("declined-crash", "pm_decline");
        assertThatThrownBy(() -> crashingAt("release-declined").orders().place(req))
                .isInstanceOf(SimulatedCrash.class);
        assertThat(reservedWidgets()).isEqualTo(3);
        OrderKit restarted = restarted();
        clock.advance(STUCK_AFTER.plus(LEASE).plusSeconds(1)); // well inside the 15 min hold
        restarted.orders().recover();
        Order o = allOrders().get(0);
        assertThat(o.status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(reservedWidgets()).as("reserved after the sweep").isZero();
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.RELEASED);
        assertThat(o.recovery().nextAttemptAt()).as("never due again").isAfter(now().plus(Duration.ofDays(3650)));
        assertConsistent();
        PlaceOrderResult replay = restarted.orders().place(req);
        assertThat(replay.outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertThat(replay.order().id()).isEqualTo(o.id());
        assertThat(reservedWidgets()).isZero();
    }

    /** A decline that ran to its end is looked at by the sweep at most once, and finds nothing to do. */
    @Test
    void completedDeclineIsSettledWithoutWork() {
        stockUp(WIDGET, 10);
        OrderKit kit = restarted();
        PlaceOrderResult r = kit.orders().place(request("declined", "pm_decline"));
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertThat(reservedWidgets()).isZero();
        clock.advance(STUCK_AFTER.plus(LEASE).plusSeconds(1));
        var report = kit.orders().recover();
        assertThat(report.ordersExpired()).isZero();
        assertThat(report.ordersFailed()).isZero();
        Order o = orders().find(r.order().id()).orElseThrow();
        assertThat(o.status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        assertThat(o.recovery().nextAttemptAt()).as("never due again").isAfter(now().plus(Duration.ofDays(3650)));
        assertConsistent();
    }

    @Test
    void abandonedPaymentActionReleasesItsHold() {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("action", "pm_action_3ds");
        assertThatThrownBy(() -> crashingAt("complete").orders().place(req)).isInstanceOf(SimulatedCrash.class);
        assertThat(reservedWidgets()).isEqualTo(3);
        clock.advance(Duration.ofMinutes(16));
        restarted().orders().recover();
        assertThat(reservedWidgets()).isZero();
        assertThat(allOrders()).singleElement().extracting(Order::status).isEqualTo(OrderStatus.CANCELLED);
        assertConsistent();
    }

    @Test
    void invariant7_workerWhoseLeaseWasTakenOverIsFenced() throws Exception {
        stockUp(WIDGET, 10);
        PlaceOrderRequest req = request("fenced", "pm_card_visa");
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        OrderKit slow = process(fixture, (orderId, step) -> {
            if (step.equals("complete") && first.compareAndSet(true, false)) {
                paused.countDown();
                try {
                    if (!resume.await(CONCURRENCY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                        throw new IllegalStateException("test never resumed the slow worker");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
        });
        CompletableFuture<PlaceOrderResult> stale =
                // its own thread: the common pool may have a single worker (2 cores) that is busy
                CompletableFuture.supplyAsync(() -> slow.orders().place(req), CrashRecoveryContract::ownThread);
        assertThat(paused.await(CONCURRENCY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
                .isTrue();

        clock.advance(LEASE.plusSeconds(1)); // the slow worker's lease expires
        PlaceOrderResult winner = restarted().orders().place(req);
        assertThat(winner.outcome()).isEqualTo(PlacementOutcome.PLACED);
        resume.countDown();
        PlaceOrderResult late = stale.get(CONCURRENCY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        assertThat(late.asReplay()).isEqualTo(winner.asReplay());
        assertThat(late.replayed())
                .as("the fenced worker must return the winner's stored result")
                .isTrue();
        assertThat(allOrders()).hasSize(1);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertThat(reservedWidgets()).isEqualTo(3);
        assertConsistent();
    }

    @Test
    void crashedCancellationIsFinishedBySweeper() {
        stockUp(WIDGET, 10);
        Order o =
                restarted().orders().place(request("to-cancel", "pm_card_visa")).order();
        OrderKit crashing = crashingAt("CANCELLING");
        assertThatThrownBy(() -> crashing.orders().cancel(SHOP, o.id(), "customer request"))
                .isInstanceOf(SimulatedCrash.class);
        assertThat(orders().find(o.id()).orElseThrow().status()).isEqualTo(OrderStatus.CANCELLING);
        assertThat(reservedWidgets()).isEqualTo(3);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        restarted().orders().recover();
        assertThat(orders().find(o.id()).orElseThrow().status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(reservedWidgets()).isZero();
        assertThat(paymentOf(gateway, o).status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED);
        assertConsistent();
    }

    @Test
    void crashedFulfilmentIsFinishedByRetryOrSweeper() {
        stockUp(WIDGET, 10);
        OrderKit kit = restarted();
        Order a = kit.orders().place(request("ship-a", "pm_card_visa")).order();
        Order b = kit.orders().place(request("ship-b", "pm_card_visa")).order();
        assertThatThrownBy(() -> crashingAt("FULFILLING").orders().fulfil(SHOP, a.id()))
                .isInstanceOf(SimulatedCrash.class);
        assertThatThrownBy(() -> crashingAt("FULFILLING").orders().fulfil(SHOP, b.id()))
                .isInstanceOf(SimulatedCrash.class);
        assertThat(kit.orders().fulfil(SHOP, a.id()).status()).isEqualTo(OrderStatus.FULFILLED);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        kit.orders().recover();
        assertThat(orders().find(b.id()).orElseThrow().status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(stock().level(WIDGET).orElseThrow().onHand()).isEqualTo(4);
        assertThat(reservedWidgets()).isZero();
        assertThat(paymentOf(gateway, a).status()).isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertThat(paymentOf(gateway, b).status()).isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertConsistent();
    }

    /** Runs a blocking actor on a thread of its own, never on the (possibly one-thread) common pool. */
    private static void ownThread(Runnable r) {
        Thread t = new Thread(r, "crash-recovery-actor");
        t.setDaemon(true);
        t.start();
    }
}
