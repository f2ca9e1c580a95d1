package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AsyncPlacement;
import dev.orderkit.core.Background;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IdempotencyKeyReuseException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.UnknownSkuException;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StepHook;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of asynchronous placement ({@code OrderService#submit} and the payment workers of
 * {@link AsyncPlacement}) on a backend that stores orders:
 *
 * <ul>
 *   <li>a submit answers at once with the order accepted and its stock held; the workers finish it
 *       (confirmed, or declined with the stock back) without any further call; a repeat of the key
 *       replays "accepted" while pending and the final outcome after; out of stock is finished at
 *       once; key reuse with another payload and unknown SKUs behave as in {@code place};
 *   <li>a kit that accepted an order and died (no worker of its own ever ran) leaves it to any
 *       other instance, which finishes it; a submit that crashed half-way leaves nothing, or an
 *       order that another instance finishes;
 *   <li>concurrent submits of one key make one order and one authorization;
 *   <li>a storm of 429s from the gateway pauses the workers (no retry storm: the calls during the
 *       storm stay bounded by its Retry-After), parks nothing, and every order finishes;
 *   <li>a full backlog answers "busy" and writes nothing (no key, no order, no hold), while a
 *       repeat of an accepted key is still answered.
 * </ul>
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class AsyncPlacementContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("async-shop");
    private static final StockKey WIDGET = StockKey.of("async-widget");
    private static final Duration FINISH_WITHIN = Duration.ofSeconds(60);

    private final List<OrderKit> kits = new ArrayList<>();
    private final List<BackendFixture> peers = new ArrayList<>();

    /** Subclasses are created by JUnit. */
    protected AsyncPlacementContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Stops every kit's workers (before the fixture is dropped), then closes the peers. */
    @AfterEach
    void closeKits() {
        kits.forEach(OrderKit::close);
        peers.forEach(BackendFixture::close);
    }

    /** Background work with short periods: the workers poll every 20 ms. */
    private static Background fastBackground() {
        return Background.on()
                .withInitialDelay(Duration.ZERO)
                .withRecoveryEvery(Duration.ofMillis(200))
                .withExpiryEvery(Duration.ofSeconds(1))
                .withShutdownTimeout(Duration.ofSeconds(20));
    }

    /** The events every kit of a test delivers (the outbox's, for stores that record their events). */
    private final InMemoryEventSink events = new InMemoryEventSink();

    /**
     * Waits until an event of {@code type} about {@code orderId} was delivered, relaying the
     * fixture's outbox when the backend records its events in one.
     */
    private OrderKitEvent awaitEvent(EventType type, String orderId) throws InterruptedException {
        long deadline = System.nanoTime() + FINISH_WITHIN.toNanos();
        while (true) {
            try {
                new OutboxRelay(fixture.outboxStore(), events).drain(1000);
            } catch (UnsupportedOperationException none) {
                // the kit delivers to the sink itself (in-process outbox)
            }
            Optional<OrderKitEvent> found = events.events(type).stream()
                    .filter(e -> e.subjectId().equals(orderId))
                    .findFirst();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("no " + type + " event of order " + orderId + " within " + FINISH_WITHIN);
            }
            Thread.sleep(20);
        }
    }

    private OrderKit kit(BackendFixture f, PaymentPort payments, AsyncPlacement async, boolean workers) {
        OrderKit.Builder b = kitBuilder(f, new SimulatedPaymentPort())
                .eventSink(events)
                .paymentPort(payments)
                .asyncPlacement(async)
                .background(workers ? fastBackground() : Background.off());
        OrderKit kit = b.build();
        kits.add(kit);
        return kit;
    }

    private static AsyncPlacement async() {
        return AsyncPlacement.defaults().withPollEvery(Duration.ofMillis(20)).withBacklogRefresh(Duration.ZERO);
    }

    private static PlaceOrderRequest order(String key, long quantity) {
        return order(key, quantity, "pm_card_visa");
    }

    private static PlaceOrderRequest order(String key, long quantity, String method) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .customerRef("cust-async")
                .line(WIDGET.sku(), quantity, 500)
                .paymentMethod(method)
                .build();
    }

    private long available() {
        return stock().level(WIDGET).map(StockLevel::available).orElseThrow();
    }

    /**
     * Waits until the widget's available quantity is {@code expected}; fails after
     * {@link #FINISH_WITHIN}. The test clock stands still (no hold can expire meanwhile, so only the
     * worker's release can give stock back).
     */
    private void awaitAvailable(long expected) throws InterruptedException {
        long deadline = System.nanoTime() + FINISH_WITHIN.toNanos();
        while (available() != expected) {
            if (System.nanoTime() - deadline > 0) {
                assertThat(available()).as("available within %s", FINISH_WITHIN).isEqualTo(expected);
            }
            Thread.sleep(5);
        }
    }

    /**
     * Waits until the order has left the placement statuses; fails after {@link #FINISH_WITHIN}. The
     * test clock moves on with real time (what is rescheduled after a pause becomes due).
     */
    private Order awaitSettled(OrderKit kit, String orderId) throws InterruptedException {
        long deadline = System.nanoTime() + FINISH_WITHIN.toNanos();
        while (true) {
            Optional<Order> o = kit.orders().get(SHOP, orderId);
            if (o.isPresent() && !o.get().status().isPlacementInFlight()) {
                return o.get();
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("order " + orderId + " did not settle within " + FINISH_WITHIN + ": "
                        + o.map(Order::status).orElse(null));
            }
            Thread.sleep(20);
            clock.advance(Duration.ofMillis(20));
        }
    }

    private static Order acceptedOrder(SubmitResult r) {
        assertThat(r).isInstanceOf(SubmitResult.Accepted.class);
        return ((SubmitResult.Accepted) r).order();
    }

    @Test
    void aSubmitIsAcceptedAtOnceAndTheWorkersConfirmIt() throws Exception {
        stockUp(WIDGET, 10);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = kit(fixture, gateway, async(), true);

        SubmitResult first = kit.orders().submit(order("a-1", 3));
        Order accepted = acceptedOrder(first);
        assertThat(((SubmitResult.Accepted) first).replayed()).isFalse();
        assertThat(accepted.status()).isEqualTo(OrderStatus.STOCK_RESERVED);
        assertThat(accepted.allocations()).isNotEmpty();

        Order done = awaitSettled(kit, accepted.id());
        assertThat(done.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(done.paymentId()).isNotNull();
        if (!orders().discardsEvents()) {
            // the outcome reaches the client as an event (and so as a webhook)
            assertThat(awaitEvent(EventType.ORDER_CONFIRMED, accepted.id()).scope())
                    .isEqualTo(SHOP.value());
        }
        assertThat(available()).isEqualTo(7);
        assertThat(gateway.liveAuthorizationsByOrder().get(accepted.id())).hasSize(1);

        SubmitResult replay = kit.orders().submit(order("a-1", 3));
        assertThat(replay).isInstanceOf(SubmitResult.Finished.class);
        SubmitResult.Finished f = (SubmitResult.Finished) replay;
        assertThat(f.result().outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(f.result().replayed()).isTrue();
        assertThat(f.result().order().id()).isEqualTo(accepted.id());
        // place() with the submitted key replays the same outcome
        assertThat(kit.orders().place(order("a-1", 3)).outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertStockInvariants();
    }

    @Test
    void aRepeatWhilePendingIsAcceptedAgainAndADeclineGivesTheStockBack() throws Exception {
        stockUp(WIDGET, 10);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit accepting = kit(fixture, gateway, async(), false); // no workers: it stays pending

        Order accepted = acceptedOrder(accepting.orders().submit(order("d-1", 4, "pm_decline")));
        SubmitResult again = accepting.orders().submit(order("d-1", 4, "pm_decline"));
        assertThat(again).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(((SubmitResult.Accepted) again).replayed()).isTrue();
        assertThat(((SubmitResult.Accepted) again).order().id()).isEqualTo(accepted.id());
        assertThat(available()).isEqualTo(6);
        assertThat(gateway.callCount()).isZero();

        OrderKit worker = kit(fixture, gateway, async(), true);
        Order done = awaitSettled(worker, accepted.id());
        assertThat(done.status()).isEqualTo(OrderStatus.PAYMENT_DECLINED);
        // a decline is claimed first and its hold given back right after (separate writes where the
        // backend is not transactional): the order can be seen declined a moment before its stock
        awaitAvailable(10);
        if (!orders().discardsEvents()) {
            awaitEvent(EventType.PAYMENT_DECLINED, accepted.id());
        }
        SubmitResult finished = accepting.orders().submit(order("d-1", 4, "pm_decline"));
        assertThat(((SubmitResult.Finished) finished).result().outcome()).isEqualTo(PlacementOutcome.PAYMENT_DECLINED);
        assertStockInvariants();
    }

    @Test
    void outOfStockIsFinishedAtOnceAndBadInputBehavesAsInPlace() {
        stockUp(WIDGET, 2);
        OrderKit kit = kit(fixture, new SimulatedPaymentPort(), async(), false);

        SubmitResult r = kit.orders().submit(order("o-1", 3));
        assertThat(r).isInstanceOf(SubmitResult.Finished.class);
        assertThat(((SubmitResult.Finished) r).result().outcome()).isEqualTo(PlacementOutcome.OUT_OF_STOCK);
        assertThat(available()).isEqualTo(2);
        assertThat(kit.orders().submit(order("o-1", 3))).isInstanceOf(SubmitResult.Finished.class);

        acceptedOrder(kit.orders().submit(order("o-2", 1)));
        assertThatThrownBy(() -> kit.orders().submit(order("o-2", 2))).isInstanceOf(IdempotencyKeyReuseException.class);

        PlaceOrderRequest unknown = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("o-3"))
                .customerRef("cust-async")
                .line("no-such-sku", 1, 100)
                .build();
        assertThatThrownBy(() -> kit.orders().submit(unknown)).isInstanceOf(UnknownSkuException.class);
        assertThat(kit.orders().findByKey(SHOP, IdempotencyKey.of("o-3"))).isEmpty();
        assertThat(keyStore().read(new ScopedKey(SHOP, IdempotencyKey.of("o-3"))))
                .isEmpty();
    }

    @Test
    void anOrderAcceptedByAKitThatDiedIsFinishedByAnotherInstance() throws Exception {
        stockUp(WIDGET, 10);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        // the accepting instance never runs a worker: as if its process died right after the commit
        OrderKit dead = kit(fixture, gateway, async(), false);
        Order accepted = acceptedOrder(dead.orders().submit(order("c-1", 2)));

        BackendFixture other = peer(fixture);
        if (other != fixture) {
            peers.add(other);
        }
        OrderKit survivor = kit(other, gateway, async(), true);
        Order done = awaitSettled(survivor, accepted.id());
        assertThat(done.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(gateway.liveAuthorizationsByOrder().get(accepted.id())).hasSize(1);
        assertStockInvariants();
    }

    @Test
    void aSubmitThatCrashedHalfWayLeavesNothingOrAnOrderThatFinishes() throws Exception {
        stockUp(WIDGET, 10);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        StepHook crashAfterCreate = (orderId, step) -> {
            if (step.equals(OrderStatus.CREATED.name())) {
                throw new IllegalStateException("simulated crash after the order was created");
            }
        };
        OrderKit crashing = kitBuilder(fixture, gateway)
                .asyncPlacement(async())
                .stepHook(crashAfterCreate)
                .build();
        kits.add(crashing);
        assertThatThrownBy(() -> crashing.orders().submit(order("x-1", 2))).isInstanceOf(RuntimeException.class);

        // the lease of a crashed call lapses; the stuck order (if any was written) becomes due
        clock.advance(Duration.ofHours(1));
        OrderKit survivor = kit(fixture, gateway, async(), true);
        Optional<Order> written = survivor.orders().findByKey(SHOP, IdempotencyKey.of("x-1"));
        if (written.isPresent()) {
            Order done = awaitSettled(survivor, written.get().id());
            assertThat(done.status()).isIn(OrderStatus.CONFIRMED, OrderStatus.CANCELLED);
        } else {
            assertThat(available()).isEqualTo(10);
        }
        assertStockInvariants();
    }

    @Test
    void concurrentSubmitsOfOneKeyMakeOneOrder() throws Exception {
        stockUp(WIDGET, 100);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = kitBuilder(fixture, gateway)
                .asyncPlacement(async())
                .inProgressWait(Duration.ofSeconds(10))
                .build();
        kits.add(kit);
        List<Callable<SubmitResult>> calls = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            calls.add(() -> kit.orders().submit(order("k-1", 5)));
        }
        Set<String> ids = new HashSet<>();
        int fresh = 0;
        for (Object r : runConcurrently(8, calls)) {
            assertThat(r).isInstanceOf(SubmitResult.Accepted.class);
            SubmitResult.Accepted a = (SubmitResult.Accepted) r;
            ids.add(a.order().id());
            fresh += a.replayed() ? 0 : 1;
        }
        assertThat(ids).hasSize(1);
        assertThat(fresh).isEqualTo(1);
        assertThat(available()).isEqualTo(95);

        OrderKit worker = kit(fixture, gateway, async(), true);
        assertThat(awaitSettled(worker, ids.iterator().next()).status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(gateway.liveAuthorizationsByOrder().get(ids.iterator().next()))
                .hasSize(1);
        assertStockInvariants();
    }

    @Test
    void aStormOf429sPausesTheWorkersAndEverythingFinishes() throws Exception {
        stockUp(WIDGET, 100);
        SimulatedPaymentPort simulated = new SimulatedPaymentPort();
        Duration retryAfter = Duration.ofMillis(250);
        StormyGateway gateway = new StormyGateway(simulated, Duration.ofMillis(1500), retryAfter);
        OrderKit accepting = kit(fixture, gateway, async(), false);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            ids.add(acceptedOrder(accepting.orders().submit(order("s-" + i, 1))).id());
        }
        gateway.startStorm();
        OrderKit worker = kit(fixture, gateway, async().withWorkers(4), true);
        for (String id : ids) {
            assertThat(awaitSettled(worker, id).status()).isEqualTo(OrderStatus.CONFIRMED);
        }
        // without the pause, 4 workers with fast retries would call hundreds of times in the storm;
        // with it, each 429 stops every call for Retry-After: about (storm / retryAfter) rounds of
        // at most one call per worker
        int rounds = (int) (gateway.storm.toMillis() / retryAfter.toMillis()) + 2;
        assertThat(gateway.refused.get()).isPositive().isLessThanOrEqualTo(rounds * 4);
        for (String id : ids) {
            assertThat(worker.orders().get(SHOP, id).orElseThrow().recovery().attempts())
                    .isZero();
        }
        assertStockInvariants();
    }

    @Test
    void aFullBacklogAnswersBusyAndWritesNothing() {
        stockUp(WIDGET, 10);
        OrderKit kit = kit(fixture, new SimulatedPaymentPort(), async().withMaxBacklog(3), false);
        Order first = acceptedOrder(kit.orders().submit(order("b-1", 1)));
        acceptedOrder(kit.orders().submit(order("b-2", 1)));
        acceptedOrder(kit.orders().submit(order("b-3", 1)));

        SubmitResult busy = kit.orders().submit(order("b-4", 1));
        assertThat(busy).isInstanceOf(SubmitResult.Busy.class);
        assertThat(((SubmitResult.Busy) busy).backlog()).isEqualTo(3);
        assertThat(((SubmitResult.Busy) busy).retryAfter()).isPositive();
        assertThat(kit.orders().findByKey(SHOP, IdempotencyKey.of("b-4"))).isEmpty();
        assertThat(keyStore().read(new ScopedKey(SHOP, IdempotencyKey.of("b-4"))))
                .isEmpty();
        assertThat(available()).isEqualTo(7);

        SubmitResult repeat = kit.orders().submit(order("b-1", 1));
        assertThat(repeat).isInstanceOf(SubmitResult.Accepted.class);
        assertThat(((SubmitResult.Accepted) repeat).order().id()).isEqualTo(first.id());
    }

    @Test
    void holdsMustOutlastAFullBacklogAtThePace() {
        assertThatThrownBy(() -> kitBuilder(fixture, new SimulatedPaymentPort())
                        .paymentPacing(PaymentPacing.perSecond(10))
                        .asyncPlacement(
                                AsyncPlacement.defaults().withMaxBacklog(10_000).withHoldTtl(Duration.ofMinutes(5)))
                        .build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("asyncPlacement.holdTtl");
    }

    /**
     * A gateway that answers every call with a 429 during a storm (Retry-After given), and counts
     * the refused calls.
     */
    private static final class StormyGateway extends GatedPaymentPort {
        final Duration storm;
        final Duration retryAfter;
        final AtomicLong stormEndsAt = new AtomicLong();
        final AtomicInteger refused = new AtomicInteger();

        StormyGateway(SimulatedPaymentPort delegate, Duration storm, Duration retryAfter) {
            super(delegate);
            this.storm = storm;
            this.retryAfter = retryAfter;
        }

        void startStorm() {
            stormEndsAt.set(System.nanoTime() + storm.toNanos());
        }

        @Override
        protected void admit(String call) {
            long end = stormEndsAt.get();
            if (end != 0 && end - System.nanoTime() > 0) {
                refused.incrementAndGet();
                throw new PaymentRateLimitedException("429 on " + call, retryAfter, null);
            }
        }
    }
}
