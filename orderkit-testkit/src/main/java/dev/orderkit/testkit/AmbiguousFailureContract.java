package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RequestInProgressException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.SubmitResult;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Contract of safety under <em>ambiguous failures</em>: a write that failed before the backend
 * applied it, or (the dangerous case) a write the backend applied whose acknowledgement the caller
 * never got — a lost connection after COMMIT, a Redis reply lost after the script ran. Core then
 * retries; every retry must find the first effect and never add a second one.
 *
 * <p>The faults come from the fixture's {@link BackendFixture#faults()} and are injected where the
 * backend really fails (see {@link FaultInjection}). Each test drives core ({@link OrderKit}) through
 * the faults and checks the design's invariants, the movement ledger (one movement per effect) and
 * the money (no live authorization on an order that was not confirmed).
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()} and a
 * fixture that implements {@link BackendFixture#faults()}.
 */
public abstract class AmbiguousFailureContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey WIDGET = StockKey.of("widget");
    private static final StockKey GADGET = StockKey.of("gadget");
    private static final Duration LEASE = Duration.ofSeconds(30);
    /** Backend retries generous enough that a run of random faults never exhausts them in practice. */
    private static final RetrySettings PATIENT = new RetrySettings(
            50,
            Duration.ofMillis(1),
            Duration.ofMillis(10),
            12,
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            4,
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            1000,
            Duration.ofMillis(1),
            0.25);

    /** Subclasses are created by JUnit. */
    protected AmbiguousFailureContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private FaultInjection faults() {
        return fixture.faults();
    }

    private OrderKit kit(SimulatedPaymentPort gateway) {
        return kitBuilder(fixture, gateway)
                .retry(PATIENT)
                .lease(LEASE)
                .reservationTtl(Duration.ofHours(2))
                .stuckAfter(Duration.ofMinutes(1))
                .build();
    }

    private List<Movement> movementsWith(StockKey key, String reference) {
        return stock().movements(key).stream()
                .filter(m -> reference.equals(m.reference()))
                .toList();
    }

    // ------------------------------------------------------------------ stock writes

    @Test
    void lostAcknowledgementOfARestockAppliesItOnce() {
        OrderKit kit = kit(new SimulatedPaymentPort());
        stockUp(WIDGET, 10);
        faults().arm(FaultInjection.Fault.LOSE_ACK, 1);
        StockLevel after = kit.stock().adjust(WIDGET, 5, "restock-42");
        assertThat(faults().injected()).as("faults injected").isEqualTo(1);
        assertThat(after.onHand()).isEqualTo(15);
        assertThat(stock().level(WIDGET).orElseThrow().onHand())
                .as("stored on-hand")
                .isEqualTo(15);
        assertThat(movementsWith(WIDGET, "restock-42")).hasSize(1);
        assertStockInvariants();
    }

    @Test
    void lostAcknowledgementOfAStockCountReturnsTheCountNotAConflict() {
        OrderKit kit = kit(new SimulatedPaymentPort());
        StockLevel start = stockUp(WIDGET, 10);
        faults().arm(FaultInjection.Fault.LOSE_ACK, 1);
        StockLevel counted = kit.stock().setOnHand(WIDGET, 50, start.version(), "count-3");
        assertThat(faults().injected()).isEqualTo(1);
        assertThat(counted.onHand()).isEqualTo(50);
        assertThat(stock().level(WIDGET).orElseThrow().onHand()).isEqualTo(50);
        assertThat(movementsWith(WIDGET, "count-3")).hasSize(1);
        assertStockInvariants();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(FaultInjection.Fault.class)
    void stockWritesAreAppliedExactlyOnceWhateverTheFault(FaultInjection.Fault fault) {
        OrderKit kit = kit(new SimulatedPaymentPort());
        faults().arm(fault, 1);
        kit.stock().adjust(WIDGET, 8, "delivery-1");
        faults().arm(fault, 1);
        kit.stock().adjust(WIDGET, -3, "shrink-1");
        StockLevel l = stock().level(WIDGET).orElseThrow();
        faults().arm(fault, 1);
        kit.stock().setOnHand(WIDGET, 6, l.version(), "count-1");
        faults().arm(fault, 1);
        kit.stock().setOnHand(GADGET, 4, -1, "opening-count");
        assertThat(faults().injected()).isEqualTo(4);
        assertThat(stock().level(WIDGET).orElseThrow().onHand()).isEqualTo(6);
        assertThat(stock().level(GADGET).orElseThrow().onHand()).isEqualTo(4);
        assertThat(stock().movements(WIDGET)).hasSize(3);
        assertThat(stock().movements(GADGET)).hasSize(1);
        assertStockInvariants();
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(FaultInjection.Fault.class)
    void everyReservationStepIsAppliedExactlyOnceWhateverTheFault(FaultInjection.Fault fault) {
        OrderKit kit = kit(new SimulatedPaymentPort());
        stockUp(WIDGET, 10);
        stockUp(GADGET, 10);
        List<ReservationLine> lines = List.of(ReservationLine.of("widget", 3), ReservationLine.of("gadget", 2));

        int armed = 0;
        faults().arm(fault, 1);
        armed++;
        assertThat(kit.stock()
                        .reserve(new ReservationRequest("r-1", lines, Duration.ofMinutes(10)))
                        .state())
                .isEqualTo(ReservationState.HELD);
        faults().arm(fault, 1);
        armed++;
        assertThat(kit.stock().commit("r-1").state()).isEqualTo(ReservationState.COMMITTED);
        faults().arm(fault, 1);
        armed++;
        assertThat(kit.stock().fulfil("r-1").state()).isEqualTo(ReservationState.FULFILLED);

        kit.stock().reserve(new ReservationRequest("r-2", lines, Duration.ofMinutes(10)));
        faults().arm(fault, 1);
        armed++;
        assertThat(kit.stock().release("r-2").state()).isEqualTo(ReservationState.RELEASED);

        kit.stock().reserve(new ReservationRequest("r-3", lines, Duration.ofSeconds(5)));
        clock.advance(Duration.ofSeconds(6));
        faults().arm(fault, 1);
        armed++;
        kit.stock().expireDue(5);
        faults().disarm();
        assertThat(stock().reservation("r-3").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(faults().injected()).as("every armed fault struck").isEqualTo(armed);

        assertThat(stock().level(WIDGET).orElseThrow())
                .extracting(StockLevel::onHand, StockLevel::reserved)
                .containsExactly(7L, 0L);
        assertThat(stock().level(GADGET).orElseThrow())
                .extracting(StockLevel::onHand, StockLevel::reserved)
                .containsExactly(8L, 0L);
        for (StockKey k : List.of(WIDGET, GADGET)) {
            Map<String, Long> count = new LinkedHashMap<>();
            for (Movement m : stock().movements(k)) {
                if (m.reason() != MovementReason.ADJUST) {
                    count.merge(m.reason() + " " + m.reference(), 1L, Long::sum);
                }
            }
            assertThat(count)
                    .as("movements of " + k)
                    .containsOnlyKeys(
                            "RESERVE r-1", "FULFIL r-1", "RESERVE r-2", "RELEASE r-2", "RESERVE r-3", "EXPIRE r-3");
            assertThat(count.values()).as("one movement per effect on " + k).containsOnly(1L);
        }
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ orders under random faults

    /**
     * Retries a call as a client would after a retryable failure. Never after
     * {@link RequestInProgressException}: a claim whose acknowledgement was lost is recognised as the
     * call's own (its claimant), and a failed placement releases its lease, so no request here may
     * find itself in progress and wait out a lease.
     */
    private <T> T asAClient(Supplier<T> call) {
        RuntimeException last = null;
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                return call.get();
            } catch (RequestInProgressException e) {
                throw new AssertionError("a request found itself in progress (its own lost claim or lease)", e);
            } catch (BackendUnavailableException | ConcurrencyConflictException e) {
                last = e;
            }
        }
        throw new AssertionError("still failing after 20 client retries", last);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(FaultInjection.Fault.class)
    void placementsCancellationsAndFulfilmentsUnderRandomFaultsKeepEveryInvariant(FaultInjection.Fault fault) {
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = kit(gateway);
        stockUp(WIDGET, 14);
        stockUp(GADGET, 6);
        faults().armRandomly(fault, 0.2, 42);

        Map<String, PlaceOrderResult> results = new LinkedHashMap<>();
        for (int i = 0; i < 18; i++) {
            String key = "k-" + i;
            PlaceOrderRequest req = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                    .paymentMethod(i % 5 == 3 ? "pm_decline_card" : "pm_card")
                    .line("widget", 1 + i % 2, 500)
                    .line("gadget", 1, 900)
                    .build();
            PlaceOrderResult first = asAClient(() -> kit.orders().place(req));
            PlaceOrderResult again = asAClient(() -> kit.orders().place(req));
            assertThat(again.order().id())
                    .as("replay of " + key)
                    .isEqualTo(first.order().id());
            assertThat(again.outcome()).as("replay of " + key).isEqualTo(first.outcome());
            results.put(key, first);
        }
        int n = 0;
        for (PlaceOrderResult r : results.values()) {
            if (r.outcome() != PlacementOutcome.PLACED) {
                continue;
            }
            String id = r.order().id();
            if (n % 3 == 0) {
                assertThat(asAClient(() -> kit.orders().cancel(SHOP, id, "changed-mind"))
                                .status())
                        .isEqualTo(OrderStatus.CANCELLED);
            } else if (n % 3 == 1) {
                assertThat(asAClient(() -> kit.orders().fulfil(SHOP, id)).status())
                        .isEqualTo(OrderStatus.FULFILLED);
            }
            n++;
        }
        faults().disarm();
        assertThat(faults().injected()).as("faults injected").isGreaterThan(5);
        assertThat(results.values())
                .extracting(PlaceOrderResult::outcome)
                .contains(PlacementOutcome.PLACED, PlacementOutcome.PAYMENT_DECLINED, PlacementOutcome.OUT_OF_STOCK);

        clock.advance(Duration.ofMinutes(2));
        kit.orders().recover();

        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, PlaceOrderResult> e : results.entrySet()) {
            Order found =
                    kit.orders().findByKey(SHOP, IdempotencyKey.of(e.getKey())).orElseThrow();
            assertThat(found.id())
                    .as("the one order of " + e.getKey())
                    .isEqualTo(e.getValue().order().id());
            ids.add(found.id());
            Reservation res = stock().reservation(found.id()).orElse(null);
            if (res != null) {
                for (var line : res.lines()) {
                    assertThat(stock().movements(line.key()).stream()
                                    .filter(m -> m.reason() == MovementReason.RESERVE
                                            && found.id().equals(m.reference())))
                            .as("holds of " + found.id() + " on " + line.key())
                            .hasSize(1);
                }
            }
        }
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("order invariants")
                .isEmpty();
        assertThat(InvariantChecker.checkPayments(orders(), ids, gateway))
                .as("payment invariants")
                .isEmpty();
    }

    /**
     * Asynchronous placement under random faults: submits (each one repeated, as a client that
     * lost the answer would) and the recovery that drives the accepted orders (no workers here, so
     * {@code recover()} does it) while writes fail before applying or lose their acknowledgement.
     * Every key has one order, the repeat names it, every accepted order ends, each holds once, and
     * no authorization is left live on an order that was not confirmed.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(FaultInjection.Fault.class)
    void submitsAndTheirBackgroundPaymentsUnderRandomFaultsKeepEveryInvariant(FaultInjection.Fault fault) {
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = kit(gateway);
        stockUp(WIDGET, 10);
        faults().armRandomly(fault, 0.2, 11);

        Map<String, String> orderOfKey = new LinkedHashMap<>();
        for (int i = 0; i < 12; i++) {
            String key = "s-" + i;
            PlaceOrderRequest req = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                    .paymentMethod(i % 4 == 3 ? "pm_decline_card" : "pm_card")
                    .line("widget", 1, 500)
                    .build();
            SubmitResult first = asAClient(() -> kit.orders().submit(req));
            SubmitResult again = asAClient(() -> kit.orders().submit(req));
            String id = orderIdOf(first);
            assertThat(orderIdOf(again)).as("repeat of " + key).isEqualTo(id);
            orderOfKey.put(key, id);
        }
        for (int round = 0; round < 40; round++) {
            asAClient(() -> kit.orders().recover());
            clock.advance(Duration.ofMinutes(2));
        }
        faults().disarm();
        assertThat(faults().injected()).as("faults injected").isGreaterThan(3);
        for (int round = 0; round < 3; round++) {
            kit.orders().recover();
            clock.advance(Duration.ofMinutes(2));
        }
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, String> e : orderOfKey.entrySet()) {
            Order found =
                    kit.orders().findByKey(SHOP, IdempotencyKey.of(e.getKey())).orElseThrow();
            assertThat(found.id()).as("the one order of " + e.getKey()).isEqualTo(e.getValue());
            assertThat(found.status().isPlacementInFlight())
                    .as(found.id() + " finished (" + found.status() + ")")
                    .isFalse();
            ids.add(found.id());
            assertThat(stock().movements(WIDGET).stream()
                            .filter(m -> m.reason() == MovementReason.RESERVE
                                    && found.id().equals(m.reference())))
                    .as("holds of " + found.id())
                    .hasSizeLessThanOrEqualTo(1);
        }
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids))
                .as("order invariants")
                .isEmpty();
        assertThat(InvariantChecker.checkPayments(orders(), ids, gateway))
                .as("payment invariants")
                .isEmpty();
    }

    private static String orderIdOf(SubmitResult r) {
        if (r instanceof SubmitResult.Accepted a) {
            return a.order().id();
        }
        if (r instanceof SubmitResult.Finished f) {
            return f.result().order().id();
        }
        throw new AssertionError("busy with an unbounded backlog: " + r);
    }

    /**
     * Hot-SKU combining under random faults: 16 threads reserve one key through a kit with
     * combining on while writes fail (before applying, or losing the acknowledgement). A batch that
     * fails sends its members to single reserves. No caller loses its answer: a caller whose
     * reservation exists (visible) got it, a caller told out-of-stock has none; every id holds at
     * most once, and nothing is oversold.
     *
     * <p>(Redis Cluster only, with or without combining: a single reserve whose saga reply was lost
     * can leave its attempt PENDING, invisible, holding its units until the sweeper compensates it
     * after its expiry, while the caller is told out-of-stock; such holds are counted, not failed,
     * here, and the books are checked after the sweep.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(FaultInjection.Fault.class)
    void hotSkuBatchesUnderRandomFaultsHoldEveryReservationOnce(FaultInjection.Fault fault)
            throws InterruptedException {
        OrderKit kit = kit(new SimulatedPaymentPort());
        stockUp(WIDGET, 40);
        faults().armRandomly(fault, 0.2, 7);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String id = "hot-" + i;
            tasks.add(() -> asAClient(() -> kit.stock()
                    .reserve(new ReservationRequest(
                            id, List.of(ReservationLine.of(WIDGET.sku(), 1)), Duration.ofMinutes(30)))));
        }
        List<Object> out = runConcurrently(16, tasks);
        faults().disarm();
        int held = 0;
        int invisible = 0;
        for (int i = 0; i < out.size(); i++) {
            String id = "hot-" + i;
            Object r = out.get(i);
            int holds = movementsWith(WIDGET, id).size();
            assertThat(holds).as("holds of " + id).isLessThanOrEqualTo(1);
            if (r instanceof Reservation res) {
                assertThat(res.id()).isEqualTo(id);
                assertThat(holds).as("holds of " + id).isEqualTo(1);
                assertThat(stock().reservation(id).map(Reservation::state)).contains(ReservationState.HELD);
                held++;
            } else if (r instanceof InsufficientStockException) {
                assertThat(stock().reservation(id))
                        .as(id + " was told out-of-stock but is held")
                        .isEmpty();
                invisible += holds;
            } else {
                throw new AssertionError("caller " + i + " got " + r, r instanceof Throwable t ? t : null);
            }
        }
        assertThat(held + invisible).isEqualTo(40);
        assertThat(stock().level(WIDGET).orElseThrow().reserved()).isEqualTo(40);
        System.out.println(fixture.description() + " hot-SKU batches under " + fault + ": " + kit.combinerStats()
                + ", faults injected " + faults().injected() + ", invisible pending holds " + invisible);
        if (invisible > 0) {
            // a PENDING saga attempt is not a reservation yet: the sweeper compensates it after its
            // expiry (and expires the visible holds with it); the books must balance after that
            clock.advance(Duration.ofMinutes(31));
            kit.stock().expireDue(100);
            assertThat(stock().level(WIDGET).orElseThrow().reserved()).isZero();
        }
        assertStockInvariants();
    }
}
