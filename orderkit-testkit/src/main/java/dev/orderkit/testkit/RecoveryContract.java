package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Money;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderService.SweepReport;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RecoverySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepHook;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Contract of the recovery sweep ({@code OrderService.recover()}) on the backend under test: orders
 * whose recovery keeps failing back off and are parked in {@link OrderStatus#NEEDS_ATTENTION} (with
 * their last error and an {@link EventType#ORDER_NEEDS_ATTENTION} event handed to the store with
 * the change) instead of holding up the others; instances sweeping at once share the due orders
 * without working one twice; a parked order can be listed and retried.
 *
 * <p>"Poison" orders are written straight into the order store: {@code FULFILLING} orders whose
 * authorization the gateway no longer honours (voided there), so every capture is declined, as
 * with an authorization that expired at the payment provider. A second application instance is a
 * kit on the {@link #peer(BackendFixture) peer} client. The order store is wrapped so the test sees
 * the events core hands it with each write.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class RecoveryContract extends TwoProcessContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration STUCK_AFTER = Duration.ofMinutes(1);

    /** Events core handed the order store with the writes that were applied. */
    private final List<OrderKitEvent> events = new CopyOnWriteArrayList<>();

    /** Subclasses are created by JUnit. */
    protected RecoveryContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Records the events of every applied write; everything else goes to the backend's store. */
    private final class Recording implements OrderStore {
        private final OrderStore d;

        Recording(OrderStore d) {
            this.d = d;
        }

        @Override
        public boolean insert(Order order, List<OrderKitEvent> evs) {
            boolean done = d.insert(order, evs);
            if (done) {
                events.addAll(evs);
            }
            return done;
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> evs) {
            boolean done = d.update(order, expectedVersion, evs);
            if (done) {
                events.addAll(evs);
            }
            return done;
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public List<Order> list(String scope, OrderFilter filter, @Nullable OrderPosition after, int limit) {
            return d.list(scope, filter, after, limit);
        }
    }

    private OrderKit kit(BackendFixture f, SimulatedPaymentPort payments, StepHook hook, RecoverySettings recovery) {
        return kitBuilder(f, payments)
                .orderStore(new Recording(f.orderStore()))
                .lease(LEASE)
                .stuckAfter(STUCK_AFTER)
                .stepHook(hook)
                .recovery(recovery)
                .build();
    }

    private OrderKit kit(RecoverySettings recovery) {
        return kit(fixture, gateway, StepHook.NONE, recovery);
    }

    /** A hook that crashes the process ({@link CrashRecoveryContract.SimulatedCrash}) once, before a step. */
    private static StepHook crashOnceBefore(String step) {
        AtomicBoolean armed = new AtomicBoolean(true);
        return (orderId, s) -> {
            if (s.equals(step) && armed.compareAndSet(true, false)) {
                throw new CrashRecoveryContract.SimulatedCrash(s);
            }
        };
    }

    /** A hook that fails (an exception, not a crash) before a step while {@code broken} is set. */
    private static StepHook failingBefore(String step, AtomicBoolean broken) {
        return (orderId, s) -> {
            if (s.equals(step) && broken.get()) {
                throw new IllegalStateException("warehouse system down");
            }
        };
    }

    private static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .paymentMethod("pm_card_visa")
                .line("widget", 3, 700)
                .build();
    }

    private Order stored(String orderId) {
        return orders().find(orderId).orElseThrow();
    }

    private long reservedWidgets() {
        return stock().level(WIDGET).orElseThrow().reserved();
    }

    /**
     * A FULFILLING order whose authorization the gateway voided (expired there): every capture is
     * declined. Written straight into the store, last updated an hour ago (due at once).
     */
    private Order poisonFulfilling(String id) {
        PaymentResult auth = gateway.authorize(
                new AuthorizeRequest(id + ":authorize", id, Money.of(700, "eur"), "pm_card_visa", Map.of()));
        String paymentId = ((PaymentResult.Approved) auth).paymentId();
        gateway.voidAuthorization(id + ":expired-at-gateway", paymentId);
        return insertOrder(id, OrderStatus.FULFILLING, paymentId);
    }

    /** A CANCELLING order with a live authorization and no hold (its release already happened). */
    private Order interruptedCancellation(String id) {
        PaymentResult auth = gateway.authorize(
                new AuthorizeRequest(id + ":authorize", id, Money.of(700, "eur"), "pm_card_visa", Map.of()));
        return insertOrder(id, OrderStatus.CANCELLING, ((PaymentResult.Approved) auth).paymentId());
    }

    private Order insertOrder(String id, OrderStatus status, String paymentId) {
        Instant at = now().minus(Duration.ofHours(1));
        Order o = new Order(
                id,
                SHOP.value(),
                "key-" + id,
                "f".repeat(64),
                status,
                "customer-1",
                List.of(OrderLine.of("widget", 1, 700)),
                Money.of(700, "eur"),
                "pm_card_visa",
                Map.of(),
                List.of(),
                paymentId,
                null,
                4,
                at,
                at);
        assertThat(orders().insert(o, List.of())).isTrue();
        return o;
    }

    private List<OrderKitEvent> eventsOf(String orderId, EventType type) {
        return events.stream()
                .filter(e -> e.subjectId().equals(orderId) && e.type() == type)
                .toList();
    }

    /**
     * The done criterion: 1,000 orders whose recovery fails every time do not delay a
     * crashed cancellation past one sweep (they used to fill every sweep's batch, for good).
     */
    @Test
    void thousandPoisonOrdersDoNotDelayACrashedCancellationPastOneSweep() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit(RecoverySettings.defaults());
        for (int i = 0; i < 1000; i++) {
            poisonFulfilling(String.format("poison-%04d", i));
        }
        Order placed = kit.orders().place(request("to-cancel")).order();
        OrderKit crashing = kit(fixture, gateway, crashOnceBefore("CANCELLING"), RecoverySettings.defaults());
        assertThatThrownBy(() -> crashing.orders().cancel(SHOP, placed.id(), "customer request"))
                .isInstanceOf(CrashRecoveryContract.SimulatedCrash.class);
        assertThat(stored(placed.id()).status()).isEqualTo(OrderStatus.CANCELLING);
        clock.advance(STUCK_AFTER.plusSeconds(1));

        SweepReport report = kit(RecoverySettings.defaults()).orders().recover();

        assertThat(stored(placed.id()).status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(reservedWidgets()).isZero();
        assertThat(paymentOf(gateway, placed).status()).isEqualTo(SimulatedPaymentPort.Status.VOIDED);
        assertThat(report.ordersFailed()).isEqualTo(1000);
        assertThat(report.ordersParked()).isZero();
        // every poison order failed once and backed off: none is due again right away
        assertThat(orders().findDue(EnumSet.of(OrderStatus.FULFILLING), now(), 2000))
                .isEmpty();
        Order sample = stored("poison-0500");
        assertThat(sample.status()).isEqualTo(OrderStatus.FULFILLING);
        assertThat(sample.recovery().attempts()).isEqualTo(1);
        assertThat(sample.recovery().lastError())
                .contains(PaymentRejectedException.class.getName())
                .contains("declined");

        // and the next crashed cancellation is finished by the next sweep, too
        Order second = kit.orders().place(request("to-cancel-2")).order();
        OrderKit crashing2 = kit(fixture, gateway, crashOnceBefore("CANCELLING"), RecoverySettings.defaults());
        assertThatThrownBy(() -> crashing2.orders().cancel(SHOP, second.id(), "customer request"))
                .isInstanceOf(CrashRecoveryContract.SimulatedCrash.class);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        kit.orders().recover();
        assertThat(stored(second.id()).status()).isEqualTo(OrderStatus.CANCELLED);
    }

    @Test
    void afterMaxAttemptsAnOrderIsParkedWithItsLastErrorAndAnEvent() {
        RecoverySettings rs = RecoverySettings.defaults()
                .withMaxAttempts(3)
                .withBackoff(Duration.ofSeconds(10), Duration.ofMinutes(1));
        OrderKit kit = kit(rs);
        Order poison = poisonFulfilling("poison-1");
        Order healthy = interruptedCancellation("healthy-1");

        SweepReport first = kit.orders().recover();
        assertThat(first.ordersFailed()).isEqualTo(1);
        assertThat(first.ordersExpired()).isEqualTo(1); // the healthy cancellation is finished
        assertThat(stored(healthy.id()).status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(stored(poison.id()).recovery().attempts()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(10));
        assertThat(kit.orders().recover().ordersFailed()).isEqualTo(1);
        assertThat(stored(poison.id()).recovery().attempts()).isEqualTo(2);
        assertThat(eventsOf(poison.id(), EventType.ORDER_NEEDS_ATTENTION)).isEmpty();
        clock.advance(Duration.ofSeconds(20));
        SweepReport third = kit.orders().recover();
        assertThat(third.ordersFailed()).isEqualTo(1);
        assertThat(third.ordersParked()).isEqualTo(1);

        Order parked = stored(poison.id());
        assertThat(parked.status()).isEqualTo(OrderStatus.NEEDS_ATTENTION);
        assertThat(parked.recovery().parkedFrom()).isEqualTo(OrderStatus.FULFILLING);
        assertThat(parked.recovery().attempts()).isEqualTo(3);
        assertThat(parked.recovery().lastError())
                .startsWith(PaymentRejectedException.class.getName() + ": capture of order poison-1 declined");
        assertThat(parked.paymentId()).isEqualTo(poison.paymentId());
        assertThat(kit.orders().parked(10)).containsExactly(parked);
        List<OrderKitEvent> parkedEvents = eventsOf(poison.id(), EventType.ORDER_NEEDS_ATTENTION);
        assertThat(parkedEvents).singleElement().satisfies(e -> {
            assertThat(e.attributes())
                    .containsEntry("status", "NEEDS_ATTENTION")
                    .containsEntry("parkedFrom", "FULFILLING")
                    .containsEntry("attempts", "3")
                    .containsEntry("error", parked.recovery().lastError());
            assertThat(e.scope()).isEqualTo(SHOP.value());
        });

        // parked: no sweep touches it any more, and the lifecycle calls refuse it
        int calls = gateway.callCount();
        clock.advance(Duration.ofHours(2));
        assertThat(kit.orders().recover().ordersFailed()).isZero();
        assertThat(gateway.callCount()).isEqualTo(calls);
        assertThat(stored(poison.id())).isEqualTo(parked);
        assertThatThrownBy(() -> kit.orders().cancel(SHOP, poison.id(), "give up"))
                .isInstanceOf(IllegalStateTransitionException.class);
        assertThatThrownBy(() -> kit.orders().fulfil(SHOP, poison.id()))
                .isInstanceOf(IllegalStateTransitionException.class);
        assertThatThrownBy(() -> kit.orders().parked(0)).isInstanceOf(InvalidRequestException.class);
    }

    @Test
    void aFailedOrderIsNotRetriedBeforeItsBackoffWhichDoubles() {
        RecoverySettings rs = RecoverySettings.defaults()
                .withMaxAttempts(5)
                .withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(40));
        OrderKit kit = kit(rs);
        Order poison = poisonFulfilling("poison-1");
        int before = gateway.callCount();
        kit.orders().recover();
        assertThat(gateway.callCount() - before).as("first attempt").isEqualTo(1);
        Instant failedAt = now();
        assertThat(stored(poison.id()).recovery().nextAttemptAt()).isEqualTo(failedAt.plusSeconds(10));

        // waits 10 s, 20 s, 40 s, then the cap (40 s); each sweep just before the wait ends does nothing
        int attempts = 1;
        for (Duration wait : List.of(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40))) {
            int calls = gateway.callCount();
            clock.advance(wait.minusMillis(1));
            assertThat(kit.orders().recover().ordersFailed())
                    .as("before the backoff of " + wait)
                    .isZero();
            assertThat(gateway.callCount())
                    .as("no call before the backoff of " + wait)
                    .isEqualTo(calls);
            clock.advance(Duration.ofMillis(1));
            assertThat(kit.orders().recover().ordersFailed())
                    .as("at the end of " + wait)
                    .isEqualTo(1);
            assertThat(gateway.callCount()).isEqualTo(calls + 1);
            attempts++;
            assertThat(stored(poison.id()).recovery().attempts()).isEqualTo(attempts);
        }
        assertThat(stored(poison.id()).recovery().nextAttemptAt()).isEqualTo(now().plusSeconds(40));
        clock.advance(Duration.ofSeconds(40));
        assertThat(kit.orders().recover().ordersParked()).isEqualTo(1);
        assertThat(stored(poison.id()).status()).isEqualTo(OrderStatus.NEEDS_ATTENTION);
    }

    @Test
    void instancesSweepingAtOnceShareTheOrdersAndWorkNoneTwice() throws Exception {
        int n = 200;
        Set<String> all = new HashSet<>();
        for (int i = 0; i < n; i++) {
            all.add(interruptedCancellation(String.format("cancel-%03d", i)).id());
        }
        // two instances, each with its own port on the one gateway (latency: the sweeps overlap)
        SimulatedPaymentPort portA = new SimulatedPaymentPort(gateway.ledger()).latency(Duration.ofMillis(3));
        SimulatedPaymentPort portB = new SimulatedPaymentPort(gateway.ledger()).latency(Duration.ofMillis(3));
        Set<String> workedA = ConcurrentHashMap.newKeySet();
        Set<String> workedB = ConcurrentHashMap.newKeySet();
        List<String> twice = new CopyOnWriteArrayList<>();
        StepHook hookA = (orderId, step) -> {
            if (step.equals("CANCELLING") && !workedA.add(orderId)) {
                twice.add("A:" + orderId);
            }
        };
        StepHook hookB = (orderId, step) -> {
            if (step.equals("CANCELLING") && !workedB.add(orderId)) {
                twice.add("B:" + orderId);
            }
        };
        OrderKit a = kit(fixture, portA, hookA, RecoverySettings.defaults());
        OrderKit b = kit(peerFixture, portB, hookB, RecoverySettings.defaults());

        List<Callable<SweepReport>> sweeps =
                List.of(() -> a.orders().recover(), () -> b.orders().recover());
        List<Object> reports = runConcurrently(2, sweeps);
        for (Object r : reports) {
            assertThat(r).isInstanceOf(SweepReport.class);
        }

        assertThat(twice).isEmpty();
        Set<String> both = new HashSet<>(workedA);
        both.retainAll(workedB);
        assertThat(both).as("orders worked by both instances").isEmpty();
        Set<String> union = new HashSet<>(workedA);
        union.addAll(workedB);
        assertThat(union).isEqualTo(all);
        assertThat(workedA).as("instance A's share").isNotEmpty();
        assertThat(workedB).as("instance B's share").isNotEmpty();
        assertThat(portA.callCount() + portB.callCount())
                .as("one void per order")
                .isEqualTo(n);
        int finished = ((SweepReport) reports.get(0)).ordersExpired() + ((SweepReport) reports.get(1)).ordersExpired();
        assertThat(finished).isEqualTo(n);
        for (String id : all) {
            assertThat(stored(id).status()).isEqualTo(OrderStatus.CANCELLED);
        }
        assertThat(gateway.liveAuthorizationsByOrder()).isEmpty();
    }

    @Test
    void aParkedOrderIsRetriedOnceItsCauseIsGone() {
        stockUp(WIDGET, 10);
        RecoverySettings rs = RecoverySettings.defaults()
                .withMaxAttempts(2)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1));
        AtomicBoolean broken = new AtomicBoolean(true);
        OrderKit kit = kit(fixture, gateway, failingBefore("FULFILLING", broken), rs);
        Order placed = kit(rs).orders().place(request("to-ship")).order();
        OrderKit crashing = kit(fixture, gateway, crashOnceBefore("FULFILLING"), rs);
        assertThatThrownBy(() -> crashing.orders().fulfil(SHOP, placed.id()))
                .isInstanceOf(CrashRecoveryContract.SimulatedCrash.class);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        kit.orders().recover();
        clock.advance(Duration.ofSeconds(1));
        assertThat(kit.orders().recover().ordersParked()).isEqualTo(1);
        Order parked = stored(placed.id());
        assertThat(parked.status()).isEqualTo(OrderStatus.NEEDS_ATTENTION);
        assertThat(parked.recovery().lastError())
                .isEqualTo(IllegalStateException.class.getName() + ": warehouse system down");

        // retried while the cause persists: the failure is thrown and the order is back in the sweep's hands
        assertThatThrownBy(() -> kit.orders().retryParked(placed.id()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("warehouse system down");
        Order again = stored(placed.id());
        assertThat(again.status()).isEqualTo(OrderStatus.FULFILLING);
        assertThat(again.recovery().attempts()).isEqualTo(1);
        assertThat(eventsOf(placed.id(), EventType.ORDER_RETRIED)).hasSize(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(kit.orders().recover().ordersParked()).isEqualTo(1);
        assertThat(kit.orders().parked(10)).extracting(Order::id).containsExactly(placed.id());

        // the cause is gone: the retry finishes the fulfilment, once
        broken.set(false);
        Order done = kit.orders().retryParked(placed.id());
        assertThat(done.status()).isEqualTo(OrderStatus.FULFILLED);
        assertThat(done).isEqualTo(stored(placed.id()));
        assertThat(done.recovery().attempts()).isZero();
        assertThat(paymentOf(gateway, placed).status()).isEqualTo(SimulatedPaymentPort.Status.CAPTURED);
        assertThat(stock().level(WIDGET).orElseThrow().onHand()).isEqualTo(7);
        assertThat(reservedWidgets()).isZero();
        assertThat(eventsOf(placed.id(), EventType.ORDER_RETRIED)).hasSize(2);
        assertThat(eventsOf(placed.id(), EventType.ORDER_FULFILLED)).hasSize(1);
        assertThat(kit.orders().parked(10)).isEmpty();
        // not parked (any more): nothing to do
        assertThat(kit.orders().retryParked(placed.id())).isEqualTo(done);
        assertThatThrownBy(() -> kit.orders().retryParked("no-such-order")).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.orders().retryParked(" ")).isInstanceOf(InvalidRequestException.class);
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(placed.id())))
                .isEmpty();
    }

    @Test
    void aParkedPlacementIsResumedByItsClientsRetry() {
        stockUp(WIDGET, 10);
        RecoverySettings rs = RecoverySettings.defaults()
                .withMaxAttempts(2)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(1));
        AtomicBoolean broken = new AtomicBoolean(true);
        OrderKit kit = kit(fixture, gateway, failingBefore("STOCK_RESERVED", broken), rs);
        PlaceOrderRequest req = request("stuck-placement");
        assertThatThrownBy(() -> kit.orders().place(req)).isInstanceOf(IllegalStateException.class);
        Order stuck = orders().findByKey(SHOP.value(), "stuck-placement").orElseThrow();
        assertThat(stuck.status()).isEqualTo(OrderStatus.STOCK_RESERVED);
        clock.advance(STUCK_AFTER.plusSeconds(1));
        assertThat(kit.orders().recover().ordersFailed()).isEqualTo(1);
        clock.advance(Duration.ofSeconds(1));
        assertThat(kit.orders().recover().ordersParked()).isEqualTo(1);
        assertThat(stored(stuck.id()).status()).isEqualTo(OrderStatus.NEEDS_ATTENTION);
        assertThat(stored(stuck.id()).recovery().parkedFrom()).isEqualTo(OrderStatus.STOCK_RESERVED);

        broken.set(false);
        PlaceOrderResult r = kit.orders().place(req);
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(r.order().id()).isEqualTo(stuck.id());
        assertThat(r.order().status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertThat(reservedWidgets()).isEqualTo(3);
        assertThat(kit.orders().place(req)).isEqualTo(r.asReplay());
        List<String> ids = new ArrayList<>(List.of(stuck.id()));
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids)).isEmpty();
    }
}
