package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Money;
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
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contract of <em>two live workers on one order</em>: a worker whose lease lapsed during a slow
 * step (a stale worker) and the one that took the order over. The interleavings are deterministic:
 * each actor is paused at a chosen step boundary (a gated {@link StepHook}) or inside a gated
 * payment call (before or after the gateway applied it), and released by the test — no sleeps.
 * The actors are two {@link OrderKit}s on the primary fixture and its {@link #peer peer} client
 * (two processes), sharing one simulated gateway.
 *
 * <p>Checks that a stale worker never gives back the stock of a confirmed order, that no
 * authorization outlives an order that ended without being confirmed (a process killed between the
 * approval and its recording; an approval arriving after recovery cancelled the order), and that
 * commit, release and fulfil racing the expiry of the same hold end all-or-nothing.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class StaleWorkerContract extends TwoProcessContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration STUCK_AFTER = Duration.ofMinutes(1);
    private static final Duration TTL = Duration.ofMinutes(15);
    private static final long WAIT_SECONDS = 30;

    /** Subclasses are created by JUnit. */
    protected StaleWorkerContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    // ------------------------------------------------------------------ gates

    /** One pause point: the first thread to reach it waits there until the test opens it. */
    private static final class Gate {
        private final CountDownLatch arrived = new CountDownLatch(1);
        private final CountDownLatch open = new CountDownLatch(1);
        private final AtomicBoolean used = new AtomicBoolean();

        void pass() {
            if (!used.compareAndSet(false, true)) {
                return;
            }
            arrived.countDown();
            try {
                if (!open.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                    throw new AssertionError("gate never opened");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }

        void awaitArrival() throws InterruptedException {
            assertThat(arrived.await(WAIT_SECONDS, TimeUnit.SECONDS))
                    .as("actor reached the gate")
                    .isTrue();
        }

        void open() {
            open.countDown();
        }
    }

    /** A step hook that pauses at one step. */
    private static StepHook pauseAt(String step, Gate gate) {
        return (orderId, s) -> {
            if (s.equals(step)) {
                gate.pass();
            }
        };
    }

    /** How a gateway voids whatever an authorize key did ({@link PaymentPort#voidAuthorizationByKey}). */
    private enum VoidByKey {
        /** The simulated gateway's own: looks the key up and leaves a tombstone under it. */
        LOOKUP,
        /** The SPI's default: replays the keyed authorize (as for Stripe) and voids what it names. */
        REPLAY,
        /**
         * Searches the order's payments and voids the live ones, leaving nothing under the key (a
         * gateway that can only search by metadata): a later call with the key still authorizes.
         */
        SEARCH
    }

    /** A gateway whose next authorize call pauses before or after the gateway applied it. */
    private static final class GatedGateway implements PaymentPort {
        private final SimulatedPaymentPort real;
        private final @Nullable Gate gate;
        private final boolean afterApplying;
        private final VoidByKey voidByKey;
        /** Authorize calls made through this port (each instance is one process's client). */
        private final AtomicInteger authorizeCalls = new AtomicInteger();

        GatedGateway(SimulatedPaymentPort real, @Nullable Gate gate, boolean afterApplying, boolean replayToVoid) {
            this(real, gate, afterApplying, replayToVoid ? VoidByKey.REPLAY : VoidByKey.LOOKUP);
        }

        GatedGateway(SimulatedPaymentPort real, @Nullable Gate gate, boolean afterApplying, VoidByKey voidByKey) {
            this.real = real;
            this.gate = gate;
            this.afterApplying = afterApplying;
            this.voidByKey = voidByKey;
        }

        @Override
        public Duration callTimeout() {
            return real.callTimeout();
        }

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            authorizeCalls.incrementAndGet();
            if (!afterApplying && gate != null) {
                gate.pass();
            }
            PaymentResult r = real.authorize(request);
            if (afterApplying && gate != null) {
                gate.pass();
            }
            return r;
        }

        @Override
        public PaymentResult capture(String key, String paymentId, Money amount) {
            return real.capture(key, paymentId, amount);
        }

        @Override
        public PaymentResult voidAuthorization(String key, String paymentId) {
            return real.voidAuthorization(key, paymentId);
        }

        @Override
        public PaymentResult refund(String key, String paymentId, Money amount) {
            return real.refund(key, paymentId, amount);
        }

        @Override
        public Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
            return switch (voidByKey) {
                case LOOKUP -> real.voidAuthorizationByKey(authorization, voidKey);
                case REPLAY -> PaymentPort.super.voidAuthorizationByKey(authorization, voidKey);
                case SEARCH -> {
                    Optional<PaymentResult> voided = Optional.empty();
                    for (SimulatedPaymentPort.Payment p : real.payments().values()) {
                        if (p.orderId().equals(authorization.orderId())
                                && (p.status() == SimulatedPaymentPort.Status.AUTHORIZED
                                        || p.status() == SimulatedPaymentPort.Status.REQUIRES_ACTION)) {
                            voided = Optional.of(real.voidAuthorization(voidKey + ":" + p.id(), p.id()));
                        }
                    }
                    yield voided;
                }
            };
        }
    }

    private OrderKit process(BackendFixture f, PaymentPort port, StepHook hook) {
        return kitBuilder(f, gateway)
                .paymentPort(port)
                .lease(LEASE)
                .stuckAfter(STUCK_AFTER)
                .reservationTtl(TTL)
                .stepHook(hook)
                .build();
    }

    private static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .paymentMethod("pm_card")
                .line("widget", 3, 700)
                .build();
    }

    /** Runs {@code work} on a thread of its own (never a shared pool: the actors block at gates). */
    private static <T> CompletableFuture<Object> onAnotherThread(Callable<T> work) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        Thread t = new Thread(
                () -> {
                    try {
                        f.complete(work.call());
                    } catch (Throwable e) {
                        f.complete(e);
                    }
                },
                "stale-worker-actor");
        t.setDaemon(true);
        t.start();
        return f;
    }

    private static Object await(CompletableFuture<Object> f) throws Exception {
        return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    private List<Order> allOrders() {
        return orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 1000);
    }

    private void assertConsistent() {
        List<String> ids = allOrders().stream().map(Order::id).toList();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("order invariants")
                .isEmpty();
        assertThat(InvariantChecker.checkPayments(orders(), ids, gateway))
                .as("payment invariants")
                .isEmpty();
    }

    private long reservedWidgets() {
        return stock().level(WIDGET).orElseThrow().reserved();
    }

    // ------------------------------------------------------------------ stale resumer vs live worker

    @Test
    void staleResumerNeverGivesBackTheStockOfAConfirmedOrder() throws Exception {
        stockUp(WIDGET, 5);
        Gate slowGateway = new Gate();
        Gate resumerAtStockReserved = new Gate();
        GatedGateway workerClient = new GatedGateway(gateway, slowGateway, false, false);
        OrderKit worker = process(fixture, workerClient, StepHook.NONE);
        OrderKit resumer = process(peerFixture, gateway, pauseAt("STOCK_RESERVED", resumerAtStockReserved));

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-1")));
        slowGateway.awaitArrival(); // the worker is inside authorize; its lease runs out
        clock.advance(STUCK_AFTER.plus(LEASE));
        CompletableFuture<Object> recovering =
                onAnotherThread(() -> resumer.orders().recover());
        resumerAtStockReserved.awaitArrival(); // the resumer took the key over and read STOCK_RESERVED

        slowGateway.open(); // the first worker gets its approval and tries to record it
        Object workerOutcome = await(placing);
        Order confirmed = allOrders().get(0);
        // recovery claimed the order (a write of its version) before taking the key over, so the
        // worker's recording of its approval loses the order's compare-and-set (with two-commit
        // placement the key's fence would also roll the whole commit back, invariant 7); it re-reads
        // STOCK_RESERVED and, before calling the gateway again, finds its lease taken over: it makes
        // no second call and answers with the new holder's lease; the resumer finishes the order
        assertThat(confirmed.status()).isEqualTo(OrderStatus.STOCK_RESERVED);
        assertThat(workerOutcome).isInstanceOf(RequestInProgressException.class);
        assertThat(workerClient.authorizeCalls.get())
                .as("authorize calls of the worker whose lease was taken over")
                .isEqualTo(1);

        resumerAtStockReserved.open(); // the resumer acts on its (stale, step by step) snapshot
        await(recovering);

        Order o = orders().find(confirmed.id()).orElseThrow();
        assertThat(o.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(stock().reservation(o.id()).orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(reservedWidgets()).as("the sold units stay reserved").isEqualTo(3);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertConsistent();

        Order fulfilled = resumer.orders().fulfil(SHOP, o.id());
        assertThat(fulfilled.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(stock().level(WIDGET).orElseThrow().onHand()).isEqualTo(2);
        assertThat(resumer.orders().place(request("k-1")).order().id()).isEqualTo(o.id());
        assertConsistent();
    }

    @ParameterizedTest(name = "resumer paused before {0}")
    @ValueSource(strings = {"STOCK_RESERVED", "PAYMENT_AUTHORIZED", "authorized"})
    void resumerWithAnOldSnapshotAtEveryStepLeavesOneConsistentOrder(String step) throws Exception {
        stockUp(WIDGET, 5);
        Gate workerGate = new Gate();
        // the worker pauses at the same step; the resumer overtakes it there and finishes first
        OrderKit worker = process(fixture, gateway, pauseAt(step, workerGate));
        OrderKit resumer = process(peerFixture, gateway, StepHook.NONE);

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-2")));
        workerGate.awaitArrival();
        clock.advance(STUCK_AFTER.plus(LEASE));
        assertThat(resumer.orders().recover().ordersResumed()).isEqualTo(1);
        Order done = allOrders().get(0);
        assertThat(done.status()).isEqualTo(OrderStatus.CONFIRMED);

        workerGate.open(); // the stale worker continues from its old snapshot
        Object staleOutcome = await(placing);
        assertThat(staleOutcome).isNotInstanceOf(AssertionError.class);
        if (staleOutcome instanceof PlaceOrderResult r) {
            assertThat(r.order().id()).isEqualTo(done.id());
        }

        Order o = orders().find(done.id()).orElseThrow();
        assertThat(o.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(reservedWidgets()).isEqualTo(3);
        assertThat(gateway.appliedCount())
                .as("one authorization, whoever asked")
                .isEqualTo(1);
        assertConsistent();
    }

    // ------------------------------------------------------------------ no authorization outlives its order

    @ParameterizedTest(name = "void by key via {0}")
    @ValueSource(strings = {"lookup", "replay"})
    void killedBetweenApprovalAndItsRecordingThenHoldExpiryVoidsTheAuthorization(String via) {
        stockUp(WIDGET, 5);
        boolean replay = via.equals("replay");
        OrderKit dying = process(fixture, new GatedGateway(gateway, null, false, replay), (id, s) -> {
            if (s.equals("authorized")) {
                throw new CrashRecoveryContract.SimulatedCrash(s);
            }
        });
        assertThatThrownBy(() -> dying.orders().place(request("k-3")))
                .isInstanceOf(CrashRecoveryContract.SimulatedCrash.class);
        assertThat(gateway.liveAuthorizationsByOrder())
                .as("the approval the process never recorded")
                .hasSize(1);

        clock.advance(TTL.plusMinutes(1)); // nobody resumed it before its hold expired
        OrderKit restarted = process(peerFixture, new GatedGateway(gateway, null, false, replay), StepHook.NONE);
        restarted.orders().recover();

        Order o = allOrders().get(0);
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(o.failureReason()).isEqualTo("reservation_expired");
        assertThat(gateway.liveAuthorizationsByOrder())
                .as("live authorizations")
                .isEmpty();
        assertThat(reservedWidgets()).isZero();
        PlaceOrderResult r = restarted.orders().place(request("k-3"));
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.RESERVATION_EXPIRED);
        assertThat(r.order().id()).isEqualTo(o.id());
        assertConsistent();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "applied-before-cancel/lookup",
                "applied-before-cancel/replay",
                "applied-after-cancel/lookup",
                "applied-after-cancel/replay"
            })
    void approvalOfACallThatOutlivedItsLeaseNeverSurvivesTheCancelledOrder(String variant) throws Exception {
        stockUp(WIDGET, 5);
        boolean afterApplying = variant.startsWith("applied-before");
        boolean replay = variant.endsWith("replay");
        Gate slowCall = new Gate();
        OrderKit worker = process(fixture, new GatedGateway(gateway, slowCall, afterApplying, replay), StepHook.NONE);
        OrderKit recovery = process(peerFixture, new GatedGateway(gateway, null, false, replay), StepHook.NONE);

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-4")));
        slowCall.awaitArrival();
        clock.advance(TTL.plusMinutes(1)); // the call outlives the lease and the hold
        recovery.orders().recover(); // takes the key over, finds the hold due, cancels the order
        Order cancelled = allOrders().get(0);
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(reservedWidgets()).isZero();

        slowCall.open(); // the stale call's answer lands now
        await(placing);

        Order o = orders().find(cancelled.id()).orElseThrow();
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(gateway.liveAuthorizationsByOrder())
                .as("live authorizations")
                .isEmpty();
        assertThat(reservedWidgets()).isZero();
        assertThat(stock().level(WIDGET).orElseThrow().available()).isEqualTo(5);
        assertConsistent();
    }

    // ------------------------------------------------------------------ a lost lease fences the gateway call

    /**
     * Issue 12, finding 2: a worker that found the hold live stalls right before its authorize call
     * (a GC pause, a slow machine); its lease and the hold run out, recovery takes the key over and
     * cancels the order. The stale worker must find its lease gone before the call and never reach
     * the gateway — should it reach it and its process die right after the answer (the hook
     * {@code authorized}), nobody would ever void that authorization when the gateway keeps no
     * tombstone under the key ({@link VoidByKey#SEARCH}). It answers with what the new holder stored.
     */
    @ParameterizedTest(name = "void by key via {0}")
    @EnumSource(VoidByKey.class)
    void aWorkerThatLostItsLeaseNeverCallsTheGatewayAndNoAuthorizationIsLeft(VoidByKey via) throws Exception {
        stockUp(WIDGET, 5);
        Gate beforeAuthorize = new Gate();
        GatedGateway staleClient = new GatedGateway(gateway, null, false, via);
        OrderKit worker = process(fixture, staleClient, (id, s) -> {
            if (s.equals("authorize")) {
                beforeAuthorize.pass();
            } else if (s.equals("authorized")) {
                throw new CrashRecoveryContract.SimulatedCrash(s); // killed right after the gateway answered
            }
        });
        OrderKit recovery = process(peerFixture, new GatedGateway(gateway, null, false, via), StepHook.NONE);

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-lost")));
        beforeAuthorize.awaitArrival(); // the hold was live when checked; the worker stalls before the call
        clock.advance(TTL.plusMinutes(1)); // its lease and its hold run out
        recovery.orders().recover(); // takes the key over, finds the hold due, cancels the order, voids by key
        Order cancelled = allOrders().get(0);
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        int gatewayCallsBefore = gateway.callCount();

        beforeAuthorize.open(); // the stale worker goes on
        Object outcome = await(placing);

        assertThat(staleClient.authorizeCalls.get())
                .as("authorize calls of the worker that lost its lease")
                .isZero();
        assertThat(gateway.callCount()).as("gateway calls after the takeover").isEqualTo(gatewayCallsBefore);
        assertThat(gateway.liveAuthorizationsByOrder())
                .as("live authorizations")
                .isEmpty();
        assertThat(outcome)
                .as("the stale worker answers with what the new holder stored")
                .isInstanceOf(PlaceOrderResult.class);
        PlaceOrderResult answered = (PlaceOrderResult) outcome;
        assertThat(answered.outcome()).isEqualTo(PlacementOutcome.RESERVATION_EXPIRED);
        assertThat(answered.order().id()).isEqualTo(cancelled.id());
        assertThat(answered.replayed()).isTrue();

        Order o = orders().find(cancelled.id()).orElseThrow();
        assertThat(o.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(o.paymentId()).isNull();
        assertThat(reservedWidgets()).isZero();
        assertThat(stock().level(WIDGET).orElseThrow().available()).isEqualTo(5);
        assertConsistent();
    }

    /**
     * A worker whose lease lapsed while it stalled before the gateway call, with nobody taking the
     * key over meanwhile, renews the lease (its token is still current) and completes the order: a
     * lapsed lease alone costs nothing.
     */
    @Test
    void aWorkerWhoseLeaseLapsedButWasNotTakenOverRenewsItAndPlacesTheOrder() throws Exception {
        stockUp(WIDGET, 5);
        Gate beforeAuthorize = new Gate();
        GatedGateway client = new GatedGateway(gateway, null, false, VoidByKey.LOOKUP);
        OrderKit worker = process(fixture, client, pauseAt("authorize", beforeAuthorize));
        OrderKit other = process(peerFixture, gateway, StepHook.NONE);

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-lapsed")));
        beforeAuthorize.awaitArrival();
        clock.advance(LEASE.plusSeconds(1)); // the lease lapsed; the hold (15 min) is still live
        beforeAuthorize.open();
        Object outcome = await(placing);
        assertThat(outcome).isInstanceOf(PlaceOrderResult.class);
        assertThat(((PlaceOrderResult) outcome).outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(client.authorizeCalls.get()).isEqualTo(1);

        // a renewed lease still ends, and then nobody waits on it: the key is completed
        assertThat(other.orders().place(request("k-lapsed")).replayed()).isTrue();
        assertThat(reservedWidgets()).isEqualTo(3);
        assertConsistent();
    }

    /**
     * A worker that stalled before the gateway call renews its lease before calling; while the call
     * runs, a concurrent caller with the same key finds the renewed lease and waits instead of
     * taking the key over, though the claim's own lease has ended.
     */
    @Test
    void aRenewedLeaseKeepsAConcurrentCallerOutWhileTheCallRuns() throws Exception {
        stockUp(WIDGET, 5);
        Gate beforeAuthorize = new Gate();
        Gate inCall = new Gate();
        GatedGateway client = new GatedGateway(gateway, inCall, false, VoidByKey.LOOKUP);
        OrderKit worker = process(fixture, client, pauseAt("authorize", beforeAuthorize));
        OrderKit other = process(peerFixture, gateway, StepHook.NONE);

        CompletableFuture<Object> placing =
                onAnotherThread(() -> worker.orders().place(request("k-renewed")));
        beforeAuthorize.awaitArrival();
        // less than one payment call budget (12.5 ms with FAST_RETRIES) left of the claim's lease:
        // the worker renews it before the call
        clock.advance(LEASE.minusMillis(5));
        beforeAuthorize.open();
        inCall.awaitArrival(); // inside authorize, under the renewed lease
        clock.advance(Duration.ofSeconds(2)); // past the claim's end, well inside the renewed one
        assertThatThrownBy(() -> other.orders().place(request("k-renewed")))
                .as("the key's lease was renewed")
                .isInstanceOf(RequestInProgressException.class);
        inCall.open();
        Object outcome = await(placing);
        assertThat(outcome).isInstanceOf(PlaceOrderResult.class);
        assertThat(((PlaceOrderResult) outcome).outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertConsistent();
    }

    // ------------------------------------------------------------------ payment updates

    private Order awaitingAction(OrderKit kit, String key) {
        PlaceOrderResult r = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                        .paymentMethod("pm_action_3ds")
                        .line("widget", 1, 700)
                        .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_ACTION_REQUIRED);
        return r.order();
    }

    @Test
    void approvalAndDeclineOfOnePaymentRacingFromTwoProcessesEndAllOrNothing() throws Exception {
        stockUp(WIDGET, 8);
        OrderKit a = process(fixture, gateway, StepHook.NONE);
        OrderKit b = process(peerFixture, gateway, StepHook.NONE);
        for (int i = 0; i < 8; i++) {
            Order o = awaitingAction(a, "race-" + i);
            List<Object> outcomes = runConcurrently(
                    2,
                    List.<Callable<Object>>of(
                            () -> a.orders().applyPaymentUpdate(o.id(), new PaymentResult.Approved(paymentIdOf(o))),
                            () -> b.orders()
                                    .applyPaymentUpdate(o.id(), new PaymentResult.Declined("auth_failed", "3ds"))));
            for (Object outcome : outcomes) {
                assertThat(outcome).isInstanceOf(Order.class);
            }
            Order after = orders().find(o.id()).orElseThrow();
            assertThat(after.status()).isIn(OrderStatus.CONFIRMED, OrderStatus.PAYMENT_DECLINED);
            ReservationState hold = stock().reservation(o.id()).orElseThrow().state();
            assertThat(hold)
                    .isEqualTo(
                            after.status() == OrderStatus.CONFIRMED
                                    ? ReservationState.COMMITTED
                                    : ReservationState.RELEASED);
        }
        long confirmed = allOrders().stream()
                .filter(o -> o.status() == OrderStatus.CONFIRMED)
                .count();
        assertThat(reservedWidgets()).isEqualTo(confirmed);
        assertThat(InvariantChecker.checkOrders(
                        stock(), orders(), allOrders().stream().map(Order::id).toList()))
                .isEmpty();
    }

    @Test
    void confirmationClaimedByAPaymentUpdateThatDiedIsFinishedByRecovery() {
        stockUp(WIDGET, 5);
        Order o = awaitingAction(process(fixture, gateway, StepHook.NONE), "died-confirming");
        OrderKit dying = process(fixture, gateway, (id, s) -> {
            if (s.equals("PAYMENT_AUTHORIZED")) {
                throw new CrashRecoveryContract.SimulatedCrash(s);
            }
        });
        assertThatThrownBy(() -> dying.orders().applyPaymentUpdate(o.id(), new PaymentResult.Approved(paymentIdOf(o))))
                .isInstanceOf(CrashRecoveryContract.SimulatedCrash.class);
        assertThat(orders().find(o.id()).orElseThrow().status()).isEqualTo(OrderStatus.PAYMENT_AUTHORIZED);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        assertThat(process(peerFixture, gateway, StepHook.NONE)
                        .orders()
                        .recover()
                        .ordersResumed())
                .isEqualTo(1);
        assertThat(orders().find(o.id()).orElseThrow().status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(reservedWidgets()).isEqualTo(1);
        // (the simulated customer never completed 3-D Secure, so only the stock side is checked)
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(o.id())))
                .isEmpty();
    }

    // ------------------------------------------------------------------ transitions racing expiry

    private static final int ROUNDS = 12;

    /** Reserves one unit per round with an expiry of exactly {@code at}. */
    private List<String> holdsExpiringAt(Instant at, String prefix) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < ROUNDS; i++) {
            String id = prefix + i;
            ReserveResult r = stock().reserve(id, List.of(new AllocatedLine(WIDGET, 1)), at, now());
            assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
            ids.add(id);
        }
        return ids;
    }

    @ParameterizedTest(name = "{0} vs expire")
    @ValueSource(strings = {"commit", "release", "fulfil"})
    void transitionsRacingTheExpiryOfTheSameHoldAreAllOrNothing(String op) throws Exception {
        stockUp(WIDGET, ROUNDS);
        Instant expiry = now().plusSeconds(60);
        List<String> ids = holdsExpiringAt(expiry, op + "-");
        if (op.equals("fulfil")) {
            for (String id : ids) {
                stock().transition(id, ReservationTransition.COMMIT, now());
            }
        }
        // the two clients' clocks disagree: for the one the hold is still live, for the other it is due
        Instant before = expiry.minusMillis(1);
        Instant after = expiry.plusMillis(1);
        for (String id : ids) {
            List<Callable<Object>> race = List.of(
                    () -> stock().transition(id, ReservationTransition.valueOf(op.toUpperCase(Locale.ROOT)), before),
                    () -> peerFixture.stockStorage().transition(id, ReservationTransition.EXPIRE, after));
            List<Object> outcomes = runConcurrently(2, race);
            for (Object outcome : outcomes) {
                if (outcome instanceof Throwable t) {
                    throw new AssertionError("unexpected failure in the race on " + id, t);
                }
            }
        }
        for (String id : ids) {
            Reservation r = stock().reservation(id).orElseThrow();
            switch (op) {
                case "commit" -> assertThat(r.state()).isIn(ReservationState.COMMITTED, ReservationState.EXPIRED);
                case "release" -> assertThat(r.state()).isIn(ReservationState.RELEASED, ReservationState.EXPIRED);
                default -> assertThat(r.state()).isEqualTo(ReservationState.FULFILLED);
            }
        }
        long committed = ids.stream()
                .filter(id -> stock().reservation(id).orElseThrow().state() == ReservationState.COMMITTED)
                .count();
        assertThat(reservedWidgets()).as("reserved = committed holds").isEqualTo(committed);
        // whatever expired is really available again: a new hold of all of it succeeds, and no more
        long available = stock().level(WIDGET).orElseThrow().available();
        if (available > 0) {
            assertThat(stock().reserve("after", List.of(new AllocatedLine(WIDGET, available)), now().plus(TTL), now()))
                    .isInstanceOf(ReserveResult.Reserved.class);
        }
        assertStockInvariants();
        for (String id : ids) {
            if (stock().reservation(id).orElseThrow().state() == ReservationState.COMMITTED) {
                assertThat(stock().transition(id, ReservationTransition.FULFIL, now()))
                        .isInstanceOf(TransitionResult.Applied.class);
            }
        }
        assertStockInvariants();
    }
}
