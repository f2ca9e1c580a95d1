package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.redis.internal.Keys;
import dev.orderkit.redis.internal.Redis;
import dev.orderkit.redis.internal.RedisStockStorage;
import dev.orderkit.redis.internal.SagaHook;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Cross-slot reservations on the real cluster: per-slot steps with compensation, a process dying
 * between two slot steps (finished by a retry, or undone by the sweeper), and lazy expiry.
 */
class RedisClusterSagaTest {
    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    private RedisFixture fixture;
    private Keys keys;
    private Redis redis;
    private final AtomicReference<String> crashAt = new AtomicReference<>();
    private RedisStockStorage crashy;
    private RedisStockStorage clean;
    private Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
    private final StockKey a = StockKey.of("saga-a");
    private final StockKey b = StockKey.of("saga-b");
    private final StockKey c = StockKey.of("saga-c");

    @BeforeEach
    void open() {
        fixture = RedisFixture.cluster();
        keys = new Keys(fixture.backend().keyPrefix(), 16);
        redis = new Redis(RedisTestServices.cluster(), true);
        crashy = new RedisStockStorage(redis, keys, (step, id, index) -> {
            if ((step + ":" + index).equals(crashAt.get())) {
                throw new Crash();
            }
        });
        clean = new RedisStockStorage(redis, keys, SagaHook.NONE);
        for (StockKey k : List.of(a, b, c)) {
            clean.adjust(k, 10, "init", now);
        }
        assertThat(List.of(a, b, c).stream()
                        .map(k -> JedisClusterCRC16.getSlot(keys.level(k)))
                        .collect(Collectors.toSet()))
                .as("the test SKUs live in three slots")
                .hasSize(3);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private List<AllocatedLine> lines(long qa, long qb, long qc) {
        return List.of(new AllocatedLine(a, qa), new AllocatedLine(b, qb), new AllocatedLine(c, qc));
    }

    private long reserved(StockKey k) {
        return clean.level(k).orElseThrow().reserved();
    }

    @Test
    void crossSlotReservationIsAllOrNothingAndFullyTransitions() {
        ReserveResult r = clean.reserve("r1", lines(2, 3, 4), now.plusSeconds(60), now);
        assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(2L, 3L, 4L);
        // short on the last slot only: nothing changes anywhere (pre-check, no compensation needed)
        ReserveResult r2 = clean.reserve("r2", lines(1, 1, 7), now.plusSeconds(60), now);
        assertThat(r2).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(((ReserveResult.Insufficient) r2).shortfalls())
                .singleElement()
                .satisfies(s -> assertThat(s.sku()).isEqualTo("saga-c"));
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(2L, 3L, 4L);
        assertThat(clean.reservation("r2")).isEmpty();
        assertThat(clean.transition("r1", ReservationTransition.COMMIT, now)
                        .reservationOrThrow()
                        .state())
                .isEqualTo(ReservationState.COMMITTED);
        assertThat(clean.transition("r1", ReservationTransition.FULFIL, now)
                        .reservationOrThrow()
                        .state())
                .isEqualTo(ReservationState.FULFILLED);
        assertThat(clean.level(c).orElseThrow().onHand()).isEqualTo(6);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    @Test
    void compensatesWhenALaterSlotLosesARaceAfterThePreCheck() {
        crashAt.set(null);
        RedisStockStorage racing = new RedisStockStorage(redis, keys, (step, id, index) -> {
            if (step.equals("part-held") && index == 0) {
                clean.adjust(c, -9, "competitor drains c", now); // after a and its slot were held
            }
        });
        ReserveResult r = racing.reserve("r3", lines(1, 1, 5), now.plusSeconds(60), now);
        assertThat(r).isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(0L, 0L, 0L);
        assertThat(clean.reservation("r3")).isEmpty();
        List<Movement> ma = clean.movements(a);
        assertThat(ma.stream().map(Movement::reason).toList())
                .containsExactly(MovementReason.ADJUST, MovementReason.RESERVE, MovementReason.RELEASE);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
        // the id can be used again afterwards (new attempt)
        assertThat(clean.reserve("r3", lines(1, 1, 1), now.plusSeconds(60), now))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    @Test
    void retryWithTheSameIdCompletesACrashedReservation() {
        crashAt.set("part-held:0");
        assertThatThrownBy(() -> crashy.reserve("r4", lines(1, 2, 3), now.plusSeconds(60), now))
                .isInstanceOf(Crash.class);
        assertThat(clean.reservation("r4"))
                .as("unfinished reservation is invisible")
                .isEmpty();
        ReserveResult retry = clean.reserve("r4", lines(1, 2, 3), now.plusSeconds(60), now.plusSeconds(1));
        assertThat(retry).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(1L, 2L, 3L);
        assertThat(clean.movements(a).stream().filter(m -> m.reason() == MovementReason.RESERVE))
                .hasSize(1);
        assertThat(clean.reserve("r4", lines(1, 2, 3), now.plusSeconds(60), now))
                .isInstanceOf(ReserveResult.AlreadyExists.class);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    @Test
    void sweeperUndoesACrashedReservationAtItsExpiry() {
        crashAt.set("part-held:1");
        assertThatThrownBy(() -> crashy.reserve("r5", lines(1, 2, 3), now.plusSeconds(30), now))
                .isInstanceOf(Crash.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(1L, 2L, 0L);
        assertThat(clean.dueReservations(now.plusSeconds(29), 10)).doesNotContain("r5");
        Instant later = now.plusSeconds(30);
        assertThat(clean.dueReservations(later, 10)).contains("r5");
        assertThat(clean.transition("r5", ReservationTransition.EXPIRE, later)) // never acknowledged: rolled back
                .isEqualTo(new TransitionResult.NotFound("r5"));
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(0L, 0L, 0L);
        assertThat(clean.dueReservations(later, 10)).doesNotContain("r5");
        assertThat(clean.reservation("r5")).isEmpty();
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
        assertThat(clean.reserve("r5", lines(1, 1, 1), later.plusSeconds(60), later))
                .isInstanceOf(ReserveResult.Reserved.class);
    }

    @Test
    void expiredHoldsAreReleasedLazilyInsideReserveAtTheExactExpiry() {
        Instant exp = now.plusSeconds(10);
        assertThat(clean.reserve("old", lines(10, 10, 10), exp, now)).isInstanceOf(ReserveResult.Reserved.class);
        // one nanosecond before the expiry the stock is still held
        assertThat(clean.reserve("new", lines(1, 1, 1), exp.plusSeconds(60), exp.minusNanos(1)))
                .isInstanceOf(ReserveResult.Insufficient.class);
        // at the expiry, without any sweeper run, the hold no longer counts
        assertThat(clean.reserve("new", lines(1, 1, 1), exp.plusSeconds(60), exp))
                .isInstanceOf(ReserveResult.Reserved.class);
        Reservation old = clean.reservation("old").orElseThrow();
        assertThat(old.state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(clean.movements(a).stream().map(Movement::reason).toList()).contains(MovementReason.EXPIRE);
        assertThat(clean.reservations(Set.of(ReservationState.HELD)))
                .extracting(Reservation::id)
                .containsExactly("new");
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
        assertThat(clean.transition("old", ReservationTransition.COMMIT, exp))
                .isInstanceOf(TransitionResult.Refused.class);
        assertThat(clean.dueReservations(exp.plus(Duration.ofDays(1)), 10)).containsExactly("new");
    }

    /**
     * An attempt held part of the stock and then its process died (or its reply was lost); by the
     * time of the retry the stock ran short, so the retry's pre-check fails. The retry must roll back
     * the earlier attempt's holds instead of leaving them invisible until the expiry.
     */
    @Test
    void retryWhosePreCheckFailsRollsBackTheHoldsOfItsEarlierAttempt() {
        crashAt.set("part-held:0");
        assertThatThrownBy(() -> crashy.reserve("r6", lines(1, 2, 3), now.plusSeconds(60), now))
                .isInstanceOf(Crash.class);
        assertThat(reserved(a)).isEqualTo(1);
        clean.adjust(c, -8, "drain c", now);
        assertThat(clean.reserve("r6", lines(1, 2, 3), now.plusSeconds(60), now))
                .isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(0L, 0L, 0L);
        assertThat(clean.reservation("r6")).isEmpty();
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    /**
     * A compensation that died half-way is finished by a retry of the reserve, which answers
     * {@code Conflict} (no recursion); the next call (core's re-run) starts afresh.
     */
    @Test
    void retryFinishesACompensationLeftHalfWayAndReservesAgain() {
        RedisStockStorage racing = new RedisStockStorage(redis, keys, (step, id, index) -> {
            if (step.equals("part-held") && index == 0) {
                clean.adjust(c, -9, "competitor drains c", now);
            }
            if (step.equals("abort-header")) {
                throw new Crash();
            }
        });
        assertThatThrownBy(() -> racing.reserve("r7", lines(1, 1, 5), now.plusSeconds(60), now))
                .isInstanceOf(Crash.class);
        assertThat(reserved(a)).as("held by the attempt being rolled back").isEqualTo(1);
        clean.adjust(c, 9, "competitor gives c back", now);
        assertThat(clean.reserve("r7", lines(1, 1, 5), now.plusSeconds(60), now))
                .isInstanceOf(ReserveResult.Conflict.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c)))
                .as("the compensation was finished")
                .containsExactly(0L, 0L, 0L);
        assertThat(clean.reserve("r7", lines(1, 1, 5), now.plusSeconds(60), now))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(List.of(reserved(a), reserved(b), reserved(c))).containsExactly(1L, 1L, 5L);
        assertThat(clean.reservation("r7").orElseThrow().state()).isEqualTo(ReservationState.HELD);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }
}
