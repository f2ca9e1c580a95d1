package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationExpiredException;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationOwnedException;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryEventSink;
import dev.orderkit.core.payment.PaymentResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StepHook;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Contract of hold renewal ({@code StockLedger#extend}, {@link dev.orderkit.core.spi.StockStorage#extend}
 * and {@code OrderService#extendHold}) on the backend under test:
 *
 * <ul>
 *   <li>an extended hold survives its old expiry (the sweeper, the lazy expiry of a reserve that
 *       finds its SKUs short and the per-SKU due lookup all leave it alone) and expires after the
 *       new one; the hold has two lines on two SKUs (on Redis Cluster: two slots, two parts);
 *   <li>a due, expired, committed, released, fulfilled, unknown or order-owned hold is refused with
 *       its typed exception and nothing is written; a due hold is not revived;
 *   <li>a repeat answers the same reservation (idempotent), also after a lost reply; a shorter
 *       expiry changes nothing;
 *   <li>extension racing expiry on many holds at once (threads; the expirer's clock at the old
 *       expiry, the extender's just before it): exactly one of them wins each hold, and the levels
 *       stay consistent ({@link InvariantChecker});
 *   <li>an order awaiting a payment action whose hold was extended is not cancelled by
 *       {@code recover()} past its normal grace, and is after the extended hold is due; the kit's
 *       {@code maxHold} is enforced; a writer that read the order before another one moved it
 *       decides again on what that one wrote (version compare-and-set).
 * </ul>
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()} and
 * a fixture that implements {@link BackendFixture#faults()}.
 */
public abstract class HoldExtensionContract extends ContractSupport {
    private static final StockKey A = StockKey.of("hold-a", "east");
    private static final StockKey B = StockKey.of("hold-b", "west");
    private static final StockKey WIDGET = StockKey.of("hold-widget");
    private static final Scope SHOP = Scope.of("shop-1");
    private static final Duration TTL = Duration.ofMinutes(10);
    private static final Duration ORDER_TTL = Duration.ofMinutes(5);
    private static final Duration MAX_HOLD = Duration.ofHours(1);

    private final InMemoryEventSink events = new InMemoryEventSink();

    /**
     * The kit's events of a type, after delivering the backend's outbox to the sink when the
     * storage records its events there (issue 17: JDBC writes them in the change's transaction).
     */
    private List<OrderKitEvent> delivered(EventType type) {
        if (stock().recordsEvents()) {
            new OutboxRelay(fixture.outboxStore(), events).drain(100);
        }
        return events.events(type);
    }

    /** Subclasses are created by JUnit. */
    protected HoldExtensionContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private OrderKit kit() {
        return kit(StepHook.NONE);
    }

    private OrderKit kit(StepHook hook) {
        return kitBuilder(fixture, new SimulatedPaymentPort())
                .eventSink(events)
                .reservationTtl(ORDER_TTL)
                .maxHold(MAX_HOLD)
                .stepHook(hook)
                .build();
    }

    private Reservation hold(OrderKit kit, String id) {
        return kit.stock()
                .reserve(new ReservationRequest(
                        id,
                        List.of(
                                ReservationLine.at(A.sku(), A.location(), 2),
                                ReservationLine.at(B.sku(), B.location(), 3)),
                        TTL));
    }

    private long reserved(StockKey key) {
        return stock().level(key).map(StockLevel::reserved).orElseThrow();
    }

    private Reservation stored(String id) {
        return stock().reservation(id).orElseThrow();
    }

    // ---------------------------------------------------------------- the ledger

    @Test
    void anExtendedHoldSurvivesItsOldExpiryAndExpiresAfterTheNewOne() {
        OrderKit kit = kit();
        stockUp(A, 10);
        stockUp(B, 10);
        Reservation r = hold(kit, "h-1");
        Instant oldExpiry = r.expiresAt();
        Instant newExpiry = oldExpiry.plus(Duration.ofMinutes(20));

        Reservation extended = kit.stock().extend("h-1", newExpiry);

        assertThat(extended.state()).isEqualTo(ReservationState.HELD);
        assertThat(extended.expiresAt()).isEqualTo(newExpiry);
        assertThat(extended.lines()).isEqualTo(r.lines());
        assertThat(stored("h-1").expiresAt()).isEqualTo(newExpiry);
        assertThat(delivered(EventType.HOLD_EXTENDED)).hasSize(1);
        assertThat(delivered(EventType.HOLD_EXTENDED).get(0).attributes())
                .containsEntry("expiresAt", newExpiry.toString());

        clock.set(oldExpiry.plusSeconds(1));
        assertThat(stock().dueReservations(now(), 10)).isEmpty();
        assertThat(stock().dueReservations(List.of(A.sku(), B.sku()), now(), 10))
                .isEmpty();
        assertThat(kit.stock().expireDue(10)).isZero();
        // a reserve that finds the SKU short expires due holds of it lazily: not this one
        assertThatThrownBy(() -> kit.stock()
                        .reserve(new ReservationRequest(
                                "h-2", List.of(ReservationLine.at(A.sku(), A.location(), 9)), TTL)))
                .isInstanceOf(InsufficientStockException.class);
        assertThat(stored("h-1").state()).isEqualTo(ReservationState.HELD);
        assertThat(reserved(A)).isEqualTo(2);
        assertThat(reserved(B)).isEqualTo(3);
        assertStockInvariants();

        clock.set(newExpiry);
        assertThat(stock().dueReservations(List.of(A.sku()), now(), 10)).containsExactly("h-1");
        assertThat(kit.stock().expireDue(10)).isEqualTo(1);
        assertThat(stored("h-1").state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(A)).isZero();
        assertThat(reserved(B)).isZero();
        assertStockInvariants();
    }

    @Test
    void aRepeatAnswersTheSameReservationAndAShorterExpiryChangesNothing() {
        OrderKit kit = kit();
        stockUp(A, 10);
        stockUp(B, 10);
        Reservation r = hold(kit, "h-1");
        Instant later = r.expiresAt().plus(Duration.ofMinutes(5));

        Reservation first = kit.stock().extend("h-1", later);
        clock.advance(Duration.ofSeconds(1));
        Reservation again = kit.stock().extend("h-1", later);
        Reservation shorter = kit.stock().extend("h-1", later.minusSeconds(60));

        assertThat(again).isEqualTo(first);
        assertThat(shorter).isEqualTo(first);
        assertThat(stored("h-1")).isEqualTo(first);
        assertThat(delivered(EventType.HOLD_EXTENDED)).hasSize(1);
        // the SPI says so too
        assertThat(stock().extend("h-1", later, now())).isEqualTo(new ExtendResult.Unchanged(first));
        assertThat(stock().movements(A)).hasSize(2); // stock-up, reserve: extension moves no stock
        assertStockInvariants();
    }

    @Test
    void aLostReplyOfAnExtensionIsAnsweredByTheRetry() {
        OrderKit kit = kit();
        stockUp(A, 10);
        stockUp(B, 10);
        Reservation r = hold(kit, "h-1");
        Instant later = r.expiresAt().plus(Duration.ofMinutes(5));

        fixture.faults().arm(FaultInjection.Fault.LOSE_ACK, 1);
        Reservation extended = kit.stock().extend("h-1", later);

        assertThat(fixture.faults().injected()).as("faults injected").isEqualTo(1);
        assertThat(extended.expiresAt()).isEqualTo(later);
        assertThat(extended.state()).isEqualTo(ReservationState.HELD);
        assertThat(stored("h-1").expiresAt()).isEqualTo(later);
        clock.set(r.expiresAt());
        assertThat(kit.stock().expireDue(10)).isZero();
        clock.set(later);
        assertThat(kit.stock().expireDue(10)).isEqualTo(1);
        assertStockInvariants();
    }

    @Test
    void aDueHoldIsRefusedAndNotRevived() {
        OrderKit kit = kit();
        stockUp(A, 10);
        stockUp(B, 10);
        Reservation r = hold(kit, "h-1");
        clock.set(r.expiresAt()); // due, not yet swept

        assertThatThrownBy(() -> kit.stock().extend("h-1", r.expiresAt().plus(Duration.ofMinutes(5))))
                .isInstanceOfSatisfying(ReservationExpiredException.class, e -> {
                    assertThat(e.id()).isEqualTo("h-1");
                    assertThat(e.currentState()).isEqualTo("HELD (expired)");
                    assertThat(e.expiresAt()).isEqualTo(r.expiresAt());
                });
        assertThat(stored("h-1").expiresAt()).isEqualTo(r.expiresAt());
        assertThat(kit.stock().expireDue(10)).isEqualTo(1);

        assertThatThrownBy(() -> kit.stock().extend("h-1", now().plus(Duration.ofMinutes(5))))
                .isInstanceOfSatisfying(
                        ReservationExpiredException.class,
                        e -> assertThat(e.currentState()).isEqualTo("EXPIRED"));
        assertThat(stored("h-1").state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(A)).isZero();
        assertStockInvariants();
    }

    @Test
    void holdsThatAreNotHeldOrDoNotExistAreRefusedWithTheirTypedErrors() {
        OrderKit kit = kit();
        stockUp(A, 10);
        stockUp(B, 10);
        hold(kit, "committed");
        kit.stock().commit("committed");
        hold(kit, "released");
        kit.stock().release("released");
        hold(kit, "fulfilled");
        kit.stock().commit("fulfilled");
        kit.stock().fulfil("fulfilled");
        Instant later = now().plus(Duration.ofHours(1));

        for (String id : List.of("committed", "released", "fulfilled")) {
            Reservation before = stored(id);
            assertThatThrownBy(() -> kit.stock().extend(id, later))
                    .as(id)
                    .isInstanceOf(IllegalStateTransitionException.class)
                    .isNotInstanceOf(ReservationExpiredException.class)
                    .satisfies(e -> assertThat(((IllegalStateTransitionException) e).currentState())
                            .isEqualTo(before.state().name()));
            assertThat(stored(id)).as(id).isEqualTo(before);
        }
        assertThatThrownBy(() -> kit.stock().extend("nobody", later))
                .isInstanceOfSatisfying(
                        NotFoundException.class, e -> assertThat(e.id()).isEqualTo("nobody"));
        assertThat(stock().extend("nobody", later, now())).isEqualTo(new ExtendResult.NotFound("nobody"));

        hold(kit, "h-1");
        assertThatThrownBy(() -> kit.stock().extend("h-1", now()))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("newExpiry"));
        assertThatThrownBy(() -> kit.stock().extend("h-1", now().plus(Duration.ofDays(8))))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("newExpiry"));
        assertThat(delivered(EventType.HOLD_EXTENDED)).isEmpty();
        assertStockInvariants();
    }

    @Test
    void anOrdersHoldCannotBeExtendedThroughTheLedger() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Reservation before = stored(o.id());

        assertThatThrownBy(() -> kit.stock().extend(o.id(), now().plus(Duration.ofMinutes(30))))
                .isInstanceOfSatisfying(ReservationOwnedException.class, e -> {
                    assertThat(e.orderId()).isEqualTo(o.id());
                    assertThat(e.operation()).isEqualTo("extend");
                });
        assertThat(stored(o.id())).isEqualTo(before);
    }

    /**
     * Extension against expiry on many holds at once: the extender's clock just before the hold's
     * expiry, the sweeper's (and a single expiry's) at it. Each hold ends exactly one way: extended
     * (HELD at the new expiry, the expiries answered nothing for it) or expired (the extension
     * refused as due). Conflicts are re-run, as core does.
     */
    @Test
    void extensionRacingExpiryHasExactlyOneWinnerPerHold() throws InterruptedException {
        int holds = 40;
        stockUp(A, 10L * holds);
        stockUp(B, 10L * holds);
        Instant t0 = now();
        Instant expiry = t0.plus(TTL);
        Instant extendedTo = expiry.plus(Duration.ofMinutes(10));
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < holds; i++) {
            String id = "race-" + i;
            ReserveResult r =
                    stock().reserve(id, List.of(new AllocatedLine(A, 1), new AllocatedLine(B, 2)), expiry, t0);
            assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
            ids.add(id);
        }
        List<Callable<Object>> tasks = new ArrayList<>();
        List<AtomicReference<Object>> extendAnswers = new ArrayList<>();
        List<AtomicReference<Object>> expireAnswers = new ArrayList<>();
        for (String id : ids) {
            AtomicReference<Object> ext = new AtomicReference<>();
            AtomicReference<Object> exp = new AtomicReference<>();
            extendAnswers.add(ext);
            expireAnswers.add(exp);
            tasks.add(() -> {
                ext.set(settled(() -> stock().extend(id, extendedTo, expiry.minusMillis(1))));
                return null;
            });
            tasks.add(() -> {
                boolean single = id.hashCode() % 2 == 0;
                exp.set(settled(() -> single
                        ? stock().transition(id, ReservationTransition.EXPIRE, expiry)
                        : stock().expireAll(List.of(id), expiry)));
                return null;
            });
        }
        List<Object> failures = runConcurrently(8, tasks);
        assertThat(failures).allMatch(Objects::isNull);

        long extended = 0;
        long heldA = 0;
        for (int i = 0; i < holds; i++) {
            String id = ids.get(i);
            Object ext = extendAnswers.get(i).get();
            Object exp = expireAnswers.get(i).get();
            Reservation now = stored(id);
            boolean expiredByExpiry =
                    exp instanceof TransitionResult.Applied || (exp instanceof List<?> l && l.size() == 1);
            if (ext instanceof ExtendResult.Extended e) {
                extended++;
                heldA += 1;
                assertThat(e.reservation().expiresAt()).as(id).isEqualTo(extendedTo);
                assertThat(now.state()).as(id).isEqualTo(ReservationState.HELD);
                assertThat(now.expiresAt()).as(id).isEqualTo(extendedTo);
                assertThat(expiredByExpiry)
                        .as(id + ": the expiry must have lost")
                        .isFalse();
            } else {
                assertThat(ext).as(id).isInstanceOf(ExtendResult.Refused.class);
                assertThat(ext instanceof ExtendResult.Refused f && f.due())
                        .as(id + ": refused as due")
                        .isTrue();
                assertThat(now.state()).as(id).isEqualTo(ReservationState.EXPIRED);
                assertThat(now.expiresAt()).as(id).isEqualTo(expiry);
                assertThat(expiredByExpiry)
                        .as(id + ": the expiry must have won")
                        .isTrue();
            }
        }
        assertThat(reserved(A)).isEqualTo(heldA);
        assertThat(reserved(B)).isEqualTo(2 * heldA);
        assertStockInvariants();

        // the extended ones expire at their new expiry, not before
        assertThat(stock().expireAll(ids, expiry.plusSeconds(1))).isEmpty();
        assertThat(stock().expireAll(ids, extendedTo)).hasSize((int) extended);
        assertThat(reserved(A)).isZero();
        assertThat(reserved(B)).isZero();
        assertStockInvariants();
    }

    /** Re-runs a storage call while it answers (or throws) a conflict, as core's conflict policy does. */
    private static Object settled(Callable<Object> call) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Object r;
            try {
                r = call.call();
            } catch (ConcurrencyConflictException e) {
                if (attempt > 1000) {
                    throw e;
                }
                continue;
            }
            if (!(r instanceof ExtendResult.Conflict || r instanceof TransitionResult.Conflict) || attempt > 1000) {
                return r;
            }
        }
    }

    // ---------------------------------------------------------------- orders

    private Order awaitingAction(OrderKit kit, String key) {
        PlaceOrderResult r = kit.orders()
                .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                        .customerRef("cust-1")
                        .paymentMethod("pm_action_3ds")
                        .line(WIDGET.sku(), 4, 100)
                        .build());
        assertThat(r.outcome()).isEqualTo(PlacementOutcome.PAYMENT_ACTION_REQUIRED);
        return r.order();
    }

    private Order order(String id) {
        return orders().find(id).orElseThrow();
    }

    @Test
    void anExtendedPaymentActionIsNotCancelledByRecoveryUntilItsHoldIsDue() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Instant until = now().plus(Duration.ofMinutes(30));

        Reservation hold = kit.orders().extendHold(SHOP, o.id(), until);

        assertThat(hold.expiresAt()).isEqualTo(until);
        assertThat(stored(o.id()).expiresAt()).isEqualTo(until);
        Order noted = order(o.id());
        assertThat(noted.status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(noted.version()).isEqualTo(o.version() + 1);
        assertThat(noted.recovery().nextAttemptAt()).isEqualTo(until);

        clock.advance(ORDER_TTL.multipliedBy(2)); // past the payment action's normal grace
        kit.orders().recover();
        assertThat(order(o.id()).status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        // even when the order is due for recovery (its record of the extension lost, say), the
        // live hold defers the cancellation until the hold is due
        Order current = order(o.id());
        Order due = current.transition(current.status(), current.updatedAt())
                .withRecovery(new Order.Recovery(0, now(), null, null));
        assertThat(orders().update(due, current.version(), List.of())).isTrue();
        kit.orders().recover();
        assertThat(order(o.id()).status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(order(o.id()).recovery().nextAttemptAt()).isEqualTo(until);
        assertThat(stored(o.id()).state()).isEqualTo(ReservationState.HELD);
        assertThat(reserved(WIDGET)).isEqualTo(4);
        // the customer completes the action in time: the hold is still there to commit
        Order confirmed = kit.orders().applyPaymentUpdate(o.id(), new PaymentResult.Approved(paymentIdOf(o)));
        assertThat(confirmed.status()).isEqualTo(OrderStatus.CONFIRMED);
        assertThat(stored(o.id()).state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(o.id())))
                .isEmpty();
    }

    @Test
    void recoveryCancelsTheOrderOnceItsExtendedHoldIsDue() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Instant until = now().plus(Duration.ofMinutes(30));
        kit.orders().extendHold(SHOP, o.id(), until);

        clock.set(until);
        assertThatThrownBy(() -> kit.orders().extendHold(SHOP, o.id(), until.plus(Duration.ofMinutes(5))))
                .isInstanceOf(ReservationExpiredException.class);
        kit.orders().recover();

        Order cancelled = order(o.id());
        assertThat(cancelled.status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(cancelled.failureReason()).isEqualTo("reservation_expired");
        assertThat(reserved(WIDGET)).isZero();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(o.id())))
                .isEmpty();
    }

    @Test
    void extendHoldIsBoundedByMaxHoldAndIdempotent() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Reservation before = stored(o.id());
        Instant latest = o.createdAt().plus(MAX_HOLD);

        assertThatThrownBy(() -> kit.orders().extendHold(SHOP, o.id(), latest.plusMillis(1)))
                .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                    assertThat(e.field()).isEqualTo("until");
                    assertThat(e.getMessage()).contains("maxHold").contains(latest.toString());
                });
        assertThat(stored(o.id())).isEqualTo(before);
        assertThat(order(o.id()).version()).isEqualTo(o.version());

        Reservation first = kit.orders().extendHold(SHOP, o.id(), latest);
        Order after = order(o.id());
        Reservation again = kit.orders().extendHold(SHOP, o.id(), latest);
        assertThat(first.expiresAt()).isEqualTo(latest);
        assertThat(again).isEqualTo(first);
        assertThat(order(o.id()).version()).as("a repeat writes nothing").isEqualTo(after.version());

        assertThatThrownBy(() -> kit.orders().extendHold(Scope.of("shop-2"), o.id(), latest))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> kit.orders().extendHold(SHOP, o.id(), now()))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("until"));
    }

    @Test
    void aLostReplyOfAnOrdersExtensionIsAnsweredByTheRetryWithOneOrderWrite() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Instant until = now().plus(Duration.ofMinutes(20));

        fixture.faults().arm(FaultInjection.Fault.LOSE_ACK, 1);
        Reservation hold = kit.orders().extendHold(SHOP, o.id(), until);

        assertThat(fixture.faults().injected()).as("faults injected").isEqualTo(1);
        assertThat(hold.expiresAt()).isEqualTo(until);
        assertThat(stored(o.id()).expiresAt()).isEqualTo(until);
        Order noted = order(o.id());
        assertThat(noted.status()).isEqualTo(OrderStatus.AWAITING_PAYMENT_ACTION);
        assertThat(noted.version()).isEqualTo(o.version() + 1);
        assertThat(noted.recovery().nextAttemptAt()).isEqualTo(until);
    }

    @Test
    void onlyAnOrderAwaitingAPaymentActionCanHaveItsHoldExtended() {
        OrderKit kit = kit();
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        kit.orders().applyPaymentUpdate(o.id(), new PaymentResult.Approved(paymentIdOf(o)));
        Reservation before = stored(o.id());

        assertThatThrownBy(() -> kit.orders().extendHold(SHOP, o.id(), now().plus(Duration.ofMinutes(20))))
                .isInstanceOfSatisfying(
                        IllegalStateTransitionException.class,
                        e -> assertThat(e.currentState()).isEqualTo("CONFIRMED"));
        assertThat(stored(o.id())).isEqualTo(before);
    }

    /**
     * Another writer moves the order after {@code extendHold} read it: a recovery claim (only the
     * version moves) makes it decide again and succeed; a cancellation makes it refuse, and the
     * cancelled order's stock stays released.
     */
    @Test
    void aWriterThatReadTheOrderBeforeAnotherMovedItDecidesAgain() {
        AtomicReference<Runnable> interleave = new AtomicReference<>();
        OrderKit kit = kit((orderId, step) -> {
            Runnable r = step.equals("EXTEND_HOLD") ? interleave.getAndSet(null) : null;
            if (r != null) {
                r.run();
            }
        });
        stockUp(WIDGET, 10);
        Order o = awaitingAction(kit, "k-1");
        Instant until = now().plus(Duration.ofMinutes(20));

        interleave.set(
                () -> { // a recovery sweep claims the order: a new version, same status
                    Order current = order(o.id());
                    Order claimed = current.transition(current.status(), current.updatedAt())
                            .withRecovery(new Order.Recovery(0, now().plus(Duration.ofSeconds(30)), null, null));
                    assertThat(orders().update(claimed, current.version(), List.of()))
                            .isTrue();
                });
        Reservation extended = kit.orders().extendHold(SHOP, o.id(), until);
        assertThat(extended.expiresAt()).isEqualTo(until);
        assertThat(order(o.id()).version()).isEqualTo(o.version() + 2);
        assertThat(order(o.id()).recovery().nextAttemptAt()).isEqualTo(until);

        Order p = awaitingAction(kit, "k-2");
        Instant before = stored(p.id()).expiresAt();
        interleave.set(() -> kit.orders().cancel(SHOP, p.id(), "changed mind"));
        assertThatThrownBy(() -> kit.orders().extendHold(SHOP, p.id(), until))
                .isInstanceOfSatisfying(
                        IllegalStateTransitionException.class,
                        e -> assertThat(e.currentState()).isIn("RELEASED", "CANCELLED"));
        assertThat(order(p.id()).status()).isEqualTo(OrderStatus.CANCELLED);
        assertThat(stored(p.id()).state()).isEqualTo(ReservationState.RELEASED);
        assertThat(stored(p.id()).expiresAt()).isEqualTo(before);
        assertThat(reserved(WIDGET)).isEqualTo(4);
        assertThat(InvariantChecker.checkOrders(stock(), orders(), List.of(o.id(), p.id())))
                .isEmpty();
    }
}
