package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.Dispute;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.Refund;
import dev.orderkit.core.RefundExceedsCaptureException;
import dev.orderkit.core.RefundUpdate;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.StepHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Contract of refunds and disputes ({@link dev.orderkit.core.OrderService#refund},
 * {@code applyRefundUpdate}, {@code applyDisputeUpdate}) on the backend under test: partial then
 * full refunds, never above the captured amount (also from concurrent threads), idempotent on the
 * refund key (same amount: one gateway refund; other amount: a typed reuse error, nothing
 * written), refused before capture, and exactly one gateway refund after a crash or a lost reply
 * between the gateway call and the order write (finished by a repeat or by the recovery sweep).
 * Gateway calls are counted with a recording {@link PaymentPort} around the
 * {@link SimulatedPaymentPort}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class RefundContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration STUCK_AFTER = Duration.ofMinutes(1);
    /** Three widgets at 700: the captured amount of every order here. */
    private static final long TOTAL = 2100;

    private final SimulatedPaymentPort gateway = new SimulatedPaymentPort();
    private final RecordingPort recording = new RecordingPort(gateway);

    /** Subclasses are created by JUnit. */
    protected RefundContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Thrown by the step hook to simulate the process dying (an Error: nothing is cleaned up). */
    private static final class Crash extends Error {
        private static final long serialVersionUID = 1L;

        Crash(String step) {
            super("simulated crash before " + step, null, false, false);
        }
    }

    /** Counts the refund calls that reach the gateway, by idempotency key. Thread-safe. */
    private static final class RecordingPort implements PaymentPort {
        private final SimulatedPaymentPort real;
        final List<String> refundKeys = Collections.synchronizedList(new ArrayList<>());
        /** While set, every refund reaches the gateway and its reply is lost (a timeout after the fact). */
        final AtomicBoolean loseReplies = new AtomicBoolean();

        RecordingPort(SimulatedPaymentPort real) {
            this.real = real;
        }

        @Override
        public PaymentResult authorize(AuthorizeRequest request) {
            return real.authorize(request);
        }

        @Override
        public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
            return real.capture(idempotencyKey, paymentId, amount);
        }

        @Override
        public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
            return real.voidAuthorization(idempotencyKey, paymentId);
        }

        @Override
        public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
            refundKeys.add(idempotencyKey);
            PaymentResult result = real.refund(idempotencyKey, paymentId, amount);
            if (loseReplies.get()) {
                throw new PaymentUnavailableException("simulated timeout after the gateway refunded", null, null);
            }
            return result;
        }

        @Override
        public Duration callTimeout() {
            return real.callTimeout();
        }
    }

    private OrderKit kit(StepHook hook) {
        return kitBuilder(fixture, gateway)
                .paymentPort(recording)
                .stuckAfter(STUCK_AFTER)
                .stepHook(hook)
                .build();
    }

    private OrderKit kit() {
        return kit(StepHook.NONE);
    }

    /** A hook that crashes once before the step. */
    private static StepHook crashOnceAt(String step) {
        AtomicBoolean armed = new AtomicBoolean(true);
        return (orderId, s) -> {
            if (s.equals(step) && armed.compareAndSet(true, false)) {
                throw new Crash(s);
            }
        };
    }

    private Order fulfilledOrder(OrderKit kit, String key) {
        Order placed = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                        .line("widget", 3, 700)
                        .build())
                .order();
        assertThat(placed.status()).isEqualTo(OrderStatus.CONFIRMED);
        Order fulfilled = kit.orders().fulfil(SHOP, placed.id());
        assertThat(fulfilled.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(fulfilled.total().minor()).isEqualTo(TOTAL);
        return fulfilled;
    }

    private static Money usd(long minor) {
        return Money.of(minor, "usd");
    }

    private long gatewayRefunded(Order o) {
        return paymentOf(gateway, o).refundedMinor();
    }

    private Order stored(Order o) {
        return orders().find(o.id()).orElseThrow();
    }

    private void assertConsistent() {
        List<Order> all = orders().findStale(EnumSet.allOf(OrderStatus.class), now().plus(Duration.ofDays(365)), 1000);
        List<String> ids = all.stream().map(Order::id).toList();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("invariants")
                .isEmpty();
        assertThat(InvariantChecker.checkPayments(orders(), ids, gateway))
                .as("payments")
                .isEmpty();
    }

    @Test
    void partialThenFullRefund() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");

        Order partial = kit.orders().refund(SHOP, o.id(), usd(500), IdempotencyKey.of("return-1"));
        assertThat(partial.status()).isEqualTo(OrderStatus.FULFILLED);
        Refund first = partial.refund(Refund.idFor("return-1")).orElseThrow();
        assertThat(first.status()).isEqualTo(Refund.Status.SUCCEEDED);
        assertThat(first.amount()).isEqualTo(usd(500));
        assertThat(first.key()).isEqualTo("return-1");
        assertThat(first.origin()).isEqualTo(Refund.Origin.API);
        assertThat(first.gatewayRefundId()).isNotNull();
        assertThat(partial.refunded()).isEqualTo(usd(500));
        assertThat(partial.refundable()).isEqualTo(usd(1600));
        assertThat(gatewayRefunded(o)).isEqualTo(500);
        assertThat(stored(o)).isEqualTo(partial);

        Order full = kit.orders().refund(SHOP, o.id(), usd(1600), IdempotencyKey.of("return-2"));
        assertThat(full.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(full.refunds()).extracting(Refund::amount).containsExactly(usd(500), usd(1600));
        assertThat(full.refunded()).isEqualTo(usd(TOTAL));
        assertThat(full.refundable()).isEqualTo(usd(0));
        assertThat(gatewayRefunded(o)).isEqualTo(TOTAL);
        assertThat(recording.refundKeys)
                .containsExactly(
                        o.paymentKey("refund:" + Refund.idFor("return-1")),
                        o.paymentKey("refund:" + Refund.idFor("return-2")));
        // a fulfilled order stays fulfilled: fulfil answers with it
        assertThat(kit.orders().fulfil(SHOP, o.id())).isEqualTo(full);
        assertConsistent();
    }

    @Test
    void overRefundIsRefusedWithNothingWritten() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        Order partial = kit.orders().refund(SHOP, o.id(), usd(500), IdempotencyKey.of("r-1"));

        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(1601), IdempotencyKey.of("r-2")))
                .isInstanceOfSatisfying(RefundExceedsCaptureException.class, e -> {
                    assertThat(e.orderId()).isEqualTo(o.id());
                    assertThat(e.requested()).isEqualTo(usd(1601));
                    assertThat(e.refundable()).isEqualTo(usd(1600));
                });
        assertThat(stored(o)).isEqualTo(partial);
        assertThat(recording.refundKeys).hasSize(1);
        assertThat(gatewayRefunded(o)).isEqualTo(500);

        Order full = kit.orders().refund(SHOP, o.id(), usd(1600), IdempotencyKey.of("r-2"));
        assertThat(full.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(1), IdempotencyKey.of("r-3")))
                .isInstanceOfSatisfying(
                        RefundExceedsCaptureException.class,
                        e -> assertThat(e.refundable()).isEqualTo(usd(0)));
        assertThat(stored(o)).isEqualTo(full);
        assertThat(recording.refundKeys).hasSize(2);
    }

    @Test
    void aRepeatWithTheSameKeyAndAmountReturnsTheRefundWithoutASecondGatewayCall() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        Order first = kit.orders().refund(SHOP, o.id(), usd(700), IdempotencyKey.of("r-1"));
        clock.advance(Duration.ofMinutes(3));
        Order again = kit.orders().refund(SHOP, o.id(), usd(700), IdempotencyKey.of("r-1"));
        Order fromOtherKit = kit().orders().refund(SHOP, o.id(), usd(700), IdempotencyKey.of("r-1"));

        assertThat(again).isEqualTo(first);
        assertThat(fromOtherKit).isEqualTo(first);
        assertThat(first.refunds()).hasSize(1);
        assertThat(recording.refundKeys).hasSize(1);
        assertThat(gatewayRefunded(o)).isEqualTo(700);
        assertConsistent();
    }

    @Test
    void theSameKeyWithAnotherAmountIsATypedReuseErrorAndWritesNothing() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        Order first = kit.orders().refund(SHOP, o.id(), usd(700), IdempotencyKey.of("r-1"));

        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(701), IdempotencyKey.of("r-1")))
                .isInstanceOfSatisfying(IdempotencyKeyReuseException.class, e -> {
                    assertThat(e.key()).isEqualTo("r-1");
                    assertThat(e.scope()).isEqualTo("shop-1");
                });
        assertThat(stored(o)).isEqualTo(first);
        assertThat(recording.refundKeys).hasSize(1);
    }

    @Test
    void badArgumentsAreRejectedUpFront() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(0), IdempotencyKey.of("r-1")))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("amount"));
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), Money.of(10, "eur"), IdempotencyKey.of("r-1")))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("amount.currency"));
        assertThatThrownBy(() -> kit.orders().refund(Scope.of("other"), o.id(), usd(10), IdempotencyKey.of("r-1")))
                .isInstanceOf(NotFoundException.class);
        assertThat(stored(o)).isEqualTo(o);
        assertThat(recording.refundKeys).isEmpty();
    }

    @Test
    void concurrentRefundsOnOneOrderNeverExceedTheCapture() throws InterruptedException {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        OrderKit other = kit(); // a second instance on the same backend
        Order o = fulfilledOrder(kit, "k-1");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            OrderKit k = i % 2 == 0 ? kit : other;
            String key = "r-" + i;
            tasks.add(() -> k.orders().refund(SHOP, o.id(), usd(700), IdempotencyKey.of(key)));
        }
        List<Object> results = runConcurrently(8, tasks);

        long ok = results.stream().filter(Order.class::isInstance).count();
        long refused = results.stream()
                .filter(RefundExceedsCaptureException.class::isInstance)
                .count();
        assertThat(results).allMatch(r -> r instanceof Order || r instanceof RefundExceedsCaptureException);
        assertThat(ok).isEqualTo(3);
        assertThat(refused).isEqualTo(5);
        Order end = stored(o);
        assertThat(end.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(end.refunds()).hasSize(3).allMatch(r -> r.status() == Refund.Status.SUCCEEDED);
        assertThat(end.refunded()).isEqualTo(usd(TOTAL));
        assertThat(gatewayRefunded(o)).isEqualTo(TOTAL);
        // a caller that finds another refund in progress finishes it with that refund's key (the
        // gateway answers a repeat with the first result), so keys may repeat but only three exist
        assertThat(recording.refundKeys.stream().distinct().count()).isEqualTo(3);
        assertConsistent();
    }

    @Test
    void twoRefundsDecidedOnTheSameVersionNeverBothPass() throws InterruptedException {
        stockUp(WIDGET, 10);
        Order o = fulfilledOrder(kit(), "k-1");
        // the first two refunds both check the cap on the same FULFILLED version, then race to claim
        CyclicBarrier sameSnapshot = new CyclicBarrier(2);
        AtomicInteger arrivals = new AtomicInteger();
        StepHook meet = (orderId, step) -> {
            if (step.equals("refund") && arrivals.incrementAndGet() <= 2) {
                try {
                    sameSnapshot.await(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
        OrderKit a = kit(meet);
        OrderKit b = kit(meet);
        List<Object> results = runConcurrently(
                2,
                List.of(
                        () -> a.orders().refund(SHOP, o.id(), usd(1500), IdempotencyKey.of("r-a")),
                        () -> b.orders().refund(SHOP, o.id(), usd(1500), IdempotencyKey.of("r-b"))));

        assertThat(results).filteredOn(Order.class::isInstance).hasSize(1);
        assertThat(results)
                .filteredOn(RefundExceedsCaptureException.class::isInstance)
                .singleElement()
                .satisfies(e -> assertThat(((RefundExceedsCaptureException) e).refundable())
                        .isEqualTo(usd(600)));
        Order end = stored(o);
        assertThat(end.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(end.refunds())
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(Refund.Status.SUCCEEDED));
        assertThat(end.refunded()).isEqualTo(usd(1500));
        assertThat(gatewayRefunded(o)).isEqualTo(1500);
        assertConsistent();
    }

    @Test
    void aRefundBeforeCaptureIsRefusedWithATypedError() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order confirmed = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("k-1"))
                        .line("widget", 3, 700)
                        .build())
                .order();
        assertThatThrownBy(() -> kit.orders().refund(SHOP, confirmed.id(), usd(100), IdempotencyKey.of("r-1")))
                .isInstanceOfSatisfying(IllegalStateTransitionException.class, e -> {
                    assertThat(e.id()).isEqualTo(confirmed.id());
                    assertThat(e.currentState()).isEqualTo("CONFIRMED");
                });
        assertThat(stored(confirmed)).isEqualTo(confirmed);
        Order cancelled = kit.orders().cancel(SHOP, confirmed.id(), "changed_mind");
        assertThatThrownBy(() -> kit.orders().refund(SHOP, confirmed.id(), usd(100), IdempotencyKey.of("r-1")))
                .isInstanceOfSatisfying(
                        IllegalStateTransitionException.class,
                        e -> assertThat(e.currentState()).isEqualTo("CANCELLED"));
        assertThat(stored(confirmed)).isEqualTo(cancelled);
        assertThat(recording.refundKeys).isEmpty();
    }

    @Test
    void aCrashBetweenTheGatewayAndTheWriteThenARepeatRefundsOnce() {
        stockUp(WIDGET, 10);
        Order o = fulfilledOrder(kit(), "k-1");
        OrderKit crashing = kit(crashOnceAt("refunded"));
        assertThatThrownBy(() -> crashing.orders().refund(SHOP, o.id(), usd(900), IdempotencyKey.of("r-1")))
                .isInstanceOf(Crash.class);
        Order interrupted = stored(o);
        assertThat(interrupted.status()).isEqualTo(OrderStatus.REFUNDING);
        assertThat(interrupted.refunds()).singleElement().satisfies(r -> {
            assertThat(r.status()).isEqualTo(Refund.Status.PENDING);
            assertThat(r.amount()).isEqualTo(usd(900));
        });
        assertThat(gatewayRefunded(o)).isEqualTo(900); // the gateway did refund

        // the restarted process repeats the call with the same key
        Order done = kit().orders().refund(SHOP, o.id(), usd(900), IdempotencyKey.of("r-1"));
        assertThat(done.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(done.refunds())
                .singleElement()
                .satisfies(r -> assertThat(r.status()).isEqualTo(Refund.Status.SUCCEEDED));
        assertThat(gatewayRefunded(o)).isEqualTo(900);
        String gatewayKey = o.paymentKey("refund:" + Refund.idFor("r-1"));
        assertThat(recording.refundKeys).containsExactly(gatewayKey, gatewayKey); // the same key: replayed
        assertConsistent();
    }

    @Test
    void aLostGatewayReplyThenARepeatRefundsOnce() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        recording.loseReplies.set(true);
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(900), IdempotencyKey.of("r-1")))
                .isInstanceOf(PaymentUnavailableException.class);
        assertThat(stored(o).status()).isEqualTo(OrderStatus.REFUNDING);
        assertThat(gatewayRefunded(o)).isEqualTo(900);
        // another refund meanwhile must not exceed the capture with the pending one counted
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(1201), IdempotencyKey.of("r-2")))
                .isInstanceOf(PaymentUnavailableException.class); // it finishes the pending refund first
        recording.loseReplies.set(false);

        Order done = kit.orders().refund(SHOP, o.id(), usd(900), IdempotencyKey.of("r-1"));
        assertThat(done.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(done.refund(Refund.idFor("r-1")).orElseThrow().status()).isEqualTo(Refund.Status.SUCCEEDED);
        assertThat(gatewayRefunded(o)).isEqualTo(900);
        assertThat(recording.refundKeys).containsOnly(o.paymentKey("refund:" + Refund.idFor("r-1")));
        assertThat(recording.refundKeys.size())
                .as("retried, always with the same key")
                .isGreaterThan(2);
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(1201), IdempotencyKey.of("r-2")))
                .isInstanceOf(RefundExceedsCaptureException.class);
        assertConsistent();
    }

    @Test
    void theRecoverySweepFinishesAnInterruptedRefund() {
        stockUp(WIDGET, 10);
        Order o = fulfilledOrder(kit(), "k-1");
        OrderKit crashing = kit(crashOnceAt("refunded"));
        assertThatThrownBy(() -> crashing.orders().refund(SHOP, o.id(), usd(2100), IdempotencyKey.of("r-1")))
                .isInstanceOf(Crash.class);
        OrderKit restarted = kit();
        restarted.orders().recover();
        assertThat(stored(o).status()).as("not due before stuckAfter").isEqualTo(OrderStatus.REFUNDING);

        clock.advance(STUCK_AFTER.plusSeconds(1));
        restarted.orders().recover();
        Order done = stored(o);
        assertThat(done.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(done.refunded()).isEqualTo(usd(TOTAL));
        assertThat(gatewayRefunded(o)).isEqualTo(TOTAL);
        assertThat(recording.refundKeys)
                .hasSize(2)
                .doesNotContainNull()
                .containsOnly(o.paymentKey("refund:" + Refund.idFor("r-1")));
        // the client's own retry now just answers
        assertThat(restarted.orders().refund(SHOP, o.id(), usd(2100), IdempotencyKey.of("r-1")))
                .isEqualTo(done);
        assertThat(recording.refundKeys).hasSize(2);
        assertConsistent();
    }

    @Test
    void cancellingAPartlyRefundedOrderRefundsOnlyTheRest() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        kit.orders().refund(SHOP, o.id(), usd(500), IdempotencyKey.of("r-1"));
        Order cancelled = kit.orders().cancel(SHOP, o.id(), "returned");
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(gatewayRefunded(o)).isEqualTo(TOTAL);
        assertConsistent();
    }

    @Test
    void gatewayReportedRefundsAreRecordedOnceAndCanCompleteTheRefund() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        Order ours = kit.orders().refund(SHOP, o.id(), usd(600), IdempotencyKey.of("r-1"));
        String oursAtGateway = ours.refund(Refund.idFor("r-1")).orElseThrow().gatewayRefundId();

        // a refund made in the gateway's dashboard, reported pending then succeeded (twice)
        Order pending = kit.orders()
                .applyRefundUpdate(o.id(), new RefundUpdate("re_dash", null, usd(1500), Refund.Status.PENDING, null));
        assertThat(pending.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(pending.refundable()).isEqualTo(usd(0)); // the pending one counts
        assertThatThrownBy(() -> kit.orders().refund(SHOP, o.id(), usd(1), IdempotencyKey.of("r-2")))
                .isInstanceOf(RefundExceedsCaptureException.class);
        Order succeeded = kit.orders()
                .applyRefundUpdate(o.id(), new RefundUpdate("re_dash", null, usd(1500), Refund.Status.SUCCEEDED, null));
        assertThat(succeeded.status()).isEqualTo(OrderStatus.REFUNDED);
        assertThat(succeeded.refunds()).hasSize(2);
        Refund dash = succeeded.refund("re_dash").orElseThrow();
        assertThat(dash.origin()).isEqualTo(Refund.Origin.GATEWAY);
        assertThat(dash.status()).isEqualTo(Refund.Status.SUCCEEDED);
        Order redelivered = kit.orders()
                .applyRefundUpdate(o.id(), new RefundUpdate("re_dash", null, usd(1500), Refund.Status.SUCCEEDED, null));
        assertThat(redelivered).isEqualTo(succeeded);
        Order late = kit.orders()
                .applyRefundUpdate(o.id(), new RefundUpdate("re_dash", null, usd(1500), Refund.Status.PENDING, null));
        assertThat(late).isEqualTo(succeeded);

        // the report of our own refund (matched by its gateway key) changes nothing
        Order own = kit.orders()
                .applyRefundUpdate(
                        o.id(),
                        new RefundUpdate(
                                String.valueOf(oursAtGateway),
                                o.paymentKey("refund:" + Refund.idFor("r-1")),
                                usd(600),
                                Refund.Status.SUCCEEDED,
                                null));
        assertThat(own).isEqualTo(succeeded);
        // a refund that fails after succeeding gives the amount back to the order
        Order failed = kit.orders()
                .applyRefundUpdate(
                        o.id(), new RefundUpdate("re_dash", null, usd(1500), Refund.Status.FAILED, "lost_card"));
        assertThat(failed.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(failed.refund("re_dash").orElseThrow().failureReason()).isEqualTo("lost_card");
        assertThat(failed.refundable()).isEqualTo(usd(1500));
        assertThat(recording.refundKeys).hasSize(1);
    }

    @Test
    void disputesAreRecordedOpenedUpdatedAndClosedNeverReopened() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit();
        Order o = fulfilledOrder(kit, "k-1");
        Order opened = kit.orders()
                .applyDisputeUpdate(o.id(), new Dispute("dp_1", usd(TOTAL), "needs_response", "fraudulent", now()));
        assertThat(opened.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(opened.disputes()).singleElement().satisfies(d -> {
            assertThat(d.status()).isEqualTo("needs_response");
            assertThat(d.reason()).isEqualTo("fraudulent");
            assertThat(d.amount()).isEqualTo(usd(TOTAL));
        });
        Order again = kit.orders()
                .applyDisputeUpdate(o.id(), new Dispute("dp_1", usd(TOTAL), "needs_response", "fraudulent", now()));
        assertThat(again).isEqualTo(opened);
        Order review = kit.orders()
                .applyDisputeUpdate(o.id(), new Dispute("dp_1", usd(TOTAL), "under_review", "fraudulent", now()));
        assertThat(review.disputes())
                .singleElement()
                .satisfies(d -> assertThat(d.status()).isEqualTo("under_review"));
        Order won =
                kit.orders().applyDisputeUpdate(o.id(), new Dispute("dp_1", usd(TOTAL), "won", "fraudulent", now()));
        assertThat(won.disputes())
                .singleElement()
                .satisfies(d -> assertThat(d.closed()).isTrue());
        Order late = kit.orders()
                .applyDisputeUpdate(o.id(), new Dispute("dp_1", usd(TOTAL), "under_review", "fraudulent", now()));
        assertThat(late).isEqualTo(won);
        assertThat(stored(o)).isEqualTo(won);
        assertThat(won.version()).isEqualTo(o.version() + 3);
        assertThat(Optional.of(won.status())).contains(OrderStatus.FULFILLED);
    }
}
