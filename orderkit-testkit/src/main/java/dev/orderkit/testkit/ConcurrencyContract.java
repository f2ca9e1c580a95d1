package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.CombinerStats;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of the backend under concurrency: no oversell at any observable moment (design
 * invariant 1), exactly-once effect per idempotency key (2), all-or-nothing multi-line holds without
 * deadlock (4), conservation (5), a single winner for every compare-and-set, and a seeded random
 * fuzz of every stock primitive. Work is spread over the primary fixture and its
 * {@link #peer(BackendFixture)} (another client of the same backend, as another JVM would be).
 *
 * <p>Bounded in threads, operations and time ({@link #CONCURRENCY_TIMEOUT}). A backend proves
 * itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class ConcurrencyContract extends ContractSupport {
    private static final Scope SHOP = Scope.of("shop-1");
    private static final StockKey HOT = StockKey.of("hot-sku");

    private BackendFixture peerFixture;

    /** Subclasses are created by JUnit. */
    protected ConcurrencyContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /**
     * Worker threads of the fuzzer and of the racing tests (default 32, the minimum the contract
     * asks for; make the backend's connection pool large enough rather than lowering it).
     *
     * @return the thread count, at least 2
     */
    protected int threads() {
        return 32;
    }

    /** Callers of the duplicate-key storm: all submit the same scope, key and payload at once. */
    protected static final int STORM_CALLERS = 64;

    /**
     * Seed of the random fuzz (default fixed, so failures reproduce).
     *
     * @return the seed
     */
    protected long fuzzSeed() {
        return 20261122L;
    }

    /** Opens the peer client. */
    @BeforeEach
    protected final void openPeer() {
        peerFixture = peer(fixture);
    }

    /** Closes the peer client (before the primary fixture is closed). */
    @AfterEach
    protected final void closePeer() {
        if (peerFixture != null && peerFixture != fixture) { // null when peer() failed
            peerFixture.close();
        }
    }

    private BackendFixture side(int i) {
        return i % 2 == 0 ? fixture : peerFixture;
    }

    private static long count(List<Object> results, Class<?> type) {
        return results.stream().filter(type::isInstance).count();
    }

    /** Fails unless every non-null result is an instance of one of {@code allowed}. */
    private static void assertOnly(List<Object> results, Class<?>... allowed) {
        List<Object> unexpected = results.stream()
                .filter(r -> r != null)
                .filter(r -> Arrays.stream(allowed).noneMatch(t -> t.isInstance(r)))
                .collect(Collectors.toList());
        if (!unexpected.isEmpty() && unexpected.get(0) instanceof Throwable t) {
            throw new AssertionError("unexpected results: " + unexpected, t);
        }
        assertThat(unexpected).as("unexpected results").isEmpty();
    }

    @Test
    void invariant1_concurrentReservationsNeverOversell() throws InterruptedException {
        stockUp(HOT, 20);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int n = i;
            tasks.add(() -> side(n).stockStorage()
                    .reserve("r-" + n, List.of(new AllocatedLine(HOT, 1)), now().plusSeconds(600), now()));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, ReserveResult.Reserved.class, ReserveResult.Insufficient.class);
        assertThat(count(results, ReserveResult.Reserved.class)).isEqualTo(20);
        StockLevel l = stock().level(HOT).orElseThrow();
        assertThat(l.reserved()).isEqualTo(20);
        assertThat(l.available()).isZero();
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD))).hasSize(20);
        assertStockInvariants();
    }

    @Test
    void sameReservationIdRacedHoldsOnce() throws InterruptedException {
        stockUp(HOT, 100);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            tasks.add(() -> side(n).stockStorage()
                    .reserve("same-id", List.of(new AllocatedLine(HOT, 3)), now().plusSeconds(600), now()));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, ReserveResult.Reserved.class, ReserveResult.AlreadyExists.class);
        assertThat(count(results, ReserveResult.Reserved.class)).isEqualTo(1);
        assertThat(stock().level(HOT).orElseThrow().reserved()).isEqualTo(3);
        assertStockInvariants();
    }

    @Test
    void invariant4_multiLineHoldsInterleaveWithoutDeadlockAndStayAllOrNothing() throws InterruptedException {
        StockKey a = StockKey.of("pair-a");
        StockKey b = StockKey.of("pair-b");
        StockKey c = StockKey.of("pair-c");
        stockUp(a, 1000);
        stockUp(b, 1000);
        stockUp(c, 15); // the scarce key sorts last: a non-atomic backend would already hold a and b
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int n = i;
            // overlapping subsets, always in canonical order as core sends them
            List<AllocatedLine> lines = switch (n % 3) {
                case 0 -> List.of(new AllocatedLine(a, 1), new AllocatedLine(b, 1), new AllocatedLine(c, 1));
                case 1 -> List.of(new AllocatedLine(a, 2), new AllocatedLine(c, 1));
                default -> List.of(new AllocatedLine(b, 3), new AllocatedLine(c, 1));
            };
            tasks.add(() -> side(n).stockStorage().reserve("m-" + n, lines, now().plusSeconds(300), now()));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, ReserveResult.Reserved.class, ReserveResult.Insufficient.class);
        List<Reservation> held = results.stream()
                .filter(ReserveResult.Reserved.class::isInstance)
                .map(r -> ((ReserveResult.Reserved) r).reservation())
                .toList();
        assertThat(held).hasSize(15);
        for (StockKey k : List.of(a, b, c)) {
            long expected = held.stream()
                    .flatMap(r -> r.lines().stream())
                    .filter(l -> l.key().equals(k))
                    .mapToLong(AllocatedLine::quantity)
                    .sum();
            assertThat(stock().level(k).orElseThrow().reserved())
                    .as("reserved of %s", k)
                    .isEqualTo(expected);
        }
        assertStockInvariants();
    }

    @Test
    void ledgerHoldsInAnyLineOrderStayAllOrNothing() throws InterruptedException {
        stockUp(StockKey.of("pair-a"), 1000);
        stockUp(StockKey.of("pair-b"), 1000);
        stockUp(StockKey.of("pair-c"), 15);
        OrderKit k1 = kitBuilder(fixture, new SimulatedPaymentPort()).build();
        OrderKit k2 = kitBuilder(peerFixture, new SimulatedPaymentPort()).build();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            List<ReservationLine> lines = new ArrayList<>(List.of(
                    ReservationLine.of("pair-a", 1), ReservationLine.of("pair-b", 1), ReservationLine.of("pair-c", 1)));
            Collections.shuffle(lines, new Random(n));
            tasks.add(() -> (n % 2 == 0 ? k1 : k2)
                    .stock()
                    .reserve(new ReservationRequest("m-" + n, lines, Duration.ofMinutes(5))));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, Reservation.class, InsufficientStockException.class);
        assertThat(count(results, Reservation.class)).isEqualTo(15);
        for (String sku : List.of("pair-a", "pair-b", "pair-c")) {
            assertThat(stock().level(StockKey.of(sku)).orElseThrow().reserved())
                    .as(sku)
                    .isEqualTo(15);
        }
        assertStockInvariants();
    }

    @Test
    void hotSkuPlacementsConfirmExactlyTheStock() throws InterruptedException {
        stockUp(HOT, 10);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit k1 = kitBuilder(fixture, gateway).build();
        OrderKit k2 = kitBuilder(peerFixture, gateway).build();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            PlaceOrderRequest req = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("hot-" + n))
                    .line("hot-sku", 1, 500)
                    .build();
            tasks.add(() -> (n % 2 == 0 ? k1 : k2).orders().place(req));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, PlaceOrderResult.class);
        List<PlaceOrderResult> rs =
                results.stream().map(PlaceOrderResult.class::cast).toList();
        assertThat(rs.stream().filter(r -> r.outcome() == PlacementOutcome.PLACED))
                .hasSize(10);
        assertThat(rs.stream().filter(r -> r.outcome() == PlacementOutcome.OUT_OF_STOCK))
                .hasSize(30);
        assertThat(stock().level(HOT).orElseThrow().reserved()).isEqualTo(10);
        assertThat(gateway.appliedCount()).isEqualTo(10);
        List<String> ids = rs.stream().map(r -> r.order().id()).toList();
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(InvariantChecker.checkOrders(stock(), orders(), ids)).isEmpty();
    }

    /**
     * Hot-SKU combining under contention: 16 threads on one key through two kits (this process and
     * the peer) form batches larger than one, every caller gets its own answer (callers sharing an
     * id share the one reservation), and nothing is oversold. Rounds repeat on fresh keys until a
     * batch formed: the first four on the backend as it is; an in-process backend serves a reserve
     * in microseconds, so 16 threads may never queue behind one another, and the last four rounds
     * add a simulated half-millisecond round trip to each storage reserve call (a pass-through).
     */
    @Test
    void hotSkuCombiningFormsBatchesAndEveryCallerGetsItsOwnAnswer() throws InterruptedException {
        OrderKit k1 = kitBuilder(fixture, new SimulatedPaymentPort()).build();
        OrderKit k2 = kitBuilder(peerFixture, new SimulatedPaymentPort()).build();
        for (int round = 0; round < 8; round++) {
            if (round == 4) {
                k1 = kitBuilder(fixture, new SimulatedPaymentPort())
                        .stockStorage(withRoundTrip(fixture.stockStorage()))
                        .build();
                k2 = kitBuilder(peerFixture, new SimulatedPaymentPort())
                        .stockStorage(withRoundTrip(peerFixture.stockStorage()))
                        .build();
            }
            OrderKit kit1 = k1;
            OrderKit kit2 = k2;
            String sku = "combine-" + round;
            stockUp(StockKey.of(sku), 60);
            List<Callable<?>> tasks = new ArrayList<>();
            for (int i = 0; i < 160; i++) {
                int n = i;
                String id = sku + "-r" + (n % 100); // 60 ids are used twice: duplicates meet in batches
                tasks.add(() -> (n % 2 == 0 ? kit1 : kit2)
                        .stock()
                        .reserve(new ReservationRequest(
                                id, List.of(ReservationLine.of(sku, 1)), Duration.ofMinutes(5))));
            }
            List<Object> results = runConcurrently(16, tasks);
            assertOnly(results, Reservation.class, InsufficientStockException.class);
            List<String> heldIds = results.stream()
                    .filter(Reservation.class::isInstance)
                    .map(r -> ((Reservation) r).id())
                    .distinct()
                    .toList();
            assertThat(heldIds).hasSize(60);
            for (int i = 0; i < 160; i++) {
                Object r = results.get(i);
                String id = sku + "-r" + (i % 100);
                if (r instanceof Reservation held) {
                    assertThat(held.id()).isEqualTo(id); // its own answer, never another caller's
                }
            }
            StockLevel l = stock().level(StockKey.of(sku)).orElseThrow();
            assertThat(l.reserved()).isEqualTo(60);
            assertThat(stock().reservations(EnumSet.of(ReservationState.HELD)).stream()
                            .filter(r -> r.id().startsWith(sku + "-")))
                    .hasSize(60);
            assertStockInvariants();
            CombinerStats s1 = k1.combinerStats();
            CombinerStats s2 = k2.combinerStats();
            if (Math.max(s1.largestBatch(), s2.largestBatch()) > 1) {
                assertThat(s1.batchedMembers() + s2.batchedMembers()).isGreaterThan(s1.batches() + s2.batches());
                System.out.println(fixture.description() + " hot-SKU combining, round " + round
                        + (round >= 4 ? " (simulated round trip)" : "") + ": " + s1 + " / " + s2);
                return;
            }
        }
        throw new AssertionError("no batch larger than one formed in 8 rounds of 16 threads on one key: "
                + k1.combinerStats() + " / " + k2.combinerStats());
    }

    /** A pass-through that sleeps half a millisecond before each reserve / reserveAll: a round trip. */
    private static StockStorage withRoundTrip(StockStorage real) {
        Object p = Proxy.newProxyInstance(
                StockStorage.class.getClassLoader(), new Class<?>[] {StockStorage.class}, (self, m, args) -> {
                    if (m.getName().equals("reserve") || m.getName().equals("reserveAll")) {
                        LockSupport.parkNanos(500_000);
                    }
                    try {
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        return (StockStorage) p;
    }

    /**
     * Batches ({@code reserveAll}, with a duplicate id and an unknown key in each) race single
     * reserves of the same key from both clients: no oversell, each reservation held once.
     */
    @Test
    void batchesRacingSingleReservesNeverOversell() throws InterruptedException {
        stockUp(HOT, 50);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            int n = i;
            if (n % 2 == 0) {
                List<ReserveCommand> batch = new ArrayList<>();
                for (int j = 0; j < 6; j++) {
                    batch.add(new ReserveCommand(
                            "b" + n + "-" + j, List.of(new AllocatedLine(HOT, 1)), now().plusSeconds(600), now()));
                }
                batch.add(new ReserveCommand(
                        "b" + n + "-0", List.of(new AllocatedLine(HOT, 1)), now().plusSeconds(600), now()));
                batch.add(new ReserveCommand(
                        "b" + n + "-x",
                        List.of(new AllocatedLine(StockKey.of("no-such-sku"), 1)),
                        now().plusSeconds(600),
                        now()));
                tasks.add(() -> side(n / 2).stockStorage().reserveAll(batch));
            } else {
                tasks.add(() -> side(n / 2)
                        .stockStorage()
                        .reserve("s" + n, List.of(new AllocatedLine(HOT, 1)), now().plusSeconds(600), now()));
            }
        }
        List<Object> results = runConcurrently(threads(), tasks);
        long held = 0;
        for (int i = 0; i < results.size(); i++) {
            Object r = results.get(i);
            if (r instanceof Throwable t) {
                throw new AssertionError("task " + i + " failed", t);
            }
            if (r instanceof List<?> batch) {
                assertThat(batch).hasSize(8);
                for (int j = 0; j < 6; j++) {
                    assertThat(batch.get(j))
                            .isInstanceOfAny(ReserveResult.Reserved.class, ReserveResult.Insufficient.class);
                    held += batch.get(j) instanceof ReserveResult.Reserved ? 1 : 0;
                }
                assertThat(batch.get(6))
                        .isInstanceOf(
                                batch.get(0) instanceof ReserveResult.Reserved
                                        ? ReserveResult.AlreadyExists.class
                                        : ReserveResult.class);
                assertThat(batch.get(7)).isInstanceOf(ReserveResult.UnknownStock.class);
            } else {
                assertThat(r).isInstanceOfAny(ReserveResult.Reserved.class, ReserveResult.Insufficient.class);
                held += r instanceof ReserveResult.Reserved ? 1 : 0;
            }
        }
        assertThat(held).isEqualTo(50);
        assertThat(stock().level(HOT).orElseThrow().reserved()).isEqualTo(50);
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD))).hasSize(50);
        assertStockInvariants();
    }

    @Test
    void commitsRacingBatchExpiryNeverBothCommitAndExpireAHold() throws InterruptedException {
        StockKey other = StockKey.of("race-other");
        stockUp(HOT, 100);
        stockUp(other, 100);
        Instant t0 = now();
        Instant due = t0.plusSeconds(60);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            String id = "race-" + i;
            List<AllocatedLine> lines = i % 3 == 0
                    ? List.of(new AllocatedLine(HOT, 1), new AllocatedLine(other, 1))
                    : List.of(new AllocatedLine(i % 2 == 0 ? HOT : other, 1));
            assertThat(stock().reserve(id, lines, due, t0)).isInstanceOf(ReserveResult.Reserved.class);
            ids.add(id);
        }
        // the committers' clock is 1 ms before the expiry, the sweepers' at it: both may act
        Instant commitAt = due.minusMillis(1);
        List<String> committed = new CopyOnWriteArrayList<>();
        List<String> expired = new CopyOnWriteArrayList<>();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            List<String> mine = new ArrayList<>(ids.subList(w * 15, w * 15 + 15));
            Collections.shuffle(mine, new Random(w));
            tasks.add(() -> {
                for (String id : mine) {
                    TransitionResult r;
                    do { // a lost race is called again, as core does
                        r = fixture.stockStorage().transition(id, ReservationTransition.COMMIT, commitAt);
                    } while (r instanceof TransitionResult.Conflict);
                    if (r instanceof TransitionResult.Applied) {
                        committed.add(id);
                    }
                }
                return null;
            });
        }
        for (int w = 0; w < 3; w++) {
            List<String> order = new ArrayList<>(ids);
            Collections.shuffle(order, new Random(100 + w));
            tasks.add(() -> {
                for (int from = 0; from < order.size(); from += 20) {
                    try {
                        for (Reservation r :
                                peerFixture.stockStorage().expireAll(order.subList(from, from + 20), due)) {
                            expired.add(r.id());
                        }
                    } catch (ConcurrencyConflictException lost) {
                        // a documented outcome (e.g. a deadlock rolled the batch back): swept below
                    }
                }
                return null;
            });
        }
        assertOnly(runConcurrently(threads(), tasks));
        // a hold left HELD (its expiry skipped while a commit held it, and the commit lost) is swept now
        for (Reservation r : stock().expireAll(ids, due)) {
            expired.add(r.id());
        }
        // (a backend with multi-step transitions may report an expiry to the caller that decided it
        // and to one that finished it: consumers de-duplicate the event by id; the effect is once)
        for (StockKey k : List.of(HOT, other)) {
            assertThat(stock().movements(k).stream()
                            .filter(m -> m.reason() == MovementReason.EXPIRE)
                            .map(m -> m.reference())
                            .toList())
                    .as("each hold's units given back at most once on " + k)
                    .doesNotHaveDuplicates();
        }
        assertThat(committed).as("each hold committed at most once").doesNotHaveDuplicates();
        assertThat(committed).as("never both committed and expired").noneMatch(expired::contains);
        long heldUnits = 0;
        for (String id : ids) {
            Reservation r = stock().reservation(id).orElseThrow();
            if (committed.contains(id)) {
                assertThat(r.state()).as(id).isEqualTo(ReservationState.COMMITTED);
                heldUnits += r.lines().size();
            } else {
                assertThat(expired).as(id + " neither committed nor expired").contains(id);
                assertThat(r.state()).as(id).isEqualTo(ReservationState.EXPIRED);
            }
        }
        assertThat(stock().level(HOT).orElseThrow().reserved()
                        + stock().level(other).orElseThrow().reserved())
                .isEqualTo(heldUnits);
        assertStockInvariants();
    }

    @Test
    void invariant2_duplicateKeyStormOf64CallersCreatesOneOrder() throws InterruptedException {
        stockUp(HOT, 100);
        SimulatedPaymentPort gateway = new SimulatedPaymentPort().latency(Duration.ofMillis(20));
        OrderKit k1 = kitBuilder(fixture, gateway)
                .inProgressWait(Duration.ofSeconds(30))
                .build();
        OrderKit k2 = kitBuilder(peerFixture, gateway)
                .inProgressWait(Duration.ofSeconds(30))
                .build();
        PlaceOrderRequest req = PlaceOrderRequest.builder(SHOP, IdempotencyKey.of("one-key"))
                .line("hot-sku", 2, 500)
                .build();
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < STORM_CALLERS; i++) {
            int n = i;
            tasks.add(() -> (n % 2 == 0 ? k1 : k2).orders().place(req));
        }
        List<Object> results = runConcurrently(STORM_CALLERS, tasks); // one thread per caller, one start gate
        assertOnly(results, PlaceOrderResult.class);
        List<PlaceOrderResult> rs =
                results.stream().map(PlaceOrderResult.class::cast).toList();
        PlaceOrderResult original =
                rs.stream().filter(r -> !r.replayed()).findFirst().orElseThrow();
        assertThat(rs.stream().filter(r -> !r.replayed())).hasSize(1);
        assertThat(rs).allSatisfy(r -> assertThat(r.asReplay()).isEqualTo(original.asReplay()));
        assertThat(original.outcome()).isEqualTo(PlacementOutcome.PLACED);
        assertThat(gateway.appliedCount()).isEqualTo(1);
        assertThat(stock().level(HOT).orElseThrow().reserved()).isEqualTo(2);
        assertThat(orders().findStale(EnumSet.allOf(OrderStatus.class), now().plusSeconds(1), 100))
                .hasSize(1);
        assertThat(InvariantChecker.checkOrders(
                        stock(), orders(), List.of(original.order().id())))
                .isEmpty();
    }

    /** Repeats a call whose compare-and-set lost a race (bounded), as core's conflict policy does. */
    private static <T> T repeatingLostRaces(Supplier<T> call) {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.get();
            } catch (ConcurrencyConflictException lost) {
                if (attempt >= 100) {
                    throw lost;
                }
            }
        }
    }

    /** 32 clients (alternating backend instances) claim one key at once; exactly one may acquire it. */
    private ClaimResult.Acquired raceClaims(ScopedKey key, String resourcePrefix) throws InterruptedException {
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            int n = i;
            IdempotencyClaims claims = new IdempotencyClaims(side(n).idempotencyStore());
            tasks.add(() -> repeatingLostRaces(
                    () -> claims.claim(key, "f".repeat(64), resourcePrefix + n, now(), Duration.ofSeconds(30))));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, ClaimResult.Acquired.class, ClaimResult.InProgress.class);
        assertThat(count(results, ClaimResult.Acquired.class)).isEqualTo(1);
        return results.stream()
                .filter(ClaimResult.Acquired.class::isInstance)
                .map(ClaimResult.Acquired.class::cast)
                .findFirst()
                .orElseThrow();
    }

    @Test
    void racingClaimsOfOneKeyAcquireOnce() throws InterruptedException {
        ScopedKey key = ScopedKey.of("shop-1", "claim-race");
        ClaimResult.Acquired winner = raceClaims(key, "ord-");
        keys().complete(key, winner.fencingToken(), "{}", now(), now().plusSeconds(60));
        assertThat(keys().claim(key, "f".repeat(64), "late", now(), Duration.ofSeconds(30)))
                .isEqualTo(new ClaimResult.Completed(winner.resourceId(), "{}"));
    }

    @Test
    void racingTakeoversOfAnExpiredLeaseAcquireOnce() throws InterruptedException {
        // several rounds: one race alone lets a blind (unversioned) replace win twice only sometimes
        for (int round = 0; round < 10; round++) {
            ScopedKey key = ScopedKey.of("shop-1", "takeover-race-" + round);
            ClaimResult.Acquired first = (ClaimResult.Acquired)
                    keys().claim(key, "f".repeat(64), "ord-" + round, now(), Duration.ofSeconds(1));
            clock.advance(Duration.ofSeconds(2));
            ClaimResult.Acquired winner = raceClaims(key, "ord-x");
            assertThat(winner.resumed()).as("round %d", round).isTrue();
            assertThat(winner.resourceId()).as("round %d", round).isEqualTo("ord-" + round);
            assertThat(winner.fencingToken()).as("round %d", round).isGreaterThan(first.fencingToken());
        }
    }

    @Test
    void racingOrderUpdatesHaveOneWinner() throws InterruptedException {
        Order o = OrderStoreContract.sampleOrder("ord-race", now());
        orders().insert(o, List.of());
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            Order next = o.withFailureReason("writer-" + n).transition(OrderStatus.CANCELLED, now());
            tasks.add(() -> side(n).orderStore().update(next, 0, List.of()) ? next : Boolean.FALSE);
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, Order.class, Boolean.class);
        assertThat(count(results, Order.class)).isEqualTo(1);
        Order winner = (Order)
                results.stream().filter(Order.class::isInstance).findFirst().orElseThrow();
        assertThat(orders().find("ord-race")).contains(winner);
    }

    @Test
    void racingStockCountsHaveOneWinner() throws InterruptedException {
        StockLevel start = stockUp(HOT, 10);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            int n = i;
            tasks.add(() -> side(n).stockStorage().setOnHand(HOT, 100 + n, start.version(), "count-" + n, now()));
        }
        List<Object> results = runConcurrently(threads(), tasks);
        assertOnly(results, StockLevel.class, ConcurrencyConflictException.class);
        assertThat(count(results, StockLevel.class)).isEqualTo(1);
        StockLevel winner = (StockLevel) results.stream()
                .filter(StockLevel.class::isInstance)
                .findFirst()
                .orElseThrow();
        assertThat(stock().level(HOT)).contains(winner);
        assertStockInvariants();
    }

    @Test
    void racingTransitionsOfOneReservationReturnStockOnce() throws InterruptedException {
        stockUp(HOT, 1000);
        List<Callable<?>> tasks = new ArrayList<>();
        for (int r = 0; r < 20; r++) {
            String id = "rt-" + r;
            stock().reserve(id, List.of(new AllocatedLine(HOT, 5)), now().plusSeconds(1), now());
            for (int k = 0; k < 6; k++) {
                int n = r * 6 + k;
                tasks.add(() -> switch (n % 3) {
                    case 0 ->
                        side(n).stockStorage().transition(id, ReservationTransition.RELEASE, now().plusSeconds(2));
                    case 1 -> side(n).stockStorage().transition(id, ReservationTransition.EXPIRE, now().plusSeconds(2));
                    default -> side(n).stockStorage().transition(id, ReservationTransition.COMMIT, now());
                });
            }
        }
        List<Object> results = runConcurrently(threads(), tasks);
        // every answer is a result (a race lost is Conflict, never an exception)
        assertOnly(results, TransitionResult.class);
        long committed =
                stock().reservations(EnumSet.of(ReservationState.COMMITTED)).size();
        assertThat(stock().level(HOT).orElseThrow().reserved()).isEqualTo(5 * committed);
        assertThat(stock().reservations(EnumSet.of(ReservationState.HELD))).isEmpty();
        assertStockInvariants();
    }

    @Test
    void invariant5_randomizedFuzzKeepsEveryInvariant() throws InterruptedException {
        List<StockKey> keyset =
                List.of(StockKey.of("fz-a"), StockKey.of("fz-b"), StockKey.of("fz-b", "west"), StockKey.of("fz-c"));
        for (StockKey k : keyset.subList(0, 3)) {
            stockUp(k, 40);
        }
        // fz-c takes backorders: little real stock, so reservations beyond on-hand happen all the time
        StockKey backordered = keyset.get(3);
        stockUp(backordered, 4);
        stock().setPolicy(backordered, StockPolicy.backorder(12), "fz-backorder", now());
        List<String> ids = new CopyOnWriteArrayList<>();
        List<String> violations = new CopyOnWriteArrayList<>();
        AtomicBoolean running = new AtomicBoolean(true);
        Random seeds = new Random(fuzzSeed());
        List<Callable<?>> workers = new ArrayList<>();
        for (int w = 0; w < Math.max(2, threads() - 1); w++) {
            long seed = seeds.nextLong();
            BackendFixture f = side(w);
            String prefix = "w" + w + "-";
            workers.add(() -> {
                Random rnd = new Random(seed);
                for (int i = 0; i < 150; i++) {
                    fuzzStep(f, rnd, keyset, ids, prefix + i);
                }
                return null;
            });
        }
        // an observer checks invariant 1 at arbitrary moments while the workers run
        Thread observer = new Thread(
                () -> {
                    while (running.get()) {
                        try {
                            for (StockLevel l : stock().allLevels()) {
                                if (l.reserved() < 0
                                        || l.onHand() < 0
                                        || l.reserved()
                                                > l.onHand() + l.policy().limit()) {
                                    violations.add("observed " + l);
                                }
                            }
                        } catch (RuntimeException e) {
                            violations.add("observer failed: " + e);
                        }
                        Thread.onSpinWait();
                    }
                },
                "orderkit-fuzz-observer");
        observer.setDaemon(true);
        observer.start();
        List<Object> results;
        try {
            results = runConcurrently(threads(), workers);
        } finally {
            running.set(false);
            observer.join(CONCURRENCY_TIMEOUT.toMillis());
        }
        assertOnly(results);
        assertThat(violations)
                .as("invariant 1 violations observed while running")
                .isEmpty();
        assertThat(ids).isNotEmpty();
        assertStockInvariants();
    }

    private void fuzzStep(BackendFixture f, Random rnd, List<StockKey> keyset, List<String> ids, String newId) {
        int op = rnd.nextInt(100);
        try {
            if (op < 40 || ids.isEmpty()) {
                List<StockKey> pick = new ArrayList<>();
                for (StockKey k : keyset) {
                    if (rnd.nextInt(3) == 0) {
                        pick.add(k);
                    }
                }
                if (pick.isEmpty()) {
                    pick.add(keyset.get(rnd.nextInt(keyset.size())));
                }
                List<AllocatedLine> lines = pick.stream()
                        .sorted()
                        .map(k -> new AllocatedLine(k, 1 + rnd.nextInt(6)))
                        .toList();
                ReserveResult r = f.stockStorage().reserve(newId, lines, now().plusMillis(rnd.nextInt(400)), now());
                if (r instanceof ReserveResult.Reserved) {
                    ids.add(newId);
                }
                return;
            }
            String id = ids.get(rnd.nextInt(ids.size()));
            StockKey key = keyset.get(rnd.nextInt(keyset.size()));
            if (op < 52) {
                f.stockStorage().transition(id, ReservationTransition.COMMIT, now());
            } else if (op < 64) {
                f.stockStorage().transition(id, ReservationTransition.RELEASE, now());
            } else if (op < 72) {
                // a hold on the backordered key is often beyond on-hand: the fulfil is then refused
                // (Uncovered) and nothing moves; restocks by the adjusts below let later ones ship
                f.stockStorage().transition(id, ReservationTransition.FULFIL, now());
            } else if (op < 80) {
                f.stockStorage().transition(id, ReservationTransition.EXPIRE, now());
            } else if (op < 86) {
                List<String> due = f.stockStorage().dueReservations(now(), 5);
                if (rnd.nextBoolean()) {
                    due = new ArrayList<>(due);
                    due.addAll(f.stockStorage().dueReservations(List.of(key.sku()), now(), 5));
                    due = due.stream().distinct().toList();
                }
                f.stockStorage().expireAll(due, now());
            } else if (op < 92) {
                // the backordered key is only restocked here: on-hand lowered under a committed
                // backorder while it ships is the race tests' case (on a Redis Cluster it leaves the
                // decided fulfil waiting for a restock with some lines shipped: README, backorders)
                boolean up = rnd.nextBoolean() || key.equals(keyset.get(3));
                f.stockStorage().adjust(key, up ? 1 + rnd.nextInt(5) : -(1 + rnd.nextInt(5)), "fuzz-" + newId, now());
            } else if (op < 96) {
                int step = key.equals(keyset.get(3)) ? rnd.nextInt(3) : rnd.nextInt(5) - 2;
                f.stockStorage()
                        .level(key)
                        .ifPresent(l -> f.stockStorage()
                                .setOnHand(key, Math.max(0, l.onHand() + step), l.version(), "count-" + newId, now()));
            } else {
                clock.advance(Duration.ofMillis(50));
            }
        } catch (InsufficientStockException | ConcurrencyConflictException e) {
            // short stock for an adjust and stale versions of a count are legitimate outcomes
        }
    }
}
