package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link dev.orderkit.core.spi.StockStorage}: each primitive's semantics as the
 * in-memory reference implements them, with the design's invariants 1 (no oversell), 4
 * (all-or-nothing) and 5 (conservation: movements replay to the levels). Single-threaded; the
 * concurrent behaviour is in {@link ConcurrencyContract}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class StockStorageContract extends ContractSupport {
    private static final StockKey A = StockKey.of("sku-a", "east");
    private static final StockKey A_WEST = StockKey.of("sku-a", "west");
    private static final StockKey B = StockKey.of("sku-b", "east");
    private static final Duration HOLD = Duration.ofMinutes(10);

    /** Subclasses are created by JUnit. */
    protected StockStorageContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private ReserveResult reserve(String id, AllocatedLine... lines) {
        return stock().reserve(id, List.of(lines), now().plus(HOLD), now());
    }

    private static AllocatedLine line(StockKey key, long qty) {
        return new AllocatedLine(key, qty);
    }

    private Reservation reserved(String id, AllocatedLine... lines) {
        ReserveResult r = reserve(id, lines);
        assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
        return ((ReserveResult.Reserved) r).reservation();
    }

    private StockLevel levelOf(StockKey key) {
        return stock().level(key).orElseThrow(() -> new AssertionError("no level " + key));
    }

    // ------------------------------------------------------------------ levels and adjustments

    @Test
    void emptyBackendHasNoLevelsNorReservations() {
        assertThat(stock().allLevels()).isEmpty();
        assertThat(stock().levels("sku-a")).isEmpty();
        assertThat(stock().level(A)).isEmpty();
        assertThat(stock().reservation("r-none")).isEmpty();
        assertThat(stock().reservations(EnumSet.allOf(ReservationState.class))).isEmpty();
        assertThat(stock().movements(A)).isEmpty();
        assertThat(stock().dueReservations(now().plus(Duration.ofDays(30)), 10)).isEmpty();
    }

    @Test
    void adjustCreatesLevelAndRecordsMovement() {
        Instant t = now();
        StockLevel created = stock().adjust(A, 7, "restock-1", t);
        assertThat(created.key()).isEqualTo(A);
        assertThat(created.onHand()).isEqualTo(7);
        assertThat(created.reserved()).isZero();
        assertThat(created.available()).isEqualTo(7);
        assertThat(stock().level(A)).contains(created);

        clock.advance(Duration.ofSeconds(1));
        StockLevel after = stock().adjust(A, -2, "shrinkage", now());
        assertThat(after.onHand()).isEqualTo(5);
        assertThat(after.version()).isGreaterThan(created.version());
        assertThat(after.updatedAt()).isEqualTo(now());

        List<Movement> ms = stock().movements(A);
        assertThat(ms).extracting(Movement::onHandDelta).containsExactly(7L, -2L);
        assertThat(ms).extracting(Movement::reservedDelta).containsExactly(0L, 0L);
        assertThat(ms).extracting(Movement::reason).containsOnly(MovementReason.ADJUST);
        assertThat(ms).extracting(Movement::reference).containsExactly("restock-1", "shrinkage");
        assertThat(ms).extracting(Movement::key).containsOnly(A);
        assertThat(ms.get(1).at()).isEqualTo(now());
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ stock writes are idempotent on their reference

    @Test
    void adjustRepeatedWithItsReferenceReturnsTheFirstResultAndAppliesNothing() {
        stockUp(A, 10);
        StockLevel first = stock().adjust(A, 5, "restock-42", now());
        clock.advance(Duration.ofSeconds(1));
        StockLevel again = stock().adjust(A, 5, "restock-42", now()); // a retry after a lost acknowledgement
        assertThat(again).isEqualTo(first);
        assertThat(levelOf(A).onHand()).isEqualTo(15);
        assertThat(stock().movements(A))
                .filteredOn(m -> m.reference().equals("restock-42"))
                .hasSize(1);
        // the replay answers with the first application's level even after later changes
        stock().adjust(A, -1, "shrink-1", now());
        assertThat(stock().adjust(A, 5, "restock-42", now())).isEqualTo(first);
        assertThat(levelOf(A).onHand()).isEqualTo(14);
        assertStockInvariants();
    }

    @Test
    void adjustThatCreatedTheLevelIsReplayedToo() {
        StockLevel created = stock().adjust(A, 7, "first-delivery", now());
        assertThat(stock().adjust(A, 7, "first-delivery", now())).isEqualTo(created);
        assertThat(levelOf(A).onHand()).isEqualTo(7);
        assertThat(stock().movements(A)).hasSize(1);
    }

    @Test
    void setOnHandRepeatedWithItsReferenceReturnsTheFirstResultNotAConflict() {
        StockLevel start = stockUp(A, 10);
        StockLevel counted = stock().setOnHand(A, 50, start.version(), "count-7", now());
        assertThat(counted.onHand()).isEqualTo(50);
        StockLevel again = stock().setOnHand(A, 50, start.version(), "count-7", now());
        assertThat(again).isEqualTo(counted);
        assertThat(stock().movements(A))
                .filteredOn(m -> m.reference().equals("count-7"))
                .hasSize(1);
        StockLevel created = stock().setOnHand(B, 4, -1, "opening-count", now());
        assertThat(stock().setOnHand(B, 4, -1, "opening-count", now())).isEqualTo(created);
        assertThat(levelOf(B).onHand()).isEqualTo(4);
        // a different reference with the stale version is still a real conflict
        assertThatThrownBy(() -> stock().setOnHand(A, 50, start.version(), "count-8", now()))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertStockInvariants();
    }

    @Test
    void referenceReusedWithOtherArgumentsIsRejectedAndChangesNothing() {
        StockLevel start = stockUp(A, 10);
        stock().adjust(A, 5, "restock-42", now());
        StockLevel before = levelOf(A);
        assertThatThrownBy(() -> stock().adjust(A, 6, "restock-42", now()))
                .isInstanceOf(ReferenceReuseException.class)
                .satisfies(e -> {
                    assertThat(((ReferenceReuseException) e).reference()).isEqualTo("restock-42");
                    assertThat(((ReferenceReuseException) e).key()).isEqualTo(A);
                })
                .hasMessageContaining("adjust(+5)");
        assertThatThrownBy(() -> stock().setOnHand(A, 15, before.version(), "restock-42", now()))
                .isInstanceOf(ReferenceReuseException.class);
        stock().setOnHand(A, 20, before.version(), "count-1", now());
        StockLevel counted = levelOf(A);
        assertThatThrownBy(() -> stock().setOnHand(A, 21, before.version(), "count-1", now()))
                .isInstanceOf(ReferenceReuseException.class);
        assertThatThrownBy(() -> stock().setOnHand(A, 20, start.version(), "count-1", now()))
                .isInstanceOf(ReferenceReuseException.class);
        assertThatThrownBy(() -> stock().adjust(A, 20, "count-1", now())).isInstanceOf(ReferenceReuseException.class);
        assertThat(levelOf(A)).isEqualTo(counted);
        assertThat(stock().movements(A)).hasSize(3);
        assertStockInvariants();
    }

    @Test
    void referencesAreDeduplicatedPerLevel() {
        stockUp(A, 1);
        stockUp(A_WEST, 1);
        stock().adjust(A, 5, "delivery-9", now());
        StockLevel west = stock().adjust(A_WEST, 5, "delivery-9", now()); // one delivery note, two levels
        assertThat(west.onHand()).isEqualTo(6);
        assertThat(levelOf(A).onHand()).isEqualTo(6);
    }

    @Test
    void failedWriteRecordsNoReference() {
        stockUp(A, 5);
        reserved("r1", line(A, 5));
        assertThatThrownBy(() -> stock().adjust(A, -1, "shrink-x", now()))
                .isInstanceOf(InsufficientStockException.class);
        release("r1", now());
        StockLevel ok = stock().adjust(A, -1, "shrink-x", now()); // nothing recorded by the failure
        assertThat(ok.onHand()).isEqualTo(4);
    }

    @Test
    void negativeAdjustOfMissingLevelIsNotFoundAndCreatesNothing() {
        assertThatThrownBy(() -> stock().adjust(A, -1, "x", now())).isInstanceOf(NotFoundException.class);
        assertThat(stock().level(A)).isEmpty();
        assertThat(stock().allLevels()).isEmpty();
        assertThat(stock().movements(A)).isEmpty();
    }

    @Test
    void adjustBelowReservedOrZeroIsRefusedAndChangesNothing() {
        stockUp(A, 5);
        reserved("r1", line(A, 3));
        StockLevel before = levelOf(A);
        assertThatThrownBy(() -> stock().adjust(A, -3, "too-much", now()))
                .isInstanceOf(InsufficientStockException.class);
        assertThatThrownBy(() -> stock().adjust(A, -6, "below-zero", now()))
                .isInstanceOf(InsufficientStockException.class);
        assertThat(levelOf(A)).isEqualTo(before);
        assertThat(stock().movements(A)).hasSize(2);
        StockLevel ok = stock().adjust(A, -2, "exactly-available", now());
        assertThat(ok.onHand()).isEqualTo(3);
        assertThat(ok.available()).isZero();
        assertStockInvariants();
    }

    @Test
    void levelsAreListedPerSkuSortedByLocation() {
        stockUp(A_WEST, 1);
        stockUp(B, 2);
        stockUp(A, 3);
        assertThat(stock().levels("sku-a")).extracting(StockLevel::key).containsExactly(A, A_WEST);
        assertThat(stock().levels("sku-b")).extracting(StockLevel::onHand).containsExactly(2L);
        assertThat(stock().levels("sku-c")).isEmpty();
        assertThat(stock().allLevels()).extracting(StockLevel::key).containsExactly(A, A_WEST, B);
    }

    @Test
    void setOnHandCreatesWithMinusOneAndComparesVersions() {
        StockLevel created = stock().setOnHand(A, 10, -1, "count-1", now());
        assertThat(created.onHand()).isEqualTo(10);
        assertThatThrownBy(() -> stock().setOnHand(A, 11, -1, "count-dup", now()))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThatThrownBy(() -> stock().setOnHand(A, 12, created.version() + 5, "stale", now()))
                .isInstanceOf(ConcurrencyConflictException.class);
        assertThat(levelOf(A)).isEqualTo(created);

        StockLevel counted = stock().setOnHand(A, 4, created.version(), "count-2", now());
        assertThat(counted.onHand()).isEqualTo(4);
        assertThat(counted.version()).isGreaterThan(created.version());
        assertThatThrownBy(() -> stock().setOnHand(A, 9, created.version(), "lost-update", now()))
                .isInstanceOf(ConcurrencyConflictException.class);

        List<Movement> ms = stock().movements(A);
        assertThat(ms).extracting(Movement::reason).containsOnly(MovementReason.SET_ON_HAND);
        assertThat(ms).extracting(Movement::onHandDelta).containsExactly(10L, -6L);
        assertThat(ms).extracting(Movement::reference).containsExactly("count-1", "count-2");
        assertStockInvariants();
    }

    @Test
    void setOnHandOfMissingLevelIsNotFound() {
        assertThatThrownBy(() -> stock().setOnHand(A, 3, 0, "x", now())).isInstanceOf(NotFoundException.class);
        assertThat(stock().level(A)).isEmpty();
    }

    @Test
    void setOnHandBelowReservedIsRefused() {
        stockUp(A, 10);
        reserved("r1", line(A, 6));
        StockLevel before = levelOf(A);
        assertThatThrownBy(() -> stock().setOnHand(A, 5, before.version(), "count", now()))
                .isInstanceOf(InsufficientStockException.class);
        assertThat(levelOf(A)).isEqualTo(before);
        assertThat(stock().setOnHand(A, 6, before.version(), "count", now()).available())
                .isZero();
        assertStockInvariants();
    }

    @Test
    void largeQuantitiesAreStoredExactly() {
        long big = 1_000_000_000_000L; // the largest on-hand core accepts
        StockLevel l = stock().setOnHand(A, big, -1, "big", now());
        assertThat(l.onHand()).isEqualTo(big);
        Reservation r = reserved("r-big", line(A, 1_000_000_000L));
        assertThat(r.lines()).containsExactly(line(A, 1_000_000_000L));
        assertThat(levelOf(A).reserved()).isEqualTo(1_000_000_000L);
        assertThat(levelOf(A).available()).isEqualTo(big - 1_000_000_000L);
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ reserve

    @Test
    void reserveHoldsStockAndRecordsMovement() {
        stockUp(A, 10);
        stockUp(B, 10);
        Instant expires = now().plus(HOLD);
        ReserveResult result = stock().reserve("r1", List.of(line(A, 3), line(B, 4)), expires, now());
        assertThat(result).isInstanceOf(ReserveResult.Reserved.class);
        Reservation r = ((ReserveResult.Reserved) result).reservation();
        assertThat(r.id()).isEqualTo("r1");
        assertThat(r.state()).isEqualTo(ReservationState.HELD);
        assertThat(r.lines()).containsExactly(line(A, 3), line(B, 4));
        assertThat(r.expiresAt()).isEqualTo(expires);
        assertThat(r.createdAt()).isEqualTo(now());
        assertThat(stock().reservation("r1")).contains(r);

        assertThat(levelOf(A).reserved()).isEqualTo(3);
        assertThat(levelOf(A).onHand()).isEqualTo(10);
        assertThat(levelOf(B).available()).isEqualTo(6);
        Movement m = stock().movements(A).get(1);
        assertThat(m.reason()).isEqualTo(MovementReason.RESERVE);
        assertThat(m.reservedDelta()).isEqualTo(3);
        assertThat(m.onHandDelta()).isZero();
        assertThat(m.reference()).isEqualTo("r1");
        assertStockInvariants();
    }

    @Test
    void reserveExactlyAvailableSucceedsAndOneMoreIsInsufficient() {
        stockUp(A, 5);
        reserved("r1", line(A, 5));
        ReserveResult more = reserve("r2", line(A, 1));
        assertThat(more).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(((ReserveResult.Insufficient) more).shortfalls())
                .singleElement()
                .satisfies(s -> {
                    assertThat(s.sku()).isEqualTo("sku-a");
                    assertThat(s.location()).isEqualTo("east");
                    assertThat(s.requested()).isEqualTo(1);
                    assertThat(s.available()).isZero();
                });
        assertThat(stock().reservation("r2")).isEmpty();
        assertThat(levelOf(A).reserved()).isEqualTo(5);
        assertStockInvariants();
    }

    @Test
    void multiLineReserveIsAllOrNothing() {
        stockUp(A, 10);
        stockUp(A_WEST, 10);
        stockUp(B, 2);
        List<StockLevel> before = stock().allLevels();
        ReserveResult r = reserve("r1", line(A, 1), line(A_WEST, 10), line(B, 3));
        assertThat(r).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(((ReserveResult.Insufficient) r).shortfalls())
                .extracting(s -> s.sku() + "@" + s.location() + ":" + s.requested() + "/" + s.available())
                .containsExactly("sku-b@east:3/2");
        assertThat(stock().allLevels()).isEqualTo(before);
        assertThat(stock().reservation("r1")).isEmpty();
        assertThat(stock().movements(B)).hasSize(1);
        assertThat(stock().movements(A)).hasSize(1);
        assertStockInvariants();
    }

    @Test
    void reserveNamingUnknownLevelWritesNothing() {
        stockUp(A, 10);
        List<StockLevel> before = stock().allLevels();
        ReserveResult r = reserve(
                "r1", line(A, 1), line(StockKey.of("sku-a", "nowhere"), 1), line(StockKey.of("sku-z", "east"), 1));
        assertThat(r).isInstanceOf(ReserveResult.UnknownStock.class);
        assertThat(((ReserveResult.UnknownStock) r).missing()).containsExactlyInAnyOrder("sku-a@nowhere", "sku-z@east");
        assertThat(stock().allLevels()).isEqualTo(before);
        assertThat(stock().reservation("r1")).isEmpty();
        assertThat(stock().level(StockKey.of("sku-z", "east"))).isEmpty();
    }

    @Test
    void reserveIsIdempotentOnTheReservationId() {
        stockUp(A, 10);
        stockUp(B, 10);
        Reservation first = reserved("r1", line(A, 2));
        clock.advance(Duration.ofSeconds(5));
        ReserveResult again = reserve("r1", line(A, 2));
        assertThat(again).isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(((ReserveResult.AlreadyExists) again).reservation()).isEqualTo(first);
        ReserveResult different = reserve("r1", line(B, 5));
        assertThat(different).isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(((ReserveResult.AlreadyExists) different).reservation()).isEqualTo(first);
        assertThat(levelOf(A).reserved()).isEqualTo(2);
        assertThat(levelOf(B).reserved()).isZero();

        release("r1", now());
        ReserveResult afterRelease = reserve("r1", line(A, 2));
        assertThat(afterRelease).isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(((ReserveResult.AlreadyExists) afterRelease).reservation().state())
                .isEqualTo(ReservationState.RELEASED);
        assertThat(levelOf(A).reserved()).isZero();
        assertStockInvariants();
    }

    @Test
    void insufficientReserveDoesNotConsumeTheId() {
        stockUp(A, 1);
        assertThat(reserve("r1", line(A, 2))).isInstanceOf(ReserveResult.Insufficient.class);
        stock().adjust(A, 1, "restock", now());
        assertThat(reserve("r1", line(A, 2))).isInstanceOf(ReserveResult.Reserved.class);
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ reserveAll (the combiner's batch)

    private ReserveCommand cmd(String id, AllocatedLine... lines) {
        return new ReserveCommand(id, List.of(lines), now().plus(HOLD), now());
    }

    private static <T> T as(Class<T> type, ReserveResult r) {
        assertThat(r).isInstanceOf(type);
        return type.cast(r);
    }

    @Test
    void reserveAllAnswersEachCommandAsSequentialReservesWould() {
        stockUp(A, 5);
        stockUp(B, 10);
        Reservation r0 = reserved("r0", line(A, 1)); // A: 4 available
        clock.advance(Duration.ofSeconds(1));
        List<ReserveResult> out = stock().reserveAll(List.of(
                cmd("r1", line(A, 3)), // reserved: A 1 left
                cmd("r2", line(A, 2)), // short: 1 available at this point
                cmd("r0", line(A, 1)), // existed before the batch
                cmd("r3", line(A, 1), line(B, 2)), // several keys: reserved, A 0 left
                cmd("r4", line(StockKey.of("sku-z", "east"), 1)), // unknown: fails alone
                cmd("r1", line(B, 5)), // duplicate of an id this batch reserved
                cmd("r5", line(A, 1)), // short: 0 available
                cmd("r2", line(B, 1)))); // r2 was not consumed by its short attempt
        assertThat(out).hasSize(8);
        Reservation r1 = as(ReserveResult.Reserved.class, out.get(0)).reservation();
        assertThat(r1.lines()).containsExactly(line(A, 3));
        assertThat(r1.state()).isEqualTo(ReservationState.HELD);
        assertThat(r1.createdAt()).isEqualTo(now());
        assertThat(r1.expiresAt()).isEqualTo(now().plus(HOLD));
        assertThat(as(ReserveResult.Insufficient.class, out.get(1)).shortfalls())
                .extracting(f -> f.sku() + "@" + f.location() + ":" + f.requested() + "/" + f.available())
                .containsExactly("sku-a@east:2/1");
        assertThat(as(ReserveResult.AlreadyExists.class, out.get(2)).reservation())
                .isEqualTo(r0);
        Reservation r3 = as(ReserveResult.Reserved.class, out.get(3)).reservation();
        assertThat(r3.lines()).containsExactly(line(A, 1), line(B, 2));
        assertThat(as(ReserveResult.UnknownStock.class, out.get(4)).missing()).containsExactly("sku-z@east");
        assertThat(as(ReserveResult.AlreadyExists.class, out.get(5)).reservation())
                .isEqualTo(r1);
        assertThat(as(ReserveResult.Insufficient.class, out.get(6)).shortfalls())
                .extracting(f -> f.requested() + "/" + f.available())
                .containsExactly("1/0");
        Reservation r2 = as(ReserveResult.Reserved.class, out.get(7)).reservation();
        assertThat(r2.lines()).containsExactly(line(B, 1));

        assertThat(stock().reservation("r1")).contains(r1);
        assertThat(stock().reservation("r2")).contains(r2);
        assertThat(stock().reservation("r3")).contains(r3);
        assertThat(stock().reservation("r4")).isEmpty();
        assertThat(stock().reservation("r5")).isEmpty();
        assertThat(levelOf(A).reserved()).isEqualTo(5);
        assertThat(levelOf(A).available()).isZero();
        assertThat(levelOf(B).reserved()).isEqualTo(3);
        assertThat(stock().level(StockKey.of("sku-z", "east"))).isEmpty();
        assertThat(stock().movements(A))
                .filteredOn(m -> m.reason() == MovementReason.RESERVE)
                .extracting(Movement::reference)
                .containsExactly("r0", "r1", "r3");
        assertThat(stock().movements(B))
                .filteredOn(m -> m.reason() == MovementReason.RESERVE)
                .extracting(Movement::reference)
                .containsExactly("r3", "r2");
        assertStockInvariants();

        // every reservation of the batch lives on like one reserved alone
        assertThat(stock().transition("r1", ReservationTransition.RELEASE, now()))
                .isInstanceOf(TransitionResult.Applied.class);
        assertThat(levelOf(A).available()).isEqualTo(3);
        assertThat(stock().reserveAll(List.of(cmd("r1", line(A, 1)))))
                .singleElement()
                .isInstanceOf(ReserveResult.AlreadyExists.class);
        assertStockInvariants();
    }

    @Test
    void reserveAllOfOneHotKeyAdmitsInArrivalOrderUntilTheStockIsGone() {
        stockUp(A, 12);
        List<ReserveCommand> batch = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            batch.add(cmd("h" + i, line(A, 1 + i % 2))); // 1, 2, 1, 2, ...
        }
        batch.add(cmd("h0", line(A, 1))); // a repeat of the first id, last in the batch
        List<ReserveResult> out = stock().reserveAll(batch);
        assertThat(out).hasSize(21);
        // 1+2+1+2+1+2+1+2 = 12: the first eight fit, the rest find nothing left
        for (int i = 0; i < 20; i++) {
            assertThat(out.get(i))
                    .as("command %d", i)
                    .isInstanceOf(i < 8 ? ReserveResult.Reserved.class : ReserveResult.Insufficient.class);
        }
        assertThat(out.get(20)).isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(levelOf(A).reserved()).isEqualTo(12);
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD))).hasSize(8);
        assertThat(levelOf(A).version()).isGreaterThanOrEqualTo(9); // the stock-up and one change per hold
        assertStockInvariants();
    }

    @Test
    void reserveAllWhoseEveryCommandIsRejectedWritesNothing() {
        stockUp(A, 2);
        reserved("r0", line(A, 1));
        List<StockLevel> before = stock().allLevels();
        List<Movement> movesBefore = stock().movements(A);
        List<ReserveResult> out = stock().reserveAll(List.of(
                cmd("x1", line(A, 5)),
                cmd("r0", line(A, 1)),
                cmd("x2", line(StockKey.of("sku-q", "east"), 1)),
                cmd("x3", line(A, 1), line(StockKey.of("sku-a", "nowhere"), 1))));
        assertThat(out.get(0)).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(out.get(1)).isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(out.get(2)).isInstanceOf(ReserveResult.UnknownStock.class);
        assertThat(as(ReserveResult.UnknownStock.class, out.get(3)).missing()).containsExactly("sku-a@nowhere");
        assertThat(stock().allLevels()).isEqualTo(before);
        assertThat(stock().movements(A)).isEqualTo(movesBefore);
        assertThat(stock().reservation("x1")).isEmpty();
        assertThat(stock().reservation("x3")).isEmpty();
        assertThat(stock().reserveBatchLimit()).isPositive();
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ transitions
    // (every (state, action, due) row is pinned by ReservationLifecycleContract; these follow whole lifecycles)

    private TransitionResult commit(String id, Instant at) {
        return stock().transition(id, ReservationTransition.COMMIT, at);
    }

    private TransitionResult release(String id, Instant at) {
        return stock().transition(id, ReservationTransition.RELEASE, at);
    }

    private TransitionResult fulfil(String id, Instant at) {
        return stock().transition(id, ReservationTransition.FULFIL, at);
    }

    private TransitionResult expire(String id, Instant at) {
        return stock().transition(id, ReservationTransition.EXPIRE, at);
    }

    private static Reservation applied(TransitionResult r) {
        assertThat(r).isInstanceOf(TransitionResult.Applied.class);
        return ((TransitionResult.Applied) r).reservation();
    }

    private static Reservation unchanged(TransitionResult r) {
        assertThat(r).isInstanceOf(TransitionResult.Unchanged.class);
        return ((TransitionResult.Unchanged) r).reservation();
    }

    private static void refused(TransitionResult r, String state) {
        assertThat(r).isInstanceOf(TransitionResult.Refused.class);
        assertThat(((TransitionResult.Refused) r).state()).isEqualTo(state);
    }

    @Test
    void commitMakesHoldPermanentAndIsIdempotent() {
        stockUp(A, 5);
        reserved("r1", line(A, 2));
        clock.advance(Duration.ofSeconds(1));
        Reservation c = applied(commit("r1", now()));
        assertThat(c.state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(c.lines()).containsExactly(line(A, 2));
        assertThat(c.updatedAt()).isEqualTo(now());
        assertThat(unchanged(commit("r1", now().plus(Duration.ofDays(1))))).isEqualTo(c);
        assertThat(stock().reservation("r1")).contains(c);
        assertThat(levelOf(A).reserved()).isEqualTo(2);
        // committed reservations never expire
        assertThat(stock().dueReservations(now().plus(Duration.ofDays(30)), 10)).isEmpty();
        assertThat(unchanged(expire("r1", now().plus(Duration.ofDays(30))))).isEqualTo(c);
        assertThat(stock().reservation("r1").orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertStockInvariants();
    }

    @Test
    void commitOfUnknownOrExpiredHoldIsRefused() {
        stockUp(A, 5);
        assertThat(commit("nope", now())).isEqualTo(new TransitionResult.NotFound("nope"));
        Reservation r = reserved("r1", line(A, 2));
        refused(commit("r1", r.expiresAt()), "HELD (expired)");
        assertThat(stock().reservation("r1").orElseThrow().state()).isEqualTo(ReservationState.HELD);
        applied(expire("r1", r.expiresAt()));
        refused(commit("r1", now()), "EXPIRED");
        assertStockInvariants();
    }

    @Test
    void releaseReturnsStockAndIsIdempotent() {
        stockUp(A, 5);
        stockUp(B, 5);
        reserved("r1", line(A, 2), line(B, 3));
        reserved("r2", line(A, 1));
        applied(commit("r2", now()));

        Reservation released = applied(release("r1", now()));
        assertThat(released.state()).isEqualTo(ReservationState.RELEASED);
        assertThat(levelOf(A).reserved()).isEqualTo(1);
        assertThat(levelOf(B).reserved()).isZero();
        int movementsA = stock().movements(A).size();
        assertThat(unchanged(release("r1", now()))).isEqualTo(released);
        assertThat(stock().movements(A)).hasSize(movementsA);
        assertThat(stock().movements(B).get(stock().movements(B).size() - 1))
                .extracting(Movement::reason, Movement::reservedDelta, Movement::reference)
                .containsExactly(MovementReason.RELEASE, -3L, "r1");

        assertThat(applied(release("r2", now())).state()).isEqualTo(ReservationState.RELEASED);
        assertThat(levelOf(A).reserved()).isZero();
        assertThat(release("nope", now())).isEqualTo(new TransitionResult.NotFound("nope"));
        refused(commit("r1", now()), "RELEASED");
        assertStockInvariants();
    }

    @Test
    void fulfilShipsCommittedStock() {
        stockUp(A, 5);
        reserved("r1", line(A, 2));
        refused(fulfil("r1", now()), "HELD");
        applied(commit("r1", now()));
        Reservation f = applied(fulfil("r1", now()));
        assertThat(f.state()).isEqualTo(ReservationState.FULFILLED);
        StockLevel l = levelOf(A);
        assertThat(l.onHand()).isEqualTo(3);
        assertThat(l.reserved()).isZero();
        Movement m = stock().movements(A).get(stock().movements(A).size() - 1);
        assertThat(m.reason()).isEqualTo(MovementReason.FULFIL);
        assertThat(m.onHandDelta()).isEqualTo(-2);
        assertThat(m.reservedDelta()).isEqualTo(-2);

        assertThat(unchanged(fulfil("r1", now()))).isEqualTo(f);
        assertThat(levelOf(A)).isEqualTo(l);
        refused(release("r1", now()), "FULFILLED");
        refused(commit("r1", now()), "FULFILLED");
        assertThat(fulfil("nope", now())).isEqualTo(new TransitionResult.NotFound("nope"));
        assertThat(levelOf(A)).isEqualTo(l);
        assertStockInvariants();
    }

    @Test
    void refusalsMapToThePublicExceptions() {
        stockUp(A, 5);
        reserved("r1", line(A, 2));
        assertThatThrownBy(() -> fulfil("r1", now()).reservationOrThrow())
                .isInstanceOf(IllegalStateTransitionException.class)
                .hasMessageContaining("fulfil");
        assertThatThrownBy(() -> commit("nope", now()).reservationOrThrow()).isInstanceOf(NotFoundException.class);
        assertThat(commit("r1", now()).reservationOrThrow().state()).isEqualTo(ReservationState.COMMITTED);
    }

    @Test
    void expireReturnsDueHoldsOnly() {
        stockUp(A, 5);
        Reservation r = reserved("r1", line(A, 2));
        assertThat(unchanged(expire("r1", r.expiresAt().minusMillis(1)))).isEqualTo(r);
        assertThat(levelOf(A).reserved()).isEqualTo(2);

        Reservation expired = applied(expire("r1", r.expiresAt()));
        assertThat(expired.state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(levelOf(A).reserved()).isZero();
        Movement m = stock().movements(A).get(stock().movements(A).size() - 1);
        assertThat(m.reason()).isEqualTo(MovementReason.EXPIRE);
        assertThat(m.reservedDelta()).isEqualTo(-2);
        assertThat(m.reference()).isEqualTo("r1");

        assertThat(unchanged(expire("r1", r.expiresAt().plusSeconds(1))).state())
                .isEqualTo(ReservationState.EXPIRED);
        assertThat(unchanged(release("r1", now())).state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(expire("nope", now())).isEqualTo(new TransitionResult.NotFound("nope"));
        assertThat(levelOf(A).reserved()).isZero();
        assertStockInvariants();
    }

    @Test
    void dueReservationsListsExpiredHoldsEarliestFirst() {
        stockUp(A, 100);
        Instant t = now();
        stock().reserve("r3", List.of(line(A, 1)), t.plusSeconds(30), t);
        stock().reserve("r1", List.of(line(A, 1)), t.plusSeconds(10), t);
        stock().reserve("r2", List.of(line(A, 1)), t.plusSeconds(20), t);
        stock().reserve("r4", List.of(line(A, 1)), t.plusSeconds(40), t);
        stock().reserve("r0", List.of(line(A, 1)), t.plusSeconds(5), t);
        commit("r0", t);
        stock().reserve("r5", List.of(line(A, 1)), t.plusSeconds(6), t);
        release("r5", t);

        assertThat(stock().dueReservations(t.plusSeconds(9), 10)).isEmpty();
        assertThat(stock().dueReservations(t.plusSeconds(30), 10)).containsExactly("r1", "r2", "r3");
        assertThat(stock().dueReservations(t.plusSeconds(30), 2)).containsExactly("r1", "r2");
        expire("r1", t.plusSeconds(30));
        assertThat(stock().dueReservations(t.plusSeconds(30), 10)).containsExactly("r2", "r3");
        assertStockInvariants();
    }

    // ------------------------------------------------------------------ expiry off the buyer's path

    @Test
    void dueReservationsBySkuFindsOnlyDueHoldsWithALineOfThoseSkus() {
        stockUp(A, 100);
        stockUp(A_WEST, 100);
        stockUp(B, 100);
        Instant t = now();
        stock().reserve("a2", List.of(line(A, 1)), t.plusSeconds(20), t);
        stock().reserve("a1", List.of(line(A_WEST, 1)), t.plusSeconds(10), t);
        stock().reserve("ab", List.of(line(A, 1), line(B, 1)), t.plusSeconds(15), t); // indexed under both SKUs
        stock().reserve("b1", List.of(line(B, 1)), t.plusSeconds(5), t);
        stock().reserve("late", List.of(line(A, 1)), t.plusSeconds(60), t);
        stock().reserve("committed", List.of(line(A, 1)), t.plusSeconds(1), t);
        commit("committed", t);
        stock().reserve("released", List.of(line(B, 1)), t.plusSeconds(1), t);
        release("released", t);

        Instant at = t.plusSeconds(30);
        assertThat(stock().dueReservations(Set.of("sku-a"), at, 10)).containsExactly("a1", "ab", "a2");
        assertThat(stock().dueReservations(Set.of("sku-b"), at, 10)).containsExactly("b1", "ab");
        assertThat(stock().dueReservations(Set.of("sku-a"), at, 2)).containsExactly("a1", "ab");
        assertThat(stock().dueReservations(Set.of("sku-a", "sku-b"), at, 10))
                .containsExactlyInAnyOrder("a1", "ab", "a2", "b1"); // each id once
        assertThat(stock().dueReservations(Set.of("sku-a"), t.plusSeconds(9), 10))
                .isEmpty();
        assertThat(stock().dueReservations(Set.of("sku-unknown"), at, 10)).isEmpty();
        expire("ab", at);
        assertThat(stock().dueReservations(Set.of("sku-b"), at, 10)).containsExactly("b1");
        assertThat(stock().dueReservations(Set.of("sku-a"), at, 10)).containsExactly("a1", "a2");
        assertStockInvariants();
    }

    @Test
    void expireAllExpiresExactlyTheDueHeldOnes() {
        stockUp(A, 100);
        stockUp(B, 100);
        Instant t = now();
        stock().reserve("due1", List.of(line(A, 2)), t.plusSeconds(10), t);
        stock().reserve("due2", List.of(line(A, 3), line(B, 4)), t.plusSeconds(20), t);
        stock().reserve("live", List.of(line(A, 5)), t.plusSeconds(60), t);
        stock().reserve("committed", List.of(line(A, 6)), t.plusSeconds(10), t);
        commit("committed", t);
        stock().reserve("released", List.of(line(B, 7)), t.plusSeconds(10), t);
        release("released", t);
        Instant at = t.plusSeconds(30);

        List<Reservation> expired =
                stock().expireAll(List.of("due1", "live", "committed", "released", "nope", "due2"), at);

        assertThat(expired).extracting(Reservation::id).containsExactlyInAnyOrder("due1", "due2");
        assertThat(expired).extracting(Reservation::state).containsOnly(ReservationState.EXPIRED);
        assertThat(expired.stream()
                        .filter(r -> r.id().equals("due2"))
                        .findFirst()
                        .orElseThrow()
                        .lines())
                .containsExactly(line(A, 3), line(B, 4));
        assertThat(stock().reservation("due1").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(stock().reservation("due2").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(stock().reservation("live").orElseThrow().state()).isEqualTo(ReservationState.HELD);
        assertThat(stock().reservation("committed").orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(stock().reservation("released").orElseThrow().state()).isEqualTo(ReservationState.RELEASED);
        assertThat(levelOf(A).reserved()).isEqualTo(5 + 6);
        assertThat(levelOf(B).reserved()).isZero();
        assertThat(stock().movements(A))
                .filteredOn(m -> m.reason() == MovementReason.EXPIRE)
                .extracting(Movement::reference, Movement::reservedDelta)
                .containsExactlyInAnyOrder(tuple("due1", -2L), tuple("due2", -3L));
        assertThat(stock().dueReservations(at, 10)).isEmpty();
        assertThat(stock().dueReservations(Set.of("sku-a", "sku-b"), at, 10)).isEmpty();

        // a repeat (a retry after a lost reply, same now) answers the same and changes nothing
        assertThat(stock().expireAll(List.of("due1", "due2", "live"), at))
                .extracting(Reservation::id)
                .containsExactlyInAnyOrder("due1", "due2");
        // a later call expires nothing more
        assertThat(stock().expireAll(List.of("due1", "due2", "live"), at.plusSeconds(1)))
                .isEmpty();
        assertThat(levelOf(A).reserved()).isEqualTo(5 + 6);
        assertThat(stock().movements(A))
                .filteredOn(m -> m.reason() == MovementReason.EXPIRE)
                .hasSize(2);
        assertThat(commit("live", at).reservationOrThrow().state()).isEqualTo(ReservationState.COMMITTED);
        assertStockInvariants();
    }

    @Test
    void expireAllOfABatchExpiresEveryDueHold() {
        stockUp(A, 1_000);
        Instant t = now();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            String id = "bulk-" + i;
            stock().reserve(id, List.of(line(A, 1)), t.plusSeconds(1 + i % 7), t);
            ids.add(id);
        }
        Instant at = t.plusSeconds(10);
        assertThat(stock().expireAll(ids, at)).hasSize(300);
        assertThat(levelOf(A).reserved()).isZero();
        assertThat(stock().dueReservations(at, 10)).isEmpty();
        assertStockInvariants();
    }

    @Test
    void aSkuIsAvailableAtItsHoldsExpiryInstantWithFiveThousandOtherHoldsDue() {
        StockKey target = StockKey.of("sku-target", "east");
        stockUp(target, 1);
        int skus = 50;
        int perSku = 100;
        for (int s = 0; s < skus; s++) {
            stockUp(StockKey.of("sku-other-" + s, "east"), perSku);
        }
        Instant t = now();
        // 5,000 holds of other SKUs, all due before the target's hold; created in batches
        List<ReserveCommand> batch = new ArrayList<>();
        int limit = Math.max(1, stock().reserveBatchLimit());
        for (int s = 0; s < skus; s++) {
            for (int i = 0; i < perSku; i++) {
                batch.add(new ReserveCommand(
                        "other-" + s + "-" + i,
                        List.of(line(StockKey.of("sku-other-" + s, "east"), 1)),
                        t.plusSeconds(60),
                        t));
                if (batch.size() == limit) {
                    assertThat(stock().reserveAll(batch)).allMatch(r -> r instanceof ReserveResult.Reserved);
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            assertThat(stock().reserveAll(batch)).allMatch(r -> r instanceof ReserveResult.Reserved);
        }
        Reservation cart = reserved("cart", line(target, 1));
        StockLedger ledger =
                kitBuilder(fixture, new SimulatedPaymentPort()).build().stock();

        clock.set(cart.expiresAt().minusMillis(1));
        assertThatThrownBy(() -> ledger.reserve(
                        new ReservationRequest("buyer-early", List.of(ReservationLine.of("sku-target", 1)), HOLD)))
                .isInstanceOf(InsufficientStockException.class);

        clock.set(cart.expiresAt()); // the hold's expiry instant: its stock is available
        Reservation bought =
                ledger.reserve(new ReservationRequest("buyer", List.of(ReservationLine.of("sku-target", 1)), HOLD));
        assertThat(bought.state()).isEqualTo(ReservationState.HELD);
        assertThat(stock().reservation("cart").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        // the buyer's call expired the target's hold only, not the other SKUs' due holds
        assertThat(stock().dueReservations(now(), 10)).hasSize(10);
        assertThat(stock().reservation("other-0-0").orElseThrow().state()).isEqualTo(ReservationState.HELD);
        assertStockInvariants();
    }

    @Test
    void reservationsAreFilteredByState() {
        stockUp(A, 100);
        reserved("held", line(A, 1));
        reserved("committed", line(A, 1));
        commit("committed", now());
        reserved("released", line(A, 1));
        release("released", now());
        reserved("fulfilled", line(A, 1));
        commit("fulfilled", now());
        fulfil("fulfilled", now());
        Reservation e = reserved("expired", line(A, 1));
        expire("expired", e.expiresAt());

        assertThat(ids(EnumSet.of(ReservationState.HELD, ReservationState.COMMITTED)))
                .containsExactlyInAnyOrder("held", "committed");
        assertThat(ids(EnumSet.of(ReservationState.RELEASED, ReservationState.EXPIRED)))
                .containsExactlyInAnyOrder("released", "expired");
        assertThat(ids(EnumSet.of(ReservationState.FULFILLED))).containsExactly("fulfilled");
        assertThat(ids(EnumSet.allOf(ReservationState.class))).hasSize(5);
        assertStockInvariants();
    }

    private Set<String> ids(Set<ReservationState> states) {
        return stock().reservations(states).stream().map(Reservation::id).collect(Collectors.toSet());
    }

    @Test
    void identifiersWithSpecialCharactersRoundTrip() {
        StockKey odd = StockKey.of("sku'; DROP TABLE x; -- {tag}*?[%_]:\\\"é☃", "loc {a}:*\u00e9");
        StockKey longest = StockKey.of("s".repeat(StockKey.MAX_LENGTH), "l".repeat(StockKey.MAX_LENGTH));
        stockUp(odd, 3);
        stockUp(longest, 4);
        String id = "res:{x}*'\"%_é" + "r".repeat(100);
        Reservation r = reserved(id, line(odd, 1), line(longest, 2));
        assertThat(stock().reservation(id)).contains(r);
        assertThat(stock().levels(odd.sku())).extracting(StockLevel::key).containsExactly(odd);
        assertThat(stock().levels(longest.sku())).extracting(StockLevel::onHand).containsExactly(4L);
        assertThat(stock().level(StockKey.of("sku'; DROP TABLE x; -- {tag}*?[%_]:\\\"é☃", "loc")))
                .isEmpty();
        assertThat(stock().levels("sku%")).isEmpty();
        assertThat(stock().movements(odd)).extracting(Movement::reference).containsExactly("stock-up-1", id);
        assertStockInvariants();
    }

    @Test
    void keysAreCaseAccentAndSpaceSensitive() {
        StockKey lower = StockKey.of("sku-case", "east");
        StockKey upper = StockKey.of("SKU-CASE", "east");
        StockKey accent = StockKey.of("sku-cas\u00e9", "east");
        StockKey padded = StockKey.of("sku-case ", "east");
        StockKey locUpper = StockKey.of("sku-case", "EAST");
        stockUp(lower, 1);
        stockUp(upper, 2);
        stockUp(accent, 3);
        stockUp(padded, 4);
        stockUp(locUpper, 5);
        assertThat(levelOf(lower).onHand()).isEqualTo(1);
        assertThat(levelOf(upper).onHand()).isEqualTo(2);
        assertThat(levelOf(accent).onHand()).isEqualTo(3);
        assertThat(levelOf(padded).onHand()).isEqualTo(4);
        assertThat(levelOf(locUpper).onHand()).isEqualTo(5);
        assertThat(stock().levels("sku-case")).extracting(StockLevel::key).containsExactly(locUpper, lower);
        assertThat(stock().allLevels()).hasSize(5);
        assertThat(reserve("case-r", line(lower, 1))).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(reserve("CASE-R", line(upper, 2))).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(stock().reservation("case-r").orElseThrow().lines()).containsExactly(line(lower, 1));
        assertThat(stock().reservation("CASE-R").orElseThrow().lines()).containsExactly(line(upper, 2));
        assertStockInvariants();
    }

    @Test
    void mixedLifecyclesConserveStock() {
        stockUp(A, 20);
        stockUp(A_WEST, 20);
        stockUp(B, 20);
        for (int i = 0; i < 12; i++) {
            String id = "mix-" + i;
            reserved(id, line(A, 1 + i % 3), line(B, 1 + i % 2));
            switch (i % 4) {
                case 0 -> release(id, now());
                case 1 -> commit(id, now());
                case 2 -> {
                    commit(id, now());
                    fulfil(id, now());
                }
                default -> expire(id, now().plus(HOLD));
            }
            if (i % 5 == 0) {
                stock().adjust(A_WEST, -1, "shrink-" + i, now());
                stock().adjust(B, 2, "restock-" + i, now());
            }
        }
        StockLevel a = levelOf(A);
        long activeOnA = stock().reservations(EnumSet.of(ReservationState.HELD, ReservationState.COMMITTED)).stream()
                .flatMap(r -> r.lines().stream())
                .filter(l -> l.key().equals(A))
                .mapToLong(AllocatedLine::quantity)
                .sum();
        assertThat(a.reserved()).isEqualTo(activeOnA).isPositive();
        assertStockInvariants();
    }
}
