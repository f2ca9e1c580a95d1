package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.DriftReport;
import dev.orderkit.core.DriftReport.Check;
import dev.orderkit.core.DriftReport.Drift;
import dev.orderkit.core.DriftReport.Quantity;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementPage;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.PositionedMovement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of the ledger's audit reads: {@link StockLedger#movements(StockKey, String, int)}
 * (keyset paging over {@code StockStorage#movements(key, after, limit)}: every movement exactly
 * once, in order, while writers append and across a compaction) and {@link StockLedger#verify}
 * (the drift check over {@code StockStorage#audit}: silent while orders flow, finding a level
 * corrupted in the backend's own storage and an orphan hold).
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()} and
 * the two ways to corrupt its storage directly, as an operator's stray write would:
 * {@link #plantLevel} and {@link #plantOrphanHold}.
 */
public abstract class DriftCheckContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("drift-shop");
    private static final StockKey A = StockKey.of("drift-a");
    private static final StockKey B_EAST = StockKey.of("drift-b", "east");
    private static final StockKey B_WEST = StockKey.of("drift-b", "west");
    private static final List<StockKey> ALL = List.of(A, B_EAST, B_WEST);

    private OrderKit kit;

    /** Subclasses are created by JUnit. */
    protected DriftCheckContract() {}

    /**
     * Overwrites a level's stored on-hand and reserved directly in the backend's storage, without a
     * movement, without touching any reservation (an SQL {@code UPDATE}, a Redis {@code HSET}, ...).
     * Called on a quiescent backend with {@code 0 <= reserved <= onHand}.
     *
     * @param key the level (exists)
     * @param onHand the on-hand to store
     * @param reserved the reserved to store
     */
    protected abstract void plantLevel(StockKey key, long onHand, long reserved);

    /**
     * Writes an active (HELD, expiring in a day) reservation of one line directly in the backend's
     * storage, as its indexes of active holds would see it, WITHOUT changing the level or writing a
     * movement: an orphan hold.
     *
     * @param key the level of its line (exists)
     * @param reservationId a fresh id
     * @param quantity the line's quantity
     */
    protected abstract void plantOrphanHold(StockKey key, String reservationId, long quantity);

    /** Builds the kit and stocks the levels. */
    @BeforeEach
    protected final void buildKit() {
        kit = kitBuilder(fixture, new SimulatedPaymentPort()).build();
        for (StockKey k : ALL) {
            stockUp(k, 1_000);
        }
    }

    /** Stops the kit. */
    @AfterEach
    protected final void closeKit() {
        if (kit != null) {
            kit.close();
        }
    }

    private StockLedger ledger() {
        return kit.stock();
    }

    private void reserve(String id, Duration ttl, ReservationLine... lines) {
        ledger().reserve(new ReservationRequest(id, List.of(lines), ttl));
    }

    /** Reads every movement of a level through pages of {@code limit}. */
    private List<Movement> pageAll(StockKey key, int limit) {
        List<Movement> out = new ArrayList<>();
        String cursor = null;
        for (int pages = 0; pages < 10_000; pages++) {
            MovementPage p = ledger().movements(key, cursor, limit);
            assertThat(p.movements().size()).isLessThanOrEqualTo(limit);
            out.addAll(p.movements());
            if (p.nextCursor().isEmpty()) {
                return out;
            }
            assertThat(p.movements()).as("a page with a next cursor is full").hasSize(limit);
            assertThat(p.nextCursor()).contains(p.resumeCursor());
            cursor = p.nextCursor().get();
        }
        throw new AssertionError("paging did not end");
    }

    // ------------------------------------------------------------------ movement paging

    @Test
    void pagesReturnEveryMovementOnceInAppendOrder() {
        reserve("p-1", Duration.ofHours(1), ReservationLine.of("drift-a", 3));
        ledger().commit("p-1");
        reserve("p-2", Duration.ofHours(1), ReservationLine.of("drift-a", 2));
        ledger().release("p-2");
        for (int i = 0; i < 17; i++) {
            ledger().adjust(A, i % 2 == 0 ? 5 : -1, "adj-" + i);
        }
        ledger().fulfil("p-1");
        List<Movement> all = stock().movements(A);
        // stock-up, RESERVE p-1 (a commit moves no stock), RESERVE + RELEASE p-2, the adjusts, FULFIL p-1
        assertThat(all).hasSize(1 + 1 + 2 + 17 + 1);

        for (int limit : new int[] {1, 2, 7, 23, 24, 1000}) {
            assertThat(pageAll(A, limit)).as("pages of %d", limit).containsExactlyElementsOf(all);
        }
        MovementPage first = ledger().movements(A, null, 5);
        assertThat(first.movements()).containsExactlyElementsOf(all.subList(0, 5));
        MovementPage last = ledger().movements(A, null, all.size());
        assertThat(last.nextCursor()).as("the page reached the newest movement").isEmpty();
        MovementPage after = ledger().movements(A, last.resumeCursor(), 10);
        assertThat(after.movements()).isEmpty();
        assertThat(after.nextCursor()).isEmpty();
        assertThat(after.resumeCursor()).isEqualTo(last.resumeCursor());
        // what is appended later is found from the resume cursor, and only that
        ledger().adjust(A, 4, "later");
        MovementPage later = ledger().movements(A, last.resumeCursor(), 10);
        assertThat(later.movements()).extracting(Movement::reference).containsExactly("later");
        // an unknown level has no movements
        MovementPage none = ledger().movements(StockKey.of("drift-none"), null, 10);
        assertThat(none.movements()).isEmpty();
        assertThat(none.nextCursor()).isEmpty();
    }

    @Test
    void storagePagesByPositionWithinTheLimit() {
        for (int i = 0; i < 9; i++) {
            stock().adjust(B_EAST, 1, "spi-" + i, now());
        }
        List<PositionedMovement> firstThree = stock().movements(B_EAST, 0, 3);
        assertThat(firstThree).hasSize(3);
        assertThat(firstThree.get(0).position()).isPositive();
        assertThat(firstThree.get(1).position()).isGreaterThan(firstThree.get(0).position());
        assertThat(firstThree.get(2).position()).isGreaterThan(firstThree.get(1).position());
        List<PositionedMovement> rest =
                stock().movements(B_EAST, firstThree.get(2).position(), 100);
        assertThat(rest).hasSize(7);
        assertThat(rest.get(0).position()).isGreaterThan(firstThree.get(2).position());
        assertThat(stock().movements(B_EAST, rest.get(6).position(), 100)).isEmpty();
        assertThat(stock().movements(StockKey.of("drift-none"), 0, 10)).isEmpty();
    }

    @Test
    void pagingWhileWritersAppendReturnsEveryMovementExactlyOnce() throws Exception {
        AtomicBoolean done = new AtomicBoolean();
        int writes = 150;
        Callable<Object> writer = () -> {
            try {
                for (int i = 0; i < writes; i++) {
                    if (i % 3 == 0) {
                        ledger().reserve(new ReservationRequest(
                                "w-" + i, List.of(ReservationLine.at("drift-b", "west", 1)), Duration.ofHours(1)));
                    } else {
                        ledger().adjust(B_WEST, 1, "w-" + i);
                    }
                }
                return null;
            } finally {
                done.set(true);
            }
        };
        Callable<Object> reader = () -> {
            List<Movement> seen = new ArrayList<>();
            String cursor = null;
            while (true) {
                boolean finished = done.get(); // read before the page: the page then sees every write
                MovementPage p = ledger().movements(B_WEST, cursor, 7);
                seen.addAll(p.movements());
                cursor = p.resumeCursor();
                if (p.nextCursor().isEmpty() && finished) {
                    return seen;
                }
            }
        };
        List<Object> results = runConcurrently(2, List.of(writer, reader));
        assertThat(results.get(0)).isNull();
        @SuppressWarnings("unchecked")
        List<Movement> seen = (List<Movement>) results.get(1);
        List<Movement> all = stock().movements(B_WEST);
        assertThat(all).hasSize(1 + writes);
        assertThat(seen).as("every movement once, in append order").containsExactlyElementsOf(all);
    }

    @Test
    void cursorsStayValidAcrossACompaction() {
        StockKey k = StockKey.of("drift-compact");
        stockUp(k, 100);
        for (int i = 0; i < 9; i++) {
            stock().adjust(k, 1, "old-" + i, now());
        }
        Instant bound = now().plus(Duration.ofMinutes(30));
        clock.advance(Duration.ofHours(1));
        for (int i = 0; i < 5; i++) {
            stock().adjust(k, 2, "new-" + i, now());
        }
        MovementPage p1 = ledger().movements(k, null, 4);
        MovementPage p2 = ledger().movements(k, p1.nextCursor().orElseThrow(), 4);
        MovementPage p3 = ledger().movements(k, p2.nextCursor().orElseThrow(), 2);
        assertThat(p3.movements()).extracting(Movement::reference).containsExactly("old-7", "old-8");
        String inside = p2.nextCursor().orElseThrow(); // after 8 of the 10 old movements
        String atBoundary = p3.nextCursor().orElseThrow(); // after all 10

        assertThat(stock().compactMovements(bound, 1_000)).isEqualTo(9);

        // a cursor past the folded movements: exactly the new ones, once
        assertThat(pageAll(k, 1_000)).hasSize(6);
        MovementPage fromBoundary = ledger().movements(k, atBoundary, 3);
        assertThat(fromBoundary.movements()).extracting(Movement::reference).containsExactly("new-0", "new-1", "new-2");
        MovementPage rest = ledger().movements(k, fromBoundary.nextCursor().orElseThrow(), 3);
        assertThat(rest.movements()).extracting(Movement::reference).containsExactly("new-3", "new-4");
        assertThat(rest.nextCursor()).isEmpty();
        // a cursor inside the folded range continues with the first kept movement after it
        assertThat(ledger().movements(k, inside, 10).movements())
                .extracting(Movement::reference)
                .containsExactly("new-0", "new-1", "new-2", "new-3", "new-4");
        // from the start: the snapshot (at the oldest folded position), then the new ones
        List<Movement> fresh = pageAll(k, 2);
        assertThat(fresh).hasSize(6);
        assertThat(fresh.get(0).reason()).isEqualTo(MovementReason.SNAPSHOT);
        assertThat(fresh.get(0).onHandDelta()).isEqualTo(109);
        assertThat(fresh.subList(1, 6))
                .extracting(Movement::reference)
                .containsExactly("new-0", "new-1", "new-2", "new-3", "new-4");
        // the first cursor handed out before the compaction now leads to the new movements too
        assertThat(ledger().movements(k, p1.nextCursor().orElseThrow(), 1).movements())
                .extracting(Movement::reference)
                .containsExactly("new-0");
        // a second compaction keeps the positions of what it keeps
        clock.advance(Duration.ofHours(1));
        stock().adjust(k, 3, "newest", now());
        assertThat(stock().compactMovements(now().minus(Duration.ofMinutes(30)), 1_000))
                .isEqualTo(5);
        assertThat(ledger().movements(k, rest.resumeCursor(), 10).movements())
                .extracting(Movement::reference)
                .containsExactly("newest");
        List<Movement> twice = pageAll(k, 1);
        assertThat(twice).extracting(Movement::reason).containsExactly(MovementReason.SNAPSHOT, MovementReason.ADJUST);
        assertThat(twice.get(0).onHandDelta()).isEqualTo(119);
        assertThat(ledger().verify(List.of(k)).clean()).isTrue();
    }

    @Test
    void badCursorsAndLimitsAreRejectedNamingTheField() {
        ledger().adjust(A, 1, "one");
        String good = ledger().movements(A, null, 1).resumeCursor();
        assertThat(ledger().movements(A, good, 1).movements()).hasSize(1);
        for (String bad : new String[] {"", "garbage", "mv1.", "mv1.-5", "mv1.0A", "mv1.zzzzzzzzzzzzzzz", good + " "}) {
            assertThatThrownBy(() -> ledger().movements(A, bad, 10))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("cursor");
                        assertThat(e.value()).isEqualTo(bad);
                    });
        }
        for (int bad : new int[] {0, -1, StockLedger.MAX_MOVEMENT_PAGE + 1}) {
            assertThatThrownBy(() -> ledger().movements(A, null, bad))
                    .isInstanceOfSatisfying(InvalidRequestException.class, e -> {
                        assertThat(e.field()).isEqualTo("limit");
                        assertThat(e.value()).isEqualTo(Integer.toString(bad));
                    });
        }
        assertThat(ledger().movements(A, null, StockLedger.MAX_MOVEMENT_PAGE).movements())
                .hasSize(2);
    }

    // ------------------------------------------------------------------ verify

    @Test
    void verifyIsCleanAfterEveryKindOfChange() {
        reserve("v-1", Duration.ofHours(1), ReservationLine.of("drift-a", 3), ReservationLine.at("drift-b", "east", 4));
        reserve("v-2", Duration.ofHours(1), ReservationLine.at("drift-b", "east", 5));
        reserve("v-3", Duration.ofMinutes(1), ReservationLine.at("drift-b", "west", 6));
        reserve("v-4", Duration.ofHours(1), ReservationLine.at("drift-b", "west", 7));
        ledger().commit("v-1");
        ledger().release("v-2");
        ledger().commit("v-4");
        ledger().fulfil("v-4");
        ledger().adjust(A, -10, "shrink");
        StockLevel west = ledger().level(B_WEST).orElseThrow();
        ledger().setOnHand(B_WEST, 900, west.version(), "count");
        clock.advance(Duration.ofMinutes(2));
        assertThat(ledger().expireDue(10)).isEqualTo(1);

        StockKey unknown = StockKey.of("drift-unknown");
        DriftReport r = ledger().verify(List.of(B_WEST, unknown, A, B_EAST, A));
        assertThat(r.drifts()).isEmpty();
        assertThat(r.clean()).isTrue();
        assertThat(r.checked()).isEqualTo(3);
        assertThat(r.unknown()).containsExactly(unknown);
        assertThat(ledger().level(A).orElseThrow().reserved()).isEqualTo(3);
        assertThat(ledger().level(B_EAST).orElseThrow().reserved()).isEqualTo(4);
        assertThat(ledger().level(B_WEST).orElseThrow().reserved()).isZero();
    }

    @Test
    void verifyFindsALevelChangedBehindTheLedgersBack() {
        reserve("d-1", Duration.ofHours(1), ReservationLine.at("drift-b", "east", 4));
        reserve("d-2", Duration.ofHours(1), ReservationLine.at("drift-b", "west", 2));
        ledger().commit("d-2");
        assertThat(ledger().verify(ALL).clean()).isTrue();

        plantLevel(B_EAST, 1_003, 4); // on-hand only

        DriftReport r = ledger().verify(ALL);
        assertThat(r.checked()).isEqualTo(3);
        assertThat(r.drifts()).containsExactly(new Drift(B_EAST, Check.REPLAY, Quantity.ON_HAND, 1_000, 1_003));

        plantLevel(B_EAST, 1_000, 4);
        plantLevel(B_WEST, 1_000, 7); // reserved: disagrees with the movements and with the holds
        r = ledger().verify(List.of(B_WEST, B_EAST));
        assertThat(r.drifts())
                .containsExactly(
                        new Drift(B_WEST, Check.REPLAY, Quantity.RESERVED, 2, 7),
                        new Drift(B_WEST, Check.HOLDS, Quantity.RESERVED, 2, 7));
        assertThat(ledger().verify(List.of(A, B_EAST)).clean()).isTrue();
    }

    @Test
    void verifyFindsAnOrphanHold() {
        reserve("o-1", Duration.ofHours(1), ReservationLine.of("drift-a", 4), ReservationLine.at("drift-b", "west", 1));
        plantOrphanHold(A, "orphan-1", 6);

        DriftReport r = ledger().verify(ALL);
        assertThat(r.drifts()).containsExactly(new Drift(A, Check.HOLDS, Quantity.RESERVED, 10, 4));
        // the other location of a SKU is not affected by a hold of its sibling
        plantOrphanHold(B_EAST, "orphan-2", 2);
        assertThat(ledger().verify(List.of(B_WEST, B_EAST)).drifts())
                .containsExactly(new Drift(B_EAST, Check.HOLDS, Quantity.RESERVED, 2, 0));
    }

    @Test
    void verifyChecksABoundedPageAndRejectsBadInput() {
        List<StockKey> tooMany = new ArrayList<>();
        for (int i = 0; i <= StockLedger.MAX_VERIFY_KEYS; i++) {
            tooMany.add(StockKey.of("drift-page-" + i));
        }
        assertThatThrownBy(() -> ledger().verify(tooMany)).isInstanceOfSatisfying(InvalidRequestException.class, e -> {
            assertThat(e.field()).isEqualTo("keys");
            assertThat(e.value()).isEqualTo(Integer.toString(StockLedger.MAX_VERIFY_KEYS + 1));
        });
        assertThatThrownBy(() -> ledger().verify(List.of()))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("keys"));
        assertThatThrownBy(() -> ledger().verify(Arrays.asList(A, null)))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("keys[1]"));
        DriftReport full = ledger().verify(tooMany.subList(0, StockLedger.MAX_VERIFY_KEYS));
        assertThat(full.checked()).isZero();
        assertThat(full.unknown()).hasSize(StockLedger.MAX_VERIFY_KEYS);
        // only the keys asked for are checked: a drift elsewhere is not reported
        plantLevel(B_WEST, 999, 0);
        assertThat(ledger().verify(List.of(A, B_EAST)).clean()).isTrue();
        assertThat(ledger().verify(List.of(B_WEST)).drifts()).hasSize(1);
    }

    @Test
    void verifyStaysSilentWhileOrdersKeepFlowing() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger working = new AtomicInteger(4);
        AtomicInteger ops = new AtomicInteger();
        // the writers go on until the checker has verified this often while they were writing
        AtomicInteger verifications = new AtomicInteger();
        int overlap = 25;
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int t = 0; t < 3; t++) {
            int worker = t;
            tasks.add(() -> {
                try {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < 60 || (verifications.get() < overlap && i < 5_000); i++) {
                        String id = "load-" + worker + "-" + i;
                        try {
                            int shape = rnd.nextInt(3);
                            List<ReservationLine> lines = shape == 0
                                    ? List.of(ReservationLine.of("drift-a", 1 + rnd.nextInt(3)))
                                    : shape == 1
                                            ? List.of(ReservationLine.at("drift-b", "east", 1 + rnd.nextInt(3)))
                                            : List.of(
                                                    ReservationLine.of("drift-a", 1),
                                                    ReservationLine.at("drift-b", "west", 2));
                            Duration ttl = rnd.nextBoolean() ? Duration.ofSeconds(1) : Duration.ofHours(1);
                            ledger().reserve(new ReservationRequest(id, lines, ttl));
                            switch (rnd.nextInt(4)) {
                                case 0 -> ledger().release(id);
                                case 1 -> {
                                    ledger().commit(id);
                                    if (rnd.nextBoolean()) {
                                        ledger().fulfil(id);
                                    }
                                }
                                case 2 -> ledger().adjust(ALL.get(rnd.nextInt(3)), 2, id + "-restock");
                                default -> {
                                    // left held: expires, or stays
                                }
                            }
                        } catch (InsufficientStockException | IllegalStateTransitionException e) {
                            // a short level or a hold that expired first: outcomes, not failures
                        }
                        ops.incrementAndGet();
                    }
                    return null;
                } finally {
                    working.decrementAndGet();
                }
            });
        }
        tasks.add(
                () -> { // places orders and expires due holds, moving the clock
                    try {
                        for (int i = 0; i < 30 || (verifications.get() < overlap && i < 2_000); i++) {
                            try {
                                kit.orders()
                                        .place(PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("drift-order-" + i))
                                                .line("drift-a", 1, 100)
                                                .build());
                            } catch (InsufficientStockException e) {
                                // outcome
                            }
                            if (i % 5 == 0) {
                                clock.advance(Duration.ofSeconds(2));
                                ledger().expireDue(5);
                            }
                            ops.incrementAndGet();
                        }
                        return null;
                    } finally {
                        working.decrementAndGet();
                    }
                });
        List<DriftReport> dirty = Collections.synchronizedList(new ArrayList<>());
        tasks.add(() -> {
            while (!stop.get()) {
                DriftReport r = ledger().verify(ALL);
                verifications.incrementAndGet();
                if (!r.clean() || r.checked() != 3) {
                    dirty.add(r);
                }
                if (working.get() == 0) {
                    stop.set(true);
                }
            }
            return null;
        });
        List<Object> results = runConcurrently(tasks.size(), tasks);
        for (Object o : results) {
            assertThat(o).as("every task ends normally").isNull();
        }
        assertThat(ops.get()).isGreaterThanOrEqualTo(3 * 60 + 30);
        assertThat(verifications.get()).isGreaterThanOrEqualTo(overlap);
        assertThat(dirty)
                .as("drift reported under load (%d verifications)", verifications.get())
                .isEmpty();
        clock.advance(Duration.ofHours(2));
        ledger().expireDue(100);
        DriftReport end = ledger().verify(ALL);
        assertThat(end.drifts()).isEmpty();
        assertStockInvariants();
        for (StockKey k : ALL) {
            StockLevel l = ledger().level(k).orElseThrow();
            long committed = stock().reservations(EnumSet.of(ReservationState.COMMITTED)).stream()
                    .flatMap(r -> r.lines().stream())
                    .filter(line -> line.key().equals(k))
                    .mapToLong(line -> line.quantity())
                    .sum();
            assertThat(l.reserved()).as("only committed holds remain on %s", k).isEqualTo(committed);
        }
    }
}
