package dev.orderkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.CombinerStats;
import dev.orderkit.core.Combining;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The combiner over the real in-memory storage, behind a pass-through that adds a round-trip delay
 * (so that batches form deterministically enough on a loaded 2-core box) and can fail batch calls.
 */
class ReservationCombinerTest {
    private static final StockKey HOT = StockKey.of("hot");
    private static final Duration TTL = Duration.ofMinutes(5);

    /** The in-memory storage with a delay per round trip (one per reserve, one per reserveAll). */
    static final class RoundTrips implements StockStorage {
        final InMemoryStockStorage real = new InMemoryStockStorage();
        final AtomicInteger failBatchesBefore = new AtomicInteger();
        final AtomicInteger failBatchesAfter = new AtomicInteger();
        final AtomicInteger batchCalls = new AtomicInteger();
        volatile long delayMicros = 1000;
        volatile boolean spansKeys;
        /** Largest number of distinct keys one reserveAll call touched. */
        final AtomicInteger mostKeysInABatch = new AtomicInteger();
        /** Commands of several lines applied by reserveAll calls. */
        final AtomicInteger multiLineBatched = new AtomicInteger();

        private void roundTrip() {
            long micros = delayMicros;
            if (micros > 0) {
                LockSupportSleep.sleepMicros(micros);
            }
        }

        @Override
        public ReserveResult reserve(String id, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
            roundTrip();
            return real.reserve(id, lines, expiresAt, now);
        }

        @Override
        public List<ReserveResult> reserveAll(List<ReserveCommand> batch) {
            batchCalls.incrementAndGet();
            mostKeysInABatch.accumulateAndGet(
                    (int) batch.stream()
                            .flatMap(c -> c.lines().stream())
                            .map(AllocatedLine::key)
                            .distinct()
                            .count(),
                    Math::max);
            multiLineBatched.addAndGet(
                    (int) batch.stream().filter(c -> c.lines().size() > 1).count());
            roundTrip();
            if (failBatchesBefore.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new BackendUnavailableException("injected: batch failed before it ran", null);
            }
            List<ReserveResult> out = new ArrayList<>();
            for (ReserveCommand c : batch) {
                out.add(real.reserve(c.reservationId(), c.lines(), c.expiresAt(), c.now()));
            }
            if (failBatchesAfter.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new BackendUnavailableException("injected: reply of a batch lost after it applied", null);
            }
            return out;
        }

        @Override
        public int reserveBatchLimit() {
            return 64;
        }

        @Override
        public boolean reserveAllSpansKeys() {
            return spansKeys;
        }

        @Override
        public List<StockLevel> levels(String sku) {
            return real.levels(sku);
        }

        @Override
        public Optional<StockLevel> level(StockKey key) {
            return real.level(key);
        }

        @Override
        public Optional<Reservation> reservation(String id) {
            return real.reservation(id);
        }

        @Override
        public TransitionResult transition(String id, ReservationTransition t, Instant now) {
            return real.transition(id, t, now);
        }

        @Override
        public List<String> dueReservations(Instant now, int limit) {
            return real.dueReservations(now, limit);
        }

        @Override
        public List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku) {
            return real.dueReservations(skus, now, limitPerSku);
        }

        @Override
        public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
            return real.adjust(key, delta, reference, now);
        }

        @Override
        public StockLevel setOnHand(StockKey key, long onHand, long ev, String reference, Instant now) {
            return real.setOnHand(key, onHand, ev, reference, now);
        }

        @Override
        public List<StockLevel> allLevels() {
            return real.allLevels();
        }

        @Override
        public List<Reservation> reservations(Set<ReservationState> states) {
            return real.reservations(states);
        }

        @Override
        public List<Movement> movements(StockKey key) {
            return real.movements(key);
        }
    }

    /** Sleeps without spinning. */
    static final class LockSupportSleep {
        static void sleepMicros(long micros) {
            try {
                TimeUnit.MICROSECONDS.sleep(micros);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static OrderKit kit(StockStorage storage, Combining combining) {
        return OrderKit.builder()
                .stockStorage(storage)
                .combining(combining)
                .retry(new RetrySettings(
                        50,
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        3,
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        2,
                        Duration.ofMillis(1),
                        Duration.ofMillis(5),
                        1000,
                        Duration.ofMillis(1),
                        0.25))
                .build();
    }

    private static ReservationRequest one(String id, long q) {
        return new ReservationRequest(id, List.of(ReservationLine.of(HOT.sku(), q)), TTL);
    }

    /** Runs the tasks on {@code threads} threads released together; a task's exception is its result. */
    private static List<Object> concurrently(int threads, List<Callable<Object>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Object>> fs = new ArrayList<>();
            for (Callable<Object> t : tasks) {
                fs.add(pool.submit(() -> {
                    start.await();
                    try {
                        return t.call();
                    } catch (Throwable e) {
                        return e;
                    }
                }));
            }
            start.countDown();
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : fs) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void assertLevel(StockStorage s, long onHand, long reserved) {
        StockLevel l = s.level(HOT).orElseThrow();
        assertThat(l.onHand()).as("on hand").isEqualTo(onHand);
        assertThat(l.reserved()).as("reserved (no oversell: <= on hand)").isEqualTo(reserved);
        long sum = s.movements(HOT).stream().mapToLong(Movement::reservedDelta).sum();
        assertThat(sum).as("conservation: movements add up to the level").isEqualTo(l.reserved());
    }

    @Test
    void loneRequestsGoStraightToReserveAndNeverFormABatch() {
        RoundTrips s = new RoundTrips();
        s.delayMicros = 0;
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 1_000_000, "up");
        for (int i = 0; i < 2_000; i++) {
            k.stock().reserve(one("r" + i, 1));
        }
        CombinerStats st = k.combinerStats();
        assertThat(st.calls()).isEqualTo(2_000);
        assertThat(st.batches()).isZero();
        assertThat(st.batchedMembers()).isZero();
        assertThat(s.batchCalls).hasValue(0);
        assertLevel(s, 1_000_000, 2_000);
    }

    /**
     * Not an assertion on time (the box is shared): prints the single-thread cost of a reserve with
     * combining forced on and off over the same in-memory storage, the measurement the default
     * ("on only where the storage batches natively") is based on.
     */
    @Test
    void singleThreadCostWithAndWithoutCombining() {
        long[] best = new long[2];
        for (int mode = 0; mode < 2; mode++) {
            RoundTrips s = new RoundTrips();
            s.delayMicros = 0;
            OrderKit k = kit(s, mode == 0 ? Combining.off() : Combining.on());
            k.stock().adjust(HOT, 10_000_000, "up");
            long bestNs = Long.MAX_VALUE;
            for (int round = 0; round < 5; round++) {
                long t0 = System.nanoTime();
                for (int i = 0; i < 20_000; i++) {
                    k.stock().reserve(one("m" + round + "-" + i, 1));
                }
                bestNs = Math.min(bestNs, (System.nanoTime() - t0) / 20_000);
            }
            best[mode] = bestNs;
            assertThat(k.combinerStats().batches()).isZero();
        }
        System.out.printf("single-thread in-memory reserve: combining off %d ns/op, on %d ns/op%n", best[0], best[1]);
    }

    @Test
    void contendedRequestsFormBatchesAndNeverOversell() throws Exception {
        RoundTrips s = new RoundTrips();
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 300, "up");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String id = "c" + i;
            tasks.add(() -> k.stock().reserve(one(id, 1)));
        }
        List<Object> out = concurrently(16, tasks);
        long held = out.stream().filter(o -> o instanceof Reservation).count();
        long short_ = out.stream()
                .filter(o -> o instanceof InsufficientStockException)
                .count();
        assertThat(held).isEqualTo(300);
        assertThat(short_).isEqualTo(100);
        CombinerStats st = k.combinerStats();
        System.out.println("16 threads, one hot SKU, 1 ms round trip: " + st);
        assertThat(st.largestBatch()).isGreaterThan(1);
        assertThat(st.batchedMembers()).isGreaterThan(st.batches());
        assertThat(st.largestBatch()).isLessThanOrEqualTo(Combining.DEFAULT_MAX_BATCH);
        assertLevel(s, 300, 300);
    }

    @Test
    void duplicateIdsInOneLaneResolveToOneReservation() throws Exception {
        RoundTrips s = new RoundTrips();
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 1_000, "up");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 240; i++) {
            String id = "d" + (i % 80); // every id three times
            tasks.add(() -> k.stock().reserve(one(id, 2)));
        }
        List<Object> out = concurrently(16, tasks);
        assertThat(out).allMatch(o -> o instanceof Reservation, "every caller holds its reservation");
        for (Object o : out) {
            assertThat(((Reservation) o).state()).isEqualTo(ReservationState.HELD);
        }
        assertLevel(s, 1_000, 160);
        assertThat(k.combinerStats().largestBatch()).isGreaterThan(1);
    }

    @Test
    void aBatchWhoseReplyIsLostFallsBackAndEveryCallerKeepsItsOwnAnswer() throws Exception {
        RoundTrips s = new RoundTrips();
        s.failBatchesAfter.set(1_000); // every batch applies, then its reply is lost
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 100, "up");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 150; i++) {
            String id = "f" + i;
            tasks.add(() -> k.stock().reserve(one(id, 1)));
        }
        List<Object> out = concurrently(16, tasks);
        assertThat(out.stream().filter(o -> o instanceof Reservation).count()).isEqualTo(100);
        assertThat(out.stream()
                        .filter(o -> o instanceof InsufficientStockException)
                        .count())
                .isEqualTo(50);
        CombinerStats st = k.combinerStats();
        assertThat(st.batches()).isPositive();
        assertThat(st.fallbacks()).isEqualTo(st.batchedMembers());
        assertLevel(s, 100, 100);
    }

    @Test
    void aBatchThatFailsBeforeApplyingFallsBackToSingleReserves() throws Exception {
        RoundTrips s = new RoundTrips();
        s.failBatchesBefore.set(1_000);
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 100, "up");
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            String id = "b" + i;
            tasks.add(() -> k.stock().reserve(one(id, 1)));
        }
        List<Object> out = concurrently(16, tasks);
        assertThat(out).allMatch(o -> o instanceof Reservation);
        assertThat(k.combinerStats().fallbacks()).isEqualTo(k.combinerStats().batchedMembers());
        assertLevel(s, 100, 100);
    }

    @Test
    void reservationsOfSeveralKeysAndOffAreNotCombined() {
        RoundTrips s = new RoundTrips();
        s.delayMicros = 0;
        OrderKit off = kit(s, Combining.off());
        off.stock().adjust(HOT, 10, "up");
        off.stock().adjust(StockKey.of("cold"), 10, "up2");
        off.stock().reserve(one("x", 1));
        assertThat(off.combinerStats()).isEqualTo(new CombinerStats(0, 0, 0, 0, 0));
        OrderKit on = kit(s, Combining.on());
        on.stock()
                .reserve(new ReservationRequest(
                        "y", List.of(ReservationLine.of(HOT.sku(), 1), ReservationLine.of("cold", 1)), TTL));
        assertThat(on.combinerStats().calls()).isZero();
    }

    @Test
    void whereTheBatchSpansKeysReservationsOfDifferentKeysAndSeveralLinesShareBatches() throws Exception {
        RoundTrips s = new RoundTrips();
        s.spansKeys = true;
        OrderKit k = kit(s, Combining.on());
        int keys = 8;
        for (int j = 0; j < keys; j++) {
            k.stock().adjust(StockKey.of("sku-" + j), 30, "up-" + j);
        }
        List<Callable<Object>> tasks = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String id = "s" + i;
            String a = "sku-" + (i % keys);
            String b = "sku-" + ((i + 3) % keys);
            ReservationRequest r = i % 4 == 0
                    ? new ReservationRequest(id, List.of(ReservationLine.of(a, 1), ReservationLine.of(b, 1)), TTL)
                    : new ReservationRequest(id, List.of(ReservationLine.of(a, 1)), TTL);
            tasks.add(() -> k.stock().reserve(r));
        }
        List<Object> out = concurrently(16, tasks);
        assertThat(out).allMatch(o -> o instanceof Reservation || o instanceof InsufficientStockException);
        long units = out.stream()
                .filter(o -> o instanceof Reservation)
                .mapToLong(o -> ((Reservation) o).lines().size())
                .sum();
        long reserved = 0;
        for (int j = 0; j < keys; j++) {
            StockKey key = StockKey.of("sku-" + j);
            StockLevel l = s.level(key).orElseThrow();
            assertThat(l.reserved()).as("no oversell on " + key).isLessThanOrEqualTo(l.onHand());
            assertThat(s.movements(key).stream()
                            .mapToLong(Movement::reservedDelta)
                            .sum())
                    .isEqualTo(l.reserved());
            reserved += l.reserved();
        }
        assertThat(reserved).as("every held line, once").isEqualTo(units);
        assertThat(out.stream().filter(o -> o instanceof InsufficientStockException))
                .as("8 keys x 30 units < 500 requested lines: some refused, the rest held")
                .isNotEmpty();
        CombinerStats st = k.combinerStats();
        System.out.println("16 threads, 8 keys sharing lanes, 1 ms round trip: " + st);
        assertThat(s.multiLineBatched)
                .as("multi-line reservations are combined too")
                .hasPositiveValue();
        assertThat(st.largestBatch()).isGreaterThan(1);
        assertThat(s.mostKeysInABatch)
                .as("one batch held reservations of several keys")
                .hasValueGreaterThan(1);
    }

    @Test
    void whereTheBatchSpansKeysALoneCallerStillGoesStraightToReserve() {
        RoundTrips s = new RoundTrips();
        s.spansKeys = true;
        s.delayMicros = 0;
        OrderKit k = kit(s, Combining.on());
        k.stock().adjust(HOT, 1_000, "up");
        k.stock().adjust(StockKey.of("cold"), 1_000, "up2");
        for (int i = 0; i < 500; i++) {
            k.stock()
                    .reserve(
                            i % 2 == 0
                                    ? one("l" + i, 1)
                                    : new ReservationRequest(
                                            "l" + i,
                                            List.of(ReservationLine.of(HOT.sku(), 1), ReservationLine.of("cold", 1)),
                                            TTL));
        }
        assertThat(k.combinerStats().calls()).isEqualTo(500);
        assertThat(k.combinerStats().batches()).isZero();
        assertThat(s.batchCalls).hasValue(0);
        assertLevel(s, 1_000, 500);
    }

    @Test
    void insideAUnitOfWorkTheStorageIsCalledDirectly() {
        RoundTrips s = new RoundTrips();
        s.delayMicros = 0;
        s.real.adjust(HOT, 10, "up", Instant.now());
        ReservationCombiner c = new ReservationCombiner(s, Combining.on());
        StepTransactions atomic = new StepTransactions() {
            @Override
            public <T> T inTransaction(Supplier<T> work) {
                return work.get();
            }
        };
        Retries r = new Retries(RetrySettings.defaults());
        Instant now = Instant.now();
        ReserveResult res =
                r.unit(atomic, () -> c.reserve("u", List.of(new AllocatedLine(HOT, 1)), now.plus(TTL), now));
        assertThat(res).isInstanceOf(ReserveResult.Reserved.class);
        assertThat(c.stats().calls()).isZero();
    }

    @Test
    void theDefaultFollowsTheStoragesBatchLimit() {
        assertThat(kit(new RoundTrips(), Combining.on()).config().combining().enabled())
                .isTrue();
        assertThat(OrderKit.builder()
                        .stockStorage(new RoundTrips())
                        .build()
                        .config()
                        .combining()
                        .enabled())
                .as("a storage with a native batch: on by default")
                .isTrue();
        assertThat(OrderKit.builder().build().config().combining().enabled())
                .as("in-memory: off by default")
                .isFalse();
    }
}
