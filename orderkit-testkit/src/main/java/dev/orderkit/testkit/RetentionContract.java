package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.PurgeReport;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Retention;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Contract of the retention primitives behind {@code OrderKit#purge()}: {@code StockStorage}'s
 * {@code purgeReservations} and {@code compactMovements}, and the kit's purge over them (orders kept
 * unless an archiver is set, inbox messages of the kit's inbox). Each primitive deletes only what
 * is terminal and old, keeps active records however old, is idempotent and stays within its batch
 * limit; compaction keeps the conservation check ({@link InvariantChecker}) true.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class RetentionContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final Duration HOUR = Duration.ofHours(1);

    /** Subclasses are created by JUnit. */
    protected RetentionContract() {}

    private static List<AllocatedLine> one(StockKey key, long q) {
        return List.of(new AllocatedLine(key, q));
    }

    private void reserve(String id, StockKey key, long q, Duration ttl) {
        assertThat(stock().reserve(id, one(key, q), now().plus(ttl), now())).isInstanceOf(ReserveResult.Reserved.class);
    }

    private void apply(String id, ReservationTransition t) {
        assertThat(stock().transition(id, t, now())).isInstanceOf(TransitionResult.Applied.class);
    }

    private ReservationState state(String id) {
        return stock().reservation(id).orElseThrow().state();
    }

    // ------------------------------------------------------------------ purgeReservations

    @Test
    void purgeReservationsDeletesOnlyTerminalOnesOlderThanTheBound() {
        StockKey a = StockKey.of("purge-a");
        StockKey b = StockKey.of("purge-b", "east");
        stockUp(a, 100);
        stockUp(b, 100);
        reserve("released", a, 1, HOUR);
        apply("released", ReservationTransition.RELEASE);
        reserve("fulfilled", b, 2, HOUR);
        apply("fulfilled", ReservationTransition.COMMIT);
        apply("fulfilled", ReservationTransition.FULFIL);
        reserve("expired", a, 3, Duration.ofMinutes(1));
        reserve("held", a, 4, Duration.ofDays(30)); // old, but active
        reserve("committed", b, 5, HOUR);
        apply("committed", ReservationTransition.COMMIT); // old, but active
        clock.advance(Duration.ofMinutes(2));
        apply("expired", ReservationTransition.EXPIRE);
        clock.advance(Duration.ofHours(2));
        Instant bound = now().minus(HOUR);
        reserve("recent", a, 6, HOUR);
        apply("recent", ReservationTransition.RELEASE); // terminal, but younger than the bound
        List<StockLevel> before = stock().allLevels();

        assertThat(stock().purgeReservations(bound, 100)).isEqualTo(3);

        assertThat(stock().reservation("released")).isEmpty();
        assertThat(stock().reservation("fulfilled")).isEmpty();
        assertThat(stock().reservation("expired")).isEmpty();
        assertThat(state("held")).isEqualTo(ReservationState.HELD);
        assertThat(state("committed")).isEqualTo(ReservationState.COMMITTED);
        assertThat(state("recent")).isEqualTo(ReservationState.RELEASED);
        assertThat(stock().reservations(EnumSet.allOf(ReservationState.class)))
                .extracting(r -> r.id())
                .containsExactlyInAnyOrder("held", "committed", "recent");
        assertThat(stock().allLevels()).as("levels untouched").isEqualTo(before);
        assertStockInvariants();
        // idempotent: nothing more is old and terminal
        assertThat(stock().purgeReservations(bound, 100)).isZero();
        // the purged reservations are gone for every operation
        assertThat(stock().transition("released", ReservationTransition.RELEASE, now()))
                .isInstanceOf(TransitionResult.NotFound.class);
        // the active ones still work
        apply("held", ReservationTransition.RELEASE);
        apply("committed", ReservationTransition.FULFIL);
        assertStockInvariants();
    }

    @Test
    void holdsExpiredByTheBatchOrByAShortReserveArePurgedToo() {
        StockKey a = StockKey.of("purge-batch-expired");
        stockUp(a, 2);
        reserve("batch-1", a, 1, Duration.ofMinutes(1));
        reserve("lazy-1", a, 1, Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(2));
        assertThat(stock().expireAll(List.of("batch-1"), now()))
                .extracting(r -> r.id())
                .containsExactly("batch-1");
        // a reserve short of stock may expire the other due hold of its SKU on its own path
        stock().reserve("after", one(a, 2), now().plus(HOUR), now());
        stock().expireAll(stock().dueReservations(List.of("purge-batch-expired"), now(), 10), now());
        stock().expireAll(stock().dueReservations(now(), 10), now());
        assertThat(state("lazy-1")).isEqualTo(ReservationState.EXPIRED);
        clock.advance(Duration.ofHours(2));

        assertThat(stock().purgeReservations(now().minus(HOUR), 100)).isEqualTo(2);

        assertThat(stock().reservation("batch-1")).isEmpty();
        assertThat(stock().reservation("lazy-1")).isEmpty();
        assertStockInvariants();
    }

    @Test
    void purgeReservationsStaysWithinItsLimit() {
        StockKey a = StockKey.of("purge-batch");
        stockUp(a, 100);
        for (int i = 0; i < 5; i++) {
            reserve("r" + i, a, 1, HOUR);
            apply("r" + i, ReservationTransition.RELEASE);
        }
        clock.advance(Duration.ofHours(2));
        Instant bound = now().minus(HOUR);
        List<Integer> batches = new ArrayList<>();
        int n;
        do {
            n = stock().purgeReservations(bound, 2);
            batches.add(n);
        } while (n > 0 && batches.size() < 10);
        assertThat(batches).containsExactly(2, 2, 1, 0);
        assertThat(stock().reservations(EnumSet.allOf(ReservationState.class))).isEmpty();
        assertStockInvariants();
    }

    @Test
    void aPurgedReservationIdReservesAfresh() {
        StockKey a = StockKey.of("purge-reuse");
        stockUp(a, 10);
        reserve("again", a, 4, HOUR);
        apply("again", ReservationTransition.RELEASE);
        clock.advance(Duration.ofHours(2));
        assertThat(stock().purgeReservations(now().minus(HOUR), 10)).isEqualTo(1);
        // documented: an id is de-duplicated only while its reservation is kept
        reserve("again", a, 3, HOUR);
        assertThat(stock().level(a).orElseThrow().reserved()).isEqualTo(3);
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ compactMovements

    @Test
    void compactionFoldsOldMovementsIntoOneSnapshotAndKeepsTheReplayExact() {
        StockKey a = StockKey.of("compact-a");
        StockKey quiet = StockKey.of("compact-quiet");
        stockUp(quiet, 5); // one old movement only: nothing to fold
        stock().adjust(a, 50, "restock-1", now());
        for (int i = 0; i < 4; i++) {
            clock.advance(Duration.ofSeconds(1));
            reserve("c" + i, a, 2, HOUR);
            apply("c" + i, i % 2 == 0 ? ReservationTransition.RELEASE : ReservationTransition.COMMIT);
        }
        apply("c1", ReservationTransition.FULFIL);
        stock().adjust(a, -3, "shrink-1", now());
        clock.advance(Duration.ofHours(2));
        Instant bound = now().minus(HOUR);
        // newer movements: stay as they are
        stock().adjust(a, 7, "restock-2", now());
        reserve("new", a, 1, HOUR);
        List<Movement> before = stock().movements(a);
        int old = (int) before.stream().filter(m -> m.at().isBefore(bound)).count();
        StockLevel level = stock().level(a).orElseThrow();

        assertThat(stock().compactMovements(bound, 1000)).isEqualTo(old - 1);

        List<Movement> after = stock().movements(a);
        assertThat(after).hasSize(before.size() - old + 1);
        Movement snapshot = after.get(0);
        assertThat(snapshot.reason()).isEqualTo(MovementReason.SNAPSHOT);
        assertThat(snapshot.reference()).isEqualTo(Movement.SNAPSHOT_REFERENCE);
        assertThat(snapshot.key()).isEqualTo(a);
        long oldOnHand = before.stream()
                .filter(m -> m.at().isBefore(bound))
                .mapToLong(Movement::onHandDelta)
                .sum();
        long oldReserved = before.stream()
                .filter(m -> m.at().isBefore(bound))
                .mapToLong(Movement::reservedDelta)
                .sum();
        assertThat(snapshot.onHandDelta()).isEqualTo(oldOnHand);
        assertThat(snapshot.reservedDelta()).isEqualTo(oldReserved);
        assertThat(snapshot.at()).isEqualTo(before.get(old - 1).at());
        assertThat(after.subList(1, after.size())).isEqualTo(before.subList(old, before.size()));
        assertThat(stock().level(a).orElseThrow())
                .as("the level itself is untouched")
                .isEqualTo(level);
        assertThat(stock().movements(quiet)).hasSize(1);
        assertStockInvariants();
        // idempotent
        assertThat(stock().compactMovements(bound, 1000)).isZero();
        assertThat(stock().movements(a)).isEqualTo(after);
        // the active hold and the committed one still move stock correctly after the fold
        apply("c3", ReservationTransition.FULFIL);
        apply("new", ReservationTransition.RELEASE);
        assertStockInvariants();
    }

    @Test
    void compactionForgetsTheReferencesItFoldedAndOnlyThose() {
        StockKey a = StockKey.of("compact-refs");
        stock().adjust(a, 10, "old-1", now());
        stock().adjust(a, 5, "old-2", now());
        clock.advance(Duration.ofHours(2));
        stock().adjust(a, 1, "kept", now());
        assertThat(stock().compactMovements(now().minus(HOUR), 100)).isEqualTo(1);
        // a reference still inside the window is de-duplicated
        assertThat(stock().adjust(a, 1, "kept", now()).onHand()).isEqualTo(16);
        // a folded reference is forgotten with its movement: the call applies again
        assertThat(stock().adjust(a, 10, "old-1", now()).onHand()).isEqualTo(26);
        assertThat(stock().movements(a))
                .extracting(Movement::reason)
                .containsExactly(MovementReason.SNAPSHOT, MovementReason.ADJUST, MovementReason.ADJUST);
        assertStockInvariants();
    }

    @Test
    void compactionStaysWithinItsLimitAndEndsWithOneSnapshot() {
        StockKey a = StockKey.of("compact-batch");
        for (int i = 0; i < 6; i++) {
            stock().adjust(a, 1, "w" + i, now());
            clock.advance(Duration.ofSeconds(1));
        }
        clock.advance(Duration.ofHours(2));
        Instant bound = now().minus(HOUR);
        List<Integer> batches = new ArrayList<>();
        int n;
        do {
            n = stock().compactMovements(bound, 2);
            batches.add(n);
            assertStockInvariants();
        } while (n > 0 && batches.size() < 10);
        assertThat(batches).containsExactly(2, 2, 1, 0);
        assertThat(stock().movements(a)).singleElement().satisfies(m -> {
            assertThat(m.reason()).isEqualTo(MovementReason.SNAPSHOT);
            assertThat(m.onHandDelta()).isEqualTo(6);
            assertThat(m.reservedDelta()).isZero();
        });
        assertThat(stock().level(a).orElseThrow().onHand()).isEqualTo(6);
    }

    // ------------------------------------------------------------------ OrderKit#purge

    private OrderKit kit(Retention retention) {
        return kitBuilder(fixture, new SimulatedPaymentPort())
                .retention(retention)
                .inboxStore(fixture.inboxStore())
                .keyRetention(Duration.ofMinutes(10))
                .build();
    }

    private static Retention hourly() {
        return Retention.defaults()
                .withReservations(HOUR)
                .withMovements(HOUR)
                .withSentEvents(HOUR)
                .withInbox(HOUR);
    }

    private static PlaceOrderRequest request(String key) {
        return PlaceOrderRequest.builder(SHOP, IdempotencyKey.of(key))
                .paymentMethod("pm_card_visa")
                .line("kit-widget", 1, 500)
                .build();
    }

    @Test
    void purgeDeletesFinishedWorkAndKeepsOrdersAndActiveHolds() {
        stockUp(StockKey.of("kit-widget"), 100);
        OrderKit kit = kit(hourly());
        InboxStore inbox = fixture.inboxStore();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            var r = kit.orders().place(request("k" + i));
            assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
            ids.add(r.order().id());
        }
        kit.orders().fulfil(SHOP, ids.get(0));
        kit.orders().fulfil(SHOP, ids.get(1));
        kit.orders().cancel(SHOP, ids.get(2), "changed mind");
        assertThat(inbox.claim("test:done", now(), HOUR)).isEqualTo(InboxStore.Claim.ACQUIRED);
        inbox.complete("test:done", now());
        assertThat(inbox.claim("test:busy", now(), Duration.ofDays(1))).isEqualTo(InboxStore.Claim.ACQUIRED);
        clock.advance(Duration.ofHours(2));

        PurgeReport report = kit.purge();

        assertThat(report.reservations()).isEqualTo(3);
        assertThat(report.idempotencyKeys()).isEqualTo(6);
        assertThat(report.inboxMessages()).isEqualTo(1);
        assertThat(report.orders()).isZero();
        assertThat(report.complete()).isTrue();
        for (String id : ids) {
            assertThat(orders().find(id)).as("orders are kept by default").isPresent();
        }
        assertThat(stock().reservation(ids.get(0))).isEmpty();
        assertThat(stock().reservation(ids.get(2))).isEmpty();
        assertThat(stock().reservation(ids.get(3)).orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(inbox.claim("test:done", now(), HOUR))
                .as("purged: processed again")
                .isEqualTo(InboxStore.Claim.ACQUIRED);
        assertThat(inbox.claim("test:busy", now(), HOUR)).isEqualTo(InboxStore.Claim.IN_PROGRESS);
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids)).isEmpty();
        // the confirmed orders still finish after the purge
        kit.orders().fulfil(SHOP, ids.get(3));
        kit.orders().cancel(SHOP, ids.get(4), "late cancel");
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids)).isEmpty();
        PurgeReport again = kit.purge();
        assertThat(again.reservations()).isZero();
        assertThat(again.idempotencyKeys()).isZero();
    }

    @Test
    void anArchiverReceivesTerminalOrdersBeforeTheyAreDeleted() {
        stockUp(StockKey.of("kit-widget"), 100);
        List<Order> archived = new ArrayList<>();
        OrderKit kit = kit(hourly().withOrderArchiver(Duration.ofDays(1), archived::addAll));
        String done = kit.orders().place(request("a1")).order().id();
        String open = kit.orders().place(request("a2")).order().id();
        kit.orders().fulfil(SHOP, done);
        clock.advance(Duration.ofHours(2));
        assertThat(kit.purge().orders()).as("younger than the order retention").isZero();
        clock.advance(Duration.ofDays(1));

        PurgeReport report = kit.purge();

        assertThat(report.orders()).isEqualTo(1);
        assertThat(archived).singleElement().satisfies(o -> {
            assertThat(o.id()).isEqualTo(done);
            assertThat(o.status()).isEqualTo(OrderStatus.FULFILLED);
        });
        assertThat(orders().find(done)).isEmpty();
        assertThat(orders().find(open)).as("a confirmed order is not terminal").isPresent();
        assertThat(kit.purge().orders()).isZero();
        assertThat(archived).hasSize(1);
    }

    @Test
    void anArchiverThatFailsKeepsItsBatch() {
        stockUp(StockKey.of("kit-widget"), 100);
        OrderKit kit = kit(hourly().withOrderArchiver(Duration.ofHours(1), batch -> {
            throw new IllegalStateException("archive down");
        }));
        String id = kit.orders().place(request("f1")).order().id();
        kit.orders().cancel(SHOP, id, "test");
        clock.advance(Duration.ofHours(2));
        assertThatThrownBy(kit::purge).isInstanceOf(IllegalStateException.class).hasMessage("archive down");
        assertThat(orders().find(id)).isPresent();
    }
}
