package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract of the stock level model beyond on-hand and reserved: units <b>held</b> vs
 * <b>committed</b> ({@link StockLevel#held()}, {@link StockLevel#committed()}) through every
 * lifecycle transition, with the invariant checker's per-key sums after each step; and
 * {@link StockPolicy backorder and preorder policies}: the reserve guard
 * {@code reserved + q <= onHand + allowance(now)} on single and batch reserves, on-hand lowered at
 * most to {@code reserved - allowance}, policy writes idempotent on their reference, and allocation
 * that takes real stock before any allowance.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class StockPolicyContract extends ContractSupport {
    private static final StockKey A = StockKey.of("pol-a", "east");
    private static final StockKey B = StockKey.of("pol-b", "east");
    private static final Duration HOLD = Duration.ofMinutes(10);

    /** Subclasses are created by JUnit. */
    protected StockPolicyContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private Reservation reserved(String id, AllocatedLine... lines) {
        ReserveResult r = stock().reserve(id, List.of(lines), now().plus(HOLD), now());
        assertThat(r).as("reserve " + id).isInstanceOf(ReserveResult.Reserved.class);
        return ((ReserveResult.Reserved) r).reservation();
    }

    private void apply(String id, ReservationTransition t, Instant at) {
        assertThat(stock().transition(id, t, at)).as(t + " " + id).isInstanceOf(TransitionResult.Applied.class);
    }

    /** Asserts on-hand, held and committed of a level, and the invariants of the whole backend. */
    private void assertLevel(StockKey key, long onHand, long held, long committed) {
        StockLevel l = stock().level(key).orElseThrow();
        assertThat(List.of(l.onHand(), l.held(), l.committed(), l.reserved()))
                .as("onHand, held, committed, reserved of " + key)
                .containsExactly(onHand, held, committed, held + committed);
        assertThat(stock().levels(key.sku()))
                .as("levels of " + key.sku())
                .filteredOn(x -> x.key().equals(key))
                .singleElement()
                .isEqualTo(l);
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ held vs committed

    @Test
    void heldAndCommittedFollowEveryTransition() {
        stockUp(A, 20);
        stockUp(B, 20);
        reserved("hc-1", new AllocatedLine(A, 3), new AllocatedLine(B, 1));
        reserved("hc-2", new AllocatedLine(A, 2));
        reserved("hc-3", new AllocatedLine(A, 4));
        assertLevel(A, 20, 9, 0);
        assertLevel(B, 20, 1, 0);

        apply("hc-1", ReservationTransition.COMMIT, now()); // held -> committed
        assertLevel(A, 20, 6, 3);
        assertLevel(B, 20, 0, 1);
        apply("hc-2", ReservationTransition.COMMIT, now());
        assertLevel(A, 20, 4, 5);

        apply("hc-2", ReservationTransition.RELEASE, now()); // a committed release: off committed
        assertLevel(A, 20, 4, 3);
        apply("hc-1", ReservationTransition.FULFIL, now()); // off committed and off on-hand
        assertLevel(A, 17, 4, 0);
        assertLevel(B, 19, 0, 0);

        reserved("hc-4", new AllocatedLine(A, 1));
        apply("hc-4", ReservationTransition.RELEASE, now()); // a held release: off held
        assertLevel(A, 17, 4, 0);
        apply("hc-3", ReservationTransition.EXPIRE, now().plus(HOLD)); // an expiry: off held
        assertLevel(A, 17, 0, 0);
    }

    @Test
    void repeatsAndRefusalsLeaveHeldAndCommittedAlone() {
        stockUp(A, 10);
        reserved("hr-1", new AllocatedLine(A, 4));
        apply("hr-1", ReservationTransition.COMMIT, now());
        StockLevel committed = stock().level(A).orElseThrow();
        assertThat(stock().transition("hr-1", ReservationTransition.COMMIT, now()))
                .isInstanceOf(TransitionResult.Unchanged.class);
        assertThat(stock().transition("hr-1", ReservationTransition.EXPIRE, now().plus(HOLD)))
                .isInstanceOf(TransitionResult.Unchanged.class);
        assertThat(stock().level(A)).contains(committed);
        assertLevel(A, 10, 0, 4);
        apply("hr-1", ReservationTransition.FULFIL, now());
        assertThat(stock().transition("hr-1", ReservationTransition.RELEASE, now()))
                .isInstanceOf(TransitionResult.Refused.class);
        assertLevel(A, 6, 0, 0);
    }

    @Test
    void expireAllTakesOnlyHeldUnits() {
        stockUp(A, 10);
        reserved("he-1", new AllocatedLine(A, 2));
        reserved("he-2", new AllocatedLine(A, 3));
        apply("he-2", ReservationTransition.COMMIT, now());
        assertThat(stock().expireAll(List.of("he-1", "he-2"), now().plus(HOLD)))
                .extracting(Reservation::id)
                .containsExactly("he-1");
        assertLevel(A, 10, 0, 3);
    }

    @Test
    void stockWritesReportAndReplayTheCommittedUnits() {
        stockUp(A, 10);
        reserved("hw-1", new AllocatedLine(A, 2));
        reserved("hw-2", new AllocatedLine(A, 3));
        apply("hw-2", ReservationTransition.COMMIT, now());
        StockLevel adjusted = stock().adjust(A, 5, "hw-restock", now());
        assertThat(List.of(adjusted.onHand(), adjusted.held(), adjusted.committed()))
                .containsExactly(15L, 2L, 3L);
        assertThat(stock().adjust(A, 5, "hw-restock", now())).isEqualTo(adjusted);
        StockLevel counted = stock().setOnHand(A, 12, adjusted.version(), "hw-count", now());
        assertThat(List.of(counted.onHand(), counted.held(), counted.committed()))
                .containsExactly(12L, 2L, 3L);
        assertThat(stock().setOnHand(A, 12, adjusted.version(), "hw-count", now()))
                .isEqualTo(counted);
        assertThat(stock().level(A)).contains(counted);
        assertLevel(A, 12, 2, 3);
    }

    // ------------------------------------------------------------------ backorders and preorders

    private ReserveResult reserve(String id, StockKey key, long q) {
        return stock().reserve(id, List.of(new AllocatedLine(key, q)), now().plus(HOLD), now());
    }

    private static long shortBy(ReserveResult r) {
        assertThat(r).isInstanceOf(ReserveResult.Insufficient.class);
        return ((ReserveResult.Insufficient) r).shortfalls().get(0).available();
    }

    @Test
    void backordersAreReservableUpToTheLimitExactly() {
        stockUp(A, 3);
        StockLevel set = stock().setPolicy(A, StockPolicy.backorder(5), "bo-5", now());
        assertThat(set.policy()).isEqualTo(StockPolicy.backorder(5));
        assertThat(List.of(set.onHand(), set.reserved())).containsExactly(3L, 0L);
        assertThat(stock().level(A).orElseThrow().policy()).isEqualTo(StockPolicy.backorder(5));
        assertThat(reserve("bo-1", A, 6)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(shortBy(reserve("bo-2", A, 3))).as("3 + 5 - 6 reservable").isEqualTo(2);
        assertThat(reserve("bo-3", A, 2)).isInstanceOf(ReserveResult.Reserved.class);
        StockLevel full = stock().level(A).orElseThrow();
        assertThat(List.of(full.onHand(), full.reserved(), full.available(), full.reservable(now())))
                .containsExactly(3L, 8L, -5L, 0L);
        assertThat(shortBy(reserve("bo-4", A, 1))).as("limit + 1 refused").isZero();
        assertThat(stock().reservation("bo-4")).isEmpty();
        assertStockInvariants();
        assertThat(stock().level(A).orElseThrow().reserved()).isLessThanOrEqualTo(3 + 5);
    }

    @Test
    void preordersAreReservableBeforeTheDateOnly() {
        Instant until = now().plus(Duration.ofHours(1));
        StockLevel created = stock().setPolicy(A, StockPolicy.preorder(4, until), "pre-4", now());
        assertThat(List.of(created.onHand(), created.reserved())).containsExactly(0L, 0L);
        assertThat(reserve("pre-1", A, 4)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(shortBy(reserve("pre-2", A, 1))).isZero();
        apply("pre-1", ReservationTransition.RELEASE, now());
        clock.advance(Duration.ofHours(1)); // the date: no allowance from now on
        assertThat(shortBy(reserve("pre-3", A, 1))).isZero();
        stock().adjust(A, 2, "pre-arrival", now());
        assertThat(reserve("pre-4", A, 2)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(shortBy(reserve("pre-5", A, 1))).isZero();
        assertStockInvariants();
    }

    @Test
    void holdsBeyondAShrunkAllowanceStayAndNewOnesWaitForStock() {
        Instant until = now().plus(Duration.ofMinutes(30));
        stock().setPolicy(A, StockPolicy.preorder(5, until), "shrink-pre", now());
        assertThat(reserve("sh-1", A, 5)).isInstanceOf(ReserveResult.Reserved.class);
        apply("sh-1", ReservationTransition.COMMIT, now());
        clock.advance(Duration.ofMinutes(30));
        // the date passed: the commitment stays, reserved exceeds on-hand, nothing new fits
        assertLevel(A, 0, 0, 5);
        assertThat(shortBy(reserve("sh-2", A, 1))).isZero();
        stock().setPolicy(A, StockPolicy.backorder(2), "shrink-bo", now()); // lower than what is owed
        assertThat(shortBy(reserve("sh-3", A, 1))).isZero();
        stock().adjust(A, 4, "shrink-restock-1", now()); // 4 + 2 - 5 = 1
        assertThat(reserve("sh-4", A, 1)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(shortBy(reserve("sh-5", A, 1))).isZero();
        stock().adjust(A, 10, "shrink-restock-2", now()); // restock covering the backorders
        apply("sh-1", ReservationTransition.FULFIL, now());
        assertLevel(A, 9, 1, 0);
        assertThat(stock().level(A).orElseThrow().reservable(now())).isEqualTo(10);
        stock().setPolicy(A, StockPolicy.none(), "shrink-none", now());
        assertThat(stock().level(A).orElseThrow().reservable(now())).isEqualTo(8);
    }

    @Test
    void onHandMayDropBelowReservedByAtMostTheAllowance() {
        stockUp(A, 4);
        stock().setPolicy(A, StockPolicy.backorder(3), "drop-bo", now());
        assertThat(reserve("dr-1", A, 6)).isInstanceOf(ReserveResult.Reserved.class);
        // reserved 6: on-hand may go down to 3, not to 2, and never below 0
        assertThatThrownBy(() -> stock().adjust(A, -2, "drop-2", now())).isInstanceOf(InsufficientStockException.class);
        StockLevel l = stock().adjust(A, -1, "drop-1", now());
        assertThat(List.of(l.onHand(), l.reserved())).containsExactly(3L, 6L);
        assertThatThrownBy(() -> stock().setOnHand(A, 2, l.version(), "count-2", now()))
                .isInstanceOf(InsufficientStockException.class);
        StockLevel raised = stock().setOnHand(A, 5, l.version(), "count-5", now());
        assertThat(raised.onHand()).isEqualTo(5);
        assertLevel(A, 5, 6, 0);
    }

    @Test
    void policyWritesAreIdempotentOnTheirReference() {
        stockUp(A, 2);
        StockLevel first = stock().setPolicy(A, StockPolicy.backorder(5), "pol-ref", now());
        int movements = stock().movements(A).size();
        clock.advance(Duration.ofSeconds(1));
        assertThat(stock().setPolicy(A, StockPolicy.backorder(5), "pol-ref", now()))
                .isEqualTo(first);
        assertThat(stock().movements(A)).hasSize(movements);
        assertThatThrownBy(() -> stock().setPolicy(A, StockPolicy.backorder(6), "pol-ref", now()))
                .isInstanceOf(ReferenceReuseException.class);
        assertThatThrownBy(() -> stock().adjust(A, 1, "pol-ref", now())).isInstanceOf(ReferenceReuseException.class);
        assertThat(stock().level(A).orElseThrow().policy()).isEqualTo(StockPolicy.backorder(5));
        Movement last = stock().movements(A).get(movements - 1);
        assertThat(List.of(last.onHandDelta(), last.reservedDelta())).containsExactly(0L, 0L);
        assertThat(last.reason()).isEqualTo(MovementReason.POLICY);
        assertThat(last.reference()).isEqualTo("pol-ref");
        assertStockInvariants();
    }

    @Test
    void batchReservesHonourThePolicy() {
        stockUp(A, 2);
        stock().setPolicy(A, StockPolicy.backorder(3), "batch-bo", now());
        Instant exp = now().plus(HOLD);
        List<ReserveResult> answers = stock().reserveAll(List.of(
                new ReserveCommand("ba-1", List.of(new AllocatedLine(A, 3)), exp, now()),
                new ReserveCommand("ba-2", List.of(new AllocatedLine(A, 3)), exp, now()),
                new ReserveCommand("ba-3", List.of(new AllocatedLine(A, 2)), exp, now()),
                new ReserveCommand("ba-4", List.of(new AllocatedLine(A, 1)), exp, now())));
        assertThat(answers.get(0)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(answers.get(1)).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(answers.get(2)).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(answers.get(3)).isInstanceOf(ReserveResult.Insufficient.class);
        assertLevel(A, 2, 5, 0);
    }

    @Test
    void allocationTakesRealStockBeforeAnyAllowance() {
        StockKey east = StockKey.of("pol-c", "east");
        StockKey west = StockKey.of("pol-c", "west");
        stock().setPolicy(east, StockPolicy.backorder(5), "alloc-east", now());
        stockUp(west, 3);
        try (OrderKit kit = kitBuilder(fixture, new SimulatedPaymentPort()).build()) {
            // east comes first alphabetically, but has no real stock: the whole line from west
            Reservation r1 =
                    kit.stock().reserve(new ReservationRequest("al-1", List.of(ReservationLine.of("pol-c", 2)), HOLD));
            assertThat(r1.lines()).containsExactly(new AllocatedLine(west, 2));
            // west's last real unit first, the rest as a backorder at east
            Reservation r2 =
                    kit.stock().reserve(new ReservationRequest("al-2", List.of(ReservationLine.of("pol-c", 4)), HOLD));
            assertThat(r2.lines()).containsExactlyInAnyOrder(new AllocatedLine(east, 3), new AllocatedLine(west, 1));
            assertThatThrownBy(() -> kit.stock()
                            .reserve(new ReservationRequest("al-3", List.of(ReservationLine.of("pol-c", 3)), HOLD)))
                    .isInstanceOfSatisfying(
                            InsufficientStockException.class,
                            e -> assertThat(e.shortfalls())
                                    .extracting(Shortfall::available)
                                    .containsExactly(2L));
            assertThat(kit.stock()
                            .setPolicy(east, StockPolicy.backorder(6), "alloc-east-6")
                            .policy())
                    .isEqualTo(StockPolicy.backorder(6));
            Reservation r3 =
                    kit.stock().reserve(new ReservationRequest("al-3", List.of(ReservationLine.of("pol-c", 3)), HOLD));
            assertThat(r3.lines()).containsExactly(new AllocatedLine(east, 3));
        }
        assertLevel(east, 0, 6, 0);
        assertLevel(west, 3, 3, 0);
    }

    // ------------------------------------------------------------------ shipping backorders

    @Test
    void aBackorderShipsOnlyOnceRestocksCoverItAndNothingMovesBefore() {
        stockUp(A, 3);
        stock().setPolicy(A, StockPolicy.backorder(10), "ship-bo", now());
        reserved("ship-1", new AllocatedLine(A, 5));
        apply("ship-1", ReservationTransition.COMMIT, now());
        TransitionResult r = stock().transition("ship-1", ReservationTransition.FULFIL, now());
        assertThat(r).isInstanceOfSatisfying(TransitionResult.Uncovered.class, u -> {
            assertThat(u.shortfalls()).containsExactly(new Shortfall("pol-a", "east", 5, 3));
            assertThat(u.reservation().state()).isEqualTo(ReservationState.COMMITTED);
        });
        assertThatThrownBy(r::reservationOrThrow).isInstanceOf(InsufficientStockException.class);
        assertThat(stock().reservation("ship-1").orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertLevel(A, 3, 0, 5);
        stock().adjust(A, 1, "ship-restock-1", now()); // 4 on hand: still one short
        assertThat(stock().transition("ship-1", ReservationTransition.FULFIL, now()))
                .isInstanceOfSatisfying(
                        TransitionResult.Uncovered.class,
                        u -> assertThat(u.shortfalls()).containsExactly(new Shortfall("pol-a", "east", 5, 4)));
        assertLevel(A, 4, 0, 5);
        stock().adjust(A, 1, "ship-restock-2", now()); // covered exactly
        apply("ship-1", ReservationTransition.FULFIL, now());
        assertLevel(A, 0, 0, 0);
        assertThat(stock().transition("ship-1", ReservationTransition.FULFIL, now()))
                .isInstanceOf(TransitionResult.Unchanged.class);
        assertThat(stock().movements(A))
                .extracting(Movement::reason)
                .filteredOn(reason -> reason == MovementReason.FULFIL)
                .hasSize(1);
    }

    @Test
    void aFulfilWithOneShortLineWritesNothingOnAnyLine() {
        stockUp(A, 2);
        stockUp(B, 10);
        stock().setPolicy(A, StockPolicy.backorder(5), "two-bo", now());
        reserved("two-1", new AllocatedLine(A, 4), new AllocatedLine(B, 3));
        apply("two-1", ReservationTransition.COMMIT, now());
        assertThat(stock().transition("two-1", ReservationTransition.FULFIL, now()))
                .isInstanceOfSatisfying(
                        TransitionResult.Uncovered.class,
                        u -> assertThat(u.shortfalls()).containsExactly(new Shortfall("pol-a", "east", 4, 2)));
        assertLevel(A, 2, 0, 4);
        assertLevel(B, 10, 0, 3);
        assertThat(stock().reservation("two-1").orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        stock().adjust(A, 2, "two-restock", now());
        apply("two-1", ReservationTransition.FULFIL, now());
        assertLevel(A, 0, 0, 0);
        assertLevel(B, 7, 0, 0);
    }

    @Test
    void aBackorderedOrderIsNotFulfilledNorCapturedUntilARestockCoversIt() {
        stockUp(A, 3);
        stock().setPolicy(A, StockPolicy.backorder(10), "order-bo", now());
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        Scope shop = Scope.of("shop-bo");
        try (OrderKit kit = kitBuilder(fixture, gateway).build()) {
            Order placed = kit.orders()
                    .place(PlaceOrderRequest.builder(shop, IdempotencyKey.of("bo-order-1"))
                            .line("pol-a", 5, 100)
                            .build())
                    .order();
            assertThat(placed.status()).isEqualTo(OrderStatus.CONFIRMED);
            assertThatThrownBy(() -> kit.orders().fulfil(shop, placed.id()))
                    .isInstanceOfSatisfying(
                            InsufficientStockException.class,
                            e -> assertThat(e.shortfalls()).containsExactly(new Shortfall("pol-a", "east", 5, 3)));
            assertThat(kit.orders().get(shop, placed.id()).orElseThrow().status())
                    .isEqualTo(OrderStatus.CONFIRMED);
            assertThat(gateway.payments().values())
                    .extracting(SimulatedPaymentPort.Payment::status)
                    .containsExactly(SimulatedPaymentPort.Status.AUTHORIZED);
            assertLevel(A, 3, 0, 5);
            kit.stock().adjust(A, 2, "order-restock");
            assertThat(kit.orders().fulfil(shop, placed.id()).status()).isEqualTo(OrderStatus.FULFILLED);
            assertThat(gateway.payments().values())
                    .extracting(SimulatedPaymentPort.Payment::status)
                    .containsExactly(SimulatedPaymentPort.Status.CAPTURED);
        }
        assertLevel(A, 0, 0, 0);
    }
}
