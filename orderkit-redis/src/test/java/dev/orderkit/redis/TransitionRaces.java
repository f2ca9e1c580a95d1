package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.redis.internal.Keys;
import dev.orderkit.redis.internal.Redis;
import dev.orderkit.redis.internal.RedisStockStorage;
import dev.orderkit.redis.internal.SagaHook;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Reservation transitions racing each other, deterministically: one operation is paused at a
 * {@link SagaHook} step (between two of its scripts) while the other runs, then resumed. Every
 * outcome must be all-or-nothing and conserving: the answers the callers got agree with the final
 * state, and the {@link InvariantChecker} stays clean. No sleeps: latches only.
 *
 * <p>Each test uses three SKUs that live in three hash slots, so on a cluster a reservation of all
 * three has three parts (one per slot); on a standalone server it has one part.
 */
abstract class TransitionRaces {
    private static final long WAIT_SECONDS = 30;

    /** An operation's answer: its value or what it threw. */
    record Outcome<T>(T value, Throwable error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Pauses the first call at {@code step}/{@code index} until {@link #resume()}. */
    static final class Pause implements SagaHook {
        private final String step;
        private final int index;
        private final CountDownLatch reachedOrDone = new CountDownLatch(1);
        private final CountDownLatch resume = new CountDownLatch(1);
        private final AtomicBoolean fired = new AtomicBoolean();

        Pause(String step, int index) {
            this.step = step;
            this.index = index;
        }

        @Override
        public void at(String s, String id, int i) {
            if (s.equals(step) && i == index && fired.compareAndSet(false, true)) {
                reachedOrDone.countDown();
                try {
                    if (!resume.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                        throw new AssertionError("paused operation was never resumed");
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while paused", e);
                }
            }
        }

        boolean paused() {
            return fired.get();
        }

        void resume() {
            resume.countDown();
        }
    }

    protected RedisFixture fixture;
    protected Keys keys;
    protected Redis redis;
    /** A storage without hooks: setup, the "other" operations, and the audit. */
    protected RedisStockStorage plain;

    protected int parts;
    private ExecutorService executor;

    protected final Instant t0 = Instant.parse("2030-01-01T00:00:00.123456789Z");
    protected final Instant exp = t0.plusSeconds(60);
    protected final StockKey a = StockKey.of("saga-a");
    protected final StockKey b = StockKey.of("saga-b");
    protected final StockKey c = StockKey.of("saga-c");

    protected abstract RedisFixture createFixture();

    protected abstract UnifiedJedis client();

    @BeforeEach
    void open() {
        fixture = createFixture();
        keys = new Keys(fixture.backend().keyPrefix(), 16);
        redis = new Redis(client(), fixture.backend().clusterMode());
        plain = new RedisStockStorage(redis, keys, SagaHook.NONE);
        executor = Executors.newCachedThreadPool();
        for (StockKey k : List.of(a, b, c)) {
            plain.adjust(k, 5, "init", t0);
        }
        assertThat(List.of(a, b, c).stream()
                        .map(k -> JedisClusterCRC16.getSlot(keys.level(k)))
                        .collect(Collectors.toSet()))
                .as("the test SKUs live in three slots")
                .hasSize(3);
        parts = redis.cluster() ? 3 : 1;
    }

    @AfterEach
    void close() {
        executor.shutdownNow();
        fixture.close();
    }

    // ------------------------------------------------------------------ the SPI's results, read as before

    /** A transition's reservation; refusals and lost races as the public exceptions. */
    static Reservation commit(RedisStockStorage s, String id, Instant at) {
        return s.transition(id, ReservationTransition.COMMIT, at).reservationOrThrow();
    }

    static Reservation release(RedisStockStorage s, String id, Instant at) {
        return s.transition(id, ReservationTransition.RELEASE, at).reservationOrThrow();
    }

    static Reservation fulfil(RedisStockStorage s, String id, Instant at) {
        return s.transition(id, ReservationTransition.FULFIL, at).reservationOrThrow();
    }

    /** The expired reservation if this call expired it; empty if it was not due, not held or gone. */
    static Optional<Reservation> expire(RedisStockStorage s, String id, Instant at) {
        TransitionResult r = s.transition(id, ReservationTransition.EXPIRE, at);
        assertThat(r).as("expire never loses a race here").isNotInstanceOf(TransitionResult.Conflict.class);
        return r instanceof TransitionResult.Applied a ? Optional.of(a.reservation()) : Optional.empty();
    }

    // ------------------------------------------------------------------ harness

    protected RedisStockStorage storage(SagaHook hook) {
        return new RedisStockStorage(redis, keys, hook);
    }

    /** Starts op on a storage with the pause; returns once it is paused (or finished without pausing). */
    protected <T> CompletableFuture<Outcome<T>> start(Pause pause, Function<RedisStockStorage, T> op) {
        RedisStockStorage s = storage(pause);
        CompletableFuture<Outcome<T>> f = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return new Outcome<>(op.apply(s), null);
                    } catch (RuntimeException | AssertionError e) {
                        return new Outcome<T>(null, e);
                    }
                },
                executor);
        f.whenComplete((x, e) -> pause.reachedOrDone.countDown());
        try {
            if (!pause.reachedOrDone.await(WAIT_SECONDS, TimeUnit.SECONDS)) {
                fail("operation neither paused nor finished");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
        return f;
    }

    protected static <T> Outcome<T> finish(Pause pause, CompletableFuture<Outcome<T>> f) {
        pause.resume();
        try {
            return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            throw new AssertionError(e);
        }
    }

    protected static <T> Outcome<T> run(Supplier<T> op) {
        try {
            return new Outcome<>(op.get(), null);
        } catch (RuntimeException e) {
            return new Outcome<>(null, e);
        }
    }

    protected void reserveAll(String id) {
        List<AllocatedLine> lines = List.of(new AllocatedLine(a, 1), new AllocatedLine(b, 1), new AllocatedLine(c, 1));
        assertThat(plain.reserve(id, lines, exp, t0)).isInstanceOf(ReserveResult.Reserved.class);
    }

    protected StockLevel level(StockKey k) {
        return plain.level(k).orElseThrow();
    }

    protected void assertClean() {
        assertThat(InvariantChecker.checkStock(plain)).as("invariants").isEmpty();
    }

    protected ReservationState stateOf(String id) {
        return plain.reservation(id).map(Reservation::state).orElseThrow();
    }

    /**
     * Commit and expire raced: exactly one of them won, the answers say which, and the stock agrees.
     * A committed reservation keeps its units (a new reservation of the whole on-hand fails, fulfil
     * works); an expired one gave them back exactly once.
     */
    protected void assertCommitXorExpire(
            String id, Outcome<Reservation> commit, Outcome<Optional<Reservation>> expire) {
        assertClean();
        ReservationState st = stateOf(id);
        if (commit.ok()) {
            assertThat(commit.value().state()).isEqualTo(ReservationState.COMMITTED);
            assertThat(st).isEqualTo(ReservationState.COMMITTED);
            assertThat(expire.ok()).as("expire answered " + expire.error()).isTrue();
            assertThat(expire.value())
                    .as("expire must not report an expiry of a committed reservation")
                    .isEmpty();
            for (StockKey k : List.of(a, b, c)) {
                assertThat(level(k).reserved()).isEqualTo(1);
            }
            assertThat(plain.reserve("greedy", List.of(new AllocatedLine(a, 5)), exp.plusSeconds(60), exp))
                    .as("no oversell")
                    .isInstanceOf(ReserveResult.Insufficient.class);
            assertThat(fulfil(plain, id, exp).state()).isEqualTo(ReservationState.FULFILLED);
            assertThat(level(a).onHand()).isEqualTo(4);
        } else {
            assertThat(commit.error()).isInstanceOf(IllegalStateTransitionException.class);
            assertThat(st).isEqualTo(ReservationState.EXPIRED);
            for (StockKey k : List.of(a, b, c)) {
                assertThat(level(k).reserved()).isZero();
                assertThat(level(k).onHand()).isEqualTo(5);
            }
            assertThatThrownBy(() -> fulfil(plain, id, exp)).isInstanceOf(IllegalStateTransitionException.class);
            assertThat(plain.reserve("greedy", List.of(new AllocatedLine(a, 5)), exp.plusSeconds(60), exp))
                    .isInstanceOf(ReserveResult.Reserved.class);
        }
        assertClean();
    }

    // ------------------------------------------------------------------ commit vs expire

    /**
     * Finding 5: commit has committed every part and is about to flip the header; the sweeper
     * (clock at the expiry) expires the parts and is about to flip the header too.
     */
    @Test
    void commitPausedAfterItsPartsThenExpiry() {
        reserveAll("r");
        Pause pc = new Pause("commit-part", parts - 1);
        var commit = start(pc, s -> commit(s, "r", exp.minusMillis(1)));
        assertThat(pc.paused()).isTrue();
        Pause pe = new Pause("expire-part", parts - 1);
        var expire = start(pe, s -> expire(s, "r", exp));
        Outcome<Reservation> co = finish(pc, commit);
        Outcome<Optional<Reservation>> eo = finish(pe, expire);
        assertCommitXorExpire("r", co, eo);
        assertThat(co.ok())
                .as("commit claimed the reservation first and must win: " + co.error())
                .isTrue();
    }

    @Test
    void expiryPausedAfterItsFirstPartThenCommit() {
        reserveAll("r");
        Pause pe = new Pause("expire-part", 0);
        var expire = start(pe, s -> expire(s, "r", exp));
        assertThat(pe.paused()).isTrue();
        Outcome<Reservation> co = run(() -> commit(plain, "r", exp.minusMillis(1)));
        Outcome<Optional<Reservation>> eo = finish(pe, expire);
        assertCommitXorExpire("r", co, eo);
        assertThat(co.ok())
                .as("the expiry claimed the reservation first and must win")
                .isFalse();
        assertThat(eo.value()).isPresent();
    }

    @Test
    void commitPausedAfterItsClaimThenExpiry() {
        reserveAll("r");
        Pause pc = new Pause("commit-header", 0);
        var commit = start(pc, s -> commit(s, "r", exp.minusMillis(1)));
        assertThat(pc.paused()).isTrue();
        assertThat(plain.reservation("r").orElseThrow().state())
                .as("undecided commit reads as HELD")
                .isEqualTo(ReservationState.HELD);
        Outcome<Optional<Reservation>> eo = run(() -> expire(plain, "r", exp)); // finishes the commit forward
        Outcome<Reservation> co = finish(pc, commit);
        assertCommitXorExpire("r", co, eo);
        assertThat(co.ok()).isTrue();
    }

    @Test
    void expiryPausedAfterItsClaimThenCommit() {
        reserveAll("r");
        Pause pe = new Pause("expire-header", 0);
        var expire = start(pe, s -> expire(s, "r", exp));
        assertThat(pe.paused()).isTrue();
        Outcome<Reservation> co = run(() -> commit(plain, "r", exp.minusMillis(1)));
        Outcome<Optional<Reservation>> eo = finish(pe, expire);
        assertCommitXorExpire("r", co, eo);
        assertThat(co.ok()).isFalse();
        assertThat(eo.value()).isPresent();
    }

    @Test
    void commitAfterTheDeadlineNeverClaimsTheReservation() {
        reserveAll("r");
        assertThatThrownBy(() -> commit(plain, "r", exp)).isInstanceOf(IllegalStateTransitionException.class);
        assertThat(stateOf("r")).isEqualTo(ReservationState.HELD);
        assertThat(expire(plain, "r", exp.minusNanos(1))).as("not due yet").isEmpty();
        assertThat(expire(plain, "r", exp)).isPresent();
        assertCommitXorExpire(
                "r",
                new Outcome<>(null, new IllegalStateTransitionException("r", "HELD", "commit")),
                new Outcome<>(Optional.empty(), null));
    }

    // ------------------------------------------------------------------ clock skew: lazy expiry inside another
    // process's reserve

    /**
     * A process whose clock is past the expiry reserves one of the SKUs and expires the last part
     * lazily, while a commit (clock before the expiry) has claimed the header: the commit cannot
     * complete, and everything it committed is rolled back with the expiry.
     */
    @Test
    void commitPausedAfterItsFirstPartThenALazyExpiryByASkewedClock() {
        reserveAll("r");
        Pause pc = new Pause(parts > 1 ? "commit-part" : "commit-header", 0);
        var commit = start(pc, s -> commit(s, "r", exp.minusSeconds(1)));
        assertThat(pc.paused()).isTrue();
        assertThat(plain.reserve("skewed", List.of(new AllocatedLine(c, 5)), exp.plusSeconds(120), exp.plusSeconds(1)))
                .isInstanceOf(ReserveResult.Reserved.class);
        Outcome<Reservation> co = finish(pc, commit);
        assertThat(co.error()).isInstanceOf(IllegalStateTransitionException.class);
        assertThat(stateOf("r")).isEqualTo(ReservationState.EXPIRED);
        assertThat(List.of(level(a).reserved(), level(b).reserved(), level(c).reserved()))
                .containsExactly(0L, 0L, 5L);
        assertThatThrownBy(() -> fulfil(plain, "r", exp)).isInstanceOf(IllegalStateTransitionException.class);
        assertClean();
    }

    @Test
    void commitOfAHoldAlreadyExpiredLazilyFailsWithoutAnyEffect() {
        reserveAll("r");
        assertThat(plain.reserve("skewed", List.of(new AllocatedLine(c, 5)), exp.plusSeconds(120), exp.plusSeconds(1)))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThatThrownBy(() -> commit(plain, "r", exp.minusSeconds(1)))
                .isInstanceOf(IllegalStateTransitionException.class);
        assertThat(stateOf("r")).isEqualTo(ReservationState.EXPIRED);
        assertThat(List.of(level(a).reserved(), level(b).reserved(), level(c).reserved()))
                .containsExactly(0L, 0L, 5L);
        assertClean();
    }

    // ------------------------------------------------------------------ release vs expire

    @Test
    void releasePausedThenExpiry() {
        for (String step : List.of("release-header", "release-part")) {
            String id = "r-" + step;
            reserveAll(id);
            Pause pr = new Pause(step, 0);
            var release = start(pr, s -> release(s, id, exp.minusMillis(1)));
            assertThat(pr.paused()).isTrue();
            Outcome<Optional<Reservation>> eo = run(() -> expire(plain, id, exp));
            Outcome<Reservation> ro = finish(pr, release);
            assertThat(ro.ok()).isTrue();
            assertThat(ro.value().state()).isEqualTo(ReservationState.RELEASED);
            assertThat(eo.ok()).isTrue();
            assertThat(eo.value()).isEmpty();
            assertThat(stateOf(id)).isEqualTo(ReservationState.RELEASED);
            assertReturnedOnce();
        }
    }

    @Test
    void expiryPausedThenRelease() {
        for (String step : List.of("expire-header", "expire-part")) {
            String id = "r-" + step;
            reserveAll(id);
            Pause pe = new Pause(step, 0);
            var expire = start(pe, s -> expire(s, id, exp));
            assertThat(pe.paused()).isTrue();
            Outcome<Reservation> ro = run(() -> release(plain, id, exp.minusMillis(1)));
            Outcome<Optional<Reservation>> eo = finish(pe, expire);
            assertThat(ro.ok()).isTrue();
            assertThat(ro.value().state())
                    .as("release of an expired hold returns it")
                    .isEqualTo(ReservationState.EXPIRED);
            assertThat(eo.value()).isPresent();
            assertThat(stateOf(id)).isEqualTo(ReservationState.EXPIRED);
            assertReturnedOnce();
        }
    }

    /** Every unit came back exactly once; the whole on-hand can be reserved again. */
    private void assertReturnedOnce() {
        assertClean();
        for (StockKey k : List.of(a, b, c)) {
            assertThat(level(k).reserved()).isZero();
            assertThat(level(k).onHand()).isEqualTo(5);
        }
    }

    // ------------------------------------------------------------------ fulfil vs expire

    @Test
    void fulfilPausedThenExpiry() {
        for (String step : List.of("fulfil-header", "fulfil-part")) {
            String id = "r-" + step;
            reserveAll(id);
            commit(plain, id, t0);
            Pause pf = new Pause(step, 0);
            var fulfil = start(pf, s -> fulfil(s, id, exp.minusMillis(1)));
            assertThat(pf.paused()).isTrue();
            Outcome<Optional<Reservation>> eo = run(() -> expire(plain, id, exp));
            Outcome<Reservation> fo = finish(pf, fulfil);
            assertThat(fo.ok()).isTrue();
            assertThat(fo.value().state()).isEqualTo(ReservationState.FULFILLED);
            assertThat(eo.value()).isEmpty();
            assertThat(stateOf(id)).isEqualTo(ReservationState.FULFILLED);
            assertClean();
        }
        for (StockKey k : List.of(a, b, c)) {
            assertThat(level(k).onHand())
                    .as("fulfilled exactly once per reservation")
                    .isEqualTo(3);
            assertThat(level(k).reserved()).isZero();
        }
    }

    @Test
    void expiryPausedThenCommitAndFulfil() {
        reserveAll("r");
        Pause pe = new Pause("expire-part", 0);
        var expire = start(pe, s -> expire(s, "r", exp));
        assertThat(pe.paused()).isTrue();
        Outcome<Reservation> co = run(() -> commit(plain, "r", exp.minusMillis(1)));
        Outcome<Reservation> fo = run(() -> fulfil(plain, "r", exp.minusMillis(1)));
        Outcome<Optional<Reservation>> eo = finish(pe, expire);
        assertThat(co.error()).isInstanceOf(IllegalStateTransitionException.class);
        assertThat(fo.error()).isInstanceOf(IllegalStateTransitionException.class);
        assertThat(((IllegalStateTransitionException) fo.error()).currentState())
                .isEqualTo("EXPIRED");
        assertThat(eo.value()).isPresent();
        assertReturnedOnce();
    }

    // ------------------------------------------------------------------ commit vs release

    @Test
    void commitPausedAfterItsClaimThenRelease() {
        reserveAll("r");
        Pause pc = new Pause("commit-header", 0);
        var commit = start(pc, s -> commit(s, "r", t0));
        assertThat(pc.paused()).isTrue();
        Outcome<Reservation> ro = run(() -> release(plain, "r", t0));
        Outcome<Reservation> co = finish(pc, commit);
        assertThat(ro.value().state()).isEqualTo(ReservationState.RELEASED);
        assertThat(stateOf("r")).isEqualTo(ReservationState.RELEASED);
        if (!co.ok()) {
            assertThat(((IllegalStateTransitionException) co.error()).currentState())
                    .isEqualTo("RELEASED");
        }
        assertReturnedOnce();
    }

    @Test
    void releasePausedAfterItsClaimThenCommit() {
        reserveAll("r");
        Pause pr = new Pause("release-header", 0);
        var release = start(pr, s -> release(s, "r", t0));
        assertThat(pr.paused()).isTrue();
        Outcome<Reservation> co = run(() -> commit(plain, "r", t0));
        Outcome<Reservation> ro = finish(pr, release);
        assertThat(co.error()).isInstanceOf(IllegalStateTransitionException.class);
        assertThat(ro.value().state()).isEqualTo(ReservationState.RELEASED);
        assertReturnedOnce();
    }

    // ------------------------------------------------------------------ a process dies between the steps

    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    private RedisStockStorage crashingAt(String step, int index) {
        return storage((s, id, i) -> {
            if (s.equals(step) && i == index) {
                throw new Crash();
            }
        });
    }

    @Test
    void commitThatDiedAfterItsClaimIsFinishedForwardByTheSweeper() {
        reserveAll("r");
        assertThatThrownBy(() -> commit(crashingAt("commit-header", 0), "r", t0))
                .isInstanceOf(Crash.class);
        assertThat(plain.dueReservations(t0, 10))
                .as("an unfinished step is due at once")
                .contains("r");
        assertThat(expire(plain, "r", t0)).isEmpty();
        assertThat(stateOf("r")).isEqualTo(ReservationState.COMMITTED);
        assertThat(plain.dueReservations(exp.plusSeconds(3600), 10)).doesNotContain("r");
        assertThat(commit(plain, "r", t0).state()).isEqualTo(ReservationState.COMMITTED);
        assertClean();
    }

    @Test
    void commitThatDiedIsFinishedByItsRetryEvenAfterTheDeadline() {
        reserveAll("r");
        assertThatThrownBy(() -> commit(crashingAt("commit-part", 0), "r", t0)).isInstanceOf(Crash.class);
        assertThat(commit(plain, "r", exp.plusSeconds(5)).state()).isEqualTo(ReservationState.COMMITTED);
        assertThat(fulfil(plain, "r", exp.plusSeconds(5)).state()).isEqualTo(ReservationState.FULFILLED);
        assertClean();
    }

    @Test
    void expiryThatDiedIsFinishedByTheSweeperOrARead() {
        reserveAll("swept");
        reserveAll("read");
        assertThatThrownBy(() -> expire(crashingAt("expire-header", 0), "swept", exp))
                .isInstanceOf(Crash.class);
        assertThatThrownBy(() -> expire(crashingAt("expire-part", 0), "read", exp))
                .isInstanceOf(Crash.class);
        assertThatThrownBy(() -> commit(plain, "swept", t0)).isInstanceOf(IllegalStateTransitionException.class);
        if (parts > 1) {
            assertThat(plain.dueReservations(t0, 10)).contains("read");
        } else {
            // standalone: the part and the header's final state are one script, so a crash after
            // the part finds the expiry complete (nothing left to finish)
            assertThat(plain.dueReservations(t0, 10)).doesNotContain("read");
        }
        assertThat(plain.reservation("read").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(expire(plain, "swept", exp)).isEmpty(); // the failed commit finished it already
        assertReturnedOnce();
        assertThat(plain.dueReservations(exp.plusSeconds(3600), 10)).isEmpty();
    }

    @Test
    void expiryThatDiedIsReportedByTheSweeperThatFinishesIt() {
        reserveAll("r");
        assertThatThrownBy(() -> expire(crashingAt("expire-header", 0), "r", exp))
                .isInstanceOf(Crash.class);
        assertThat(plain.dueReservations(exp, 10)).containsExactly("r");
        assertThat(expire(plain, "r", exp))
                .hasValueSatisfying(r -> assertThat(r.state()).isEqualTo(ReservationState.EXPIRED));
        assertReturnedOnce();
    }

    // ------------------------------------------------------------------ fulfil vs a falling on-hand

    /**
     * A fulfil decided (header FULFILLING) while b's on-hand covered its line; before its part
     * script ran, b was counted down to 0 (allowed: b takes backorders). The part refuses, nothing
     * goes below zero, the answer is Uncovered, and once a restock covers b a later fulfil finishes
     * the decided one. On a cluster the parts of a and c (other slots) may already have shipped in
     * between: the reservation then reads COMMITTED with some lines shipped until it finishes.
     */
    @Test
    void aFulfilWhoseLevelFellAfterTheDecisionWaitsForARestockAndNeverGoesNegative() {
        plain.setPolicy(b, StockPolicy.backorder(5), "bo-b", t0);
        reserveAll("f");
        commit(plain, "f", t0);
        Pause pause = new Pause("fulfil-header", 0);
        CompletableFuture<Outcome<TransitionResult>> f =
                start(pause, s -> s.transition("f", ReservationTransition.FULFIL, t0));
        assertThat(pause.paused()).isTrue();
        plain.adjust(b, -5, "count-b-to-0", t0);
        Outcome<TransitionResult> o = finish(pause, f);
        assertThat(o.ok()).as("fulfil answered " + o.error()).isTrue();
        assertThat(o.value())
                .isInstanceOfSatisfying(
                        TransitionResult.Uncovered.class,
                        u -> assertThat(u.shortfalls())
                                .singleElement()
                                .satisfies(sf -> assertThat(List.of(sf.sku(), sf.requested(), sf.available()))
                                        .containsExactly("saga-b", 1L, 0L)));
        for (StockKey k : List.of(a, b, c)) {
            assertThat(level(k).onHand()).as("on-hand of " + k).isNotNegative();
        }
        assertThat(level(b).onHand()).isZero();
        assertThat(stateOf("f")).isEqualTo(ReservationState.COMMITTED);
        if (parts == 1) {
            assertClean(); // one part: nothing moved
        }
        assertThat(plain.transition("f", ReservationTransition.FULFIL, t0))
                .isInstanceOf(TransitionResult.Uncovered.class);
        assertThat(plain.transition("f", ReservationTransition.RELEASE, t0))
                .as("a decided fulfil is not released")
                .isNotInstanceOf(TransitionResult.Applied.class);
        plain.adjust(b, 1, "restock-b", t0);
        assertThat(plain.transition("f", ReservationTransition.FULFIL, t0))
                .isInstanceOf(TransitionResult.Applied.class);
        assertThat(stateOf("f")).isEqualTo(ReservationState.FULFILLED);
        assertThat(List.of(level(a).onHand(), level(b).onHand(), level(c).onHand()))
                .containsExactly(4L, 0L, 4L);
        assertClean();
    }
}
