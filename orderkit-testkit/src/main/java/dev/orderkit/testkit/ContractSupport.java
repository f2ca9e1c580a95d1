package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Combining;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.RetrySettings;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture lifecycle and helpers shared by every contract suite: a fresh {@link BackendFixture}
 * (from {@link #createFixture()}) and a fresh {@link TestClock} before each test, the fixture
 * closed after it.
 *
 * <p>Not thread-safe itself (JUnit creates one instance per test); the helpers that run tasks on
 * several threads are safe to call from the test thread.
 */
public abstract class ContractSupport {
    /** Retry settings used by the suites: fast backoff, no circuit breaker interference. */
    protected static final RetrySettings FAST_RETRIES = new RetrySettings(
            50,
            Duration.ofMillis(1),
            Duration.ofMillis(10),
            3,
            Duration.ofMillis(1),
            Duration.ofMillis(20),
            2,
            Duration.ofMillis(1),
            Duration.ofMillis(5),
            1000,
            Duration.ofMillis(1),
            0.25);

    /** Upper bound of any multi-threaded phase of a test. */
    protected static final Duration CONCURRENCY_TIMEOUT = Duration.ofSeconds(60);

    private final AtomicLong stockUps = new AtomicLong();

    /** The backend under test for the current test. */
    protected BackendFixture fixture;
    /** The clock handed to the SPIs and to {@link OrderKit}; starts at the current whole second. */
    protected TestClock clock;

    /** Subclasses are created by JUnit. */
    protected ContractSupport() {}

    /**
     * Creates the backend under test: a fresh, empty schema / key prefix. Called before each test;
     * the fixture is closed after the test.
     *
     * @return the fixture, never {@code null}
     */
    protected abstract BackendFixture createFixture();

    /** Opens the fixture and resets the clock. */
    @BeforeEach
    protected final void openFixture() {
        clock = TestClock.startingNow();
        fixture = Objects.requireNonNull(createFixture(), "createFixture() returned null");
    }

    /** Closes the fixture (drops its schema / keys). */
    @AfterEach
    protected final void closeFixture() {
        if (fixture != null) { // null when createFixture() failed (e.g. an unavailable server)
            fixture.close();
        }
    }

    /**
     * The stock storage of the fixture.
     *
     * @return the storage
     */
    protected final StockStorage stock() {
        return fixture.stockStorage();
    }

    /**
     * Core's claim protocol ({@link IdempotencyClaims}) over the fixture's idempotency store: what
     * core itself calls. A call whose compare-and-set lost a race throws
     * {@link dev.orderkit.core.ConcurrencyConflictException}.
     *
     * @return the protocol
     */
    protected final IdempotencyClaims keys() {
        return new IdempotencyClaims(fixture.idempotencyStore());
    }

    /**
     * The idempotency store of the fixture (its read / insert / compare-and-set primitives).
     *
     * @return the store
     */
    protected final IdempotencyStore keyStore() {
        return fixture.idempotencyStore();
    }

    /**
     * The order store of the fixture.
     *
     * @return the store
     */
    protected final OrderStore orders() {
        return fixture.orderStore();
    }

    /**
     * The current test-clock instant.
     *
     * @return now
     */
    protected final Instant now() {
        return clock.instant();
    }

    /**
     * A second client of the same backend, as another application instance (another JVM) would
     * open it: its own connection pool / client, the same schema or key prefix. The concurrency and
     * crash-recovery suites spread work over the primary fixture and this peer. The default returns
     * {@code primary} (right for in-process backends).
     *
     * <p>An overriding backend must return a fixture whose {@link BackendFixture#close()} releases
     * only the peer's own client resources and drops nothing; the suites close the peer before the
     * primary.
     *
     * @param primary the fixture of the current test
     * @return the peer (may be {@code primary} itself)
     */
    protected BackendFixture peer(BackendFixture primary) {
        return primary;
    }

    /** The gateway payment id of an order that has one (fails the test otherwise). */
    static String paymentIdOf(Order order) {
        return Objects.requireNonNull(order.paymentId(), () -> "order " + order.id() + " has no payment id");
    }

    /** The simulated gateway's record of an order's payment (fails the test if there is none). */
    static SimulatedPaymentPort.Payment paymentOf(SimulatedPaymentPort gateway, Order order) {
        String id = paymentIdOf(order);
        return Objects.requireNonNull(gateway.payments().get(id), () -> "the gateway has no payment " + id);
    }

    /**
     * A kit builder over the given fixture's backends, with the test clock, fast retries and
     * hot-SKU combining on (whatever the backend's default), so every suite runs through the
     * combiner; concurrent reservations of one key are then applied with the storage's
     * {@code reserveAll}.
     *
     * @param f the backends
     * @param payments the payment gateway
     * @return a builder the test may customise further
     */
    protected final OrderKit.Builder kitBuilder(BackendFixture f, SimulatedPaymentPort payments) {
        return OrderKit.builder()
                .stockStorage(f.stockStorage())
                .idempotencyStore(f.idempotencyStore())
                .orderStore(f.orderStore())
                .stepTransactions(f.stepTransactions())
                .paymentPort(payments)
                .clock(clock)
                .retry(FAST_RETRIES)
                .combining(Combining.on());
    }

    /**
     * Creates a stock level with the given on-hand (through the SPI, at the test clock), with a
     * fresh reference each call.
     *
     * @param key the level
     * @param onHand units, at least 1
     * @return the level
     */
    protected final StockLevel stockUp(StockKey key, long onHand) {
        return stock().adjust(key, onHand, "stock-up-" + stockUps.incrementAndGet(), now());
    }

    /** Asserts the stock invariants (no oversell, conservation) on the quiescent backend. */
    protected final void assertStockInvariants() {
        assertThat(InvariantChecker.checkStock(stock())).as("stock invariants").isEmpty();
    }

    /**
     * Runs the tasks on {@code threads} threads, all released at once, and returns their results in
     * task order. A task's exception is returned as its result (not thrown), so callers can count
     * outcomes. Fails the test if the tasks do not finish within {@link #CONCURRENCY_TIMEOUT}.
     *
     * @param threads pool size, at least 1
     * @param tasks the tasks
     * @return per task: its value, or the {@link Throwable} it threw
     * @throws InterruptedException if the test thread is interrupted
     */
    protected static List<Object> runConcurrently(int threads, List<? extends Callable<?>> tasks)
            throws InterruptedException {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<Object>> futures = new ArrayList<>();
            for (Callable<?> task : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    try {
                        return task.call();
                    } catch (Throwable t) {
                        return t;
                    }
                }));
            }
            start.countDown();
            pool.shutdown();
            if (!pool.awaitTermination(CONCURRENCY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new AssertionError(
                        "concurrent tasks did not finish within " + CONCURRENCY_TIMEOUT + " (deadlock or livelock?)");
            }
            List<Object> out = new ArrayList<>();
            for (Future<Object> f : futures) {
                try {
                    out.add(f.get());
                } catch (ExecutionException e) {
                    out.add(e.getCause());
                }
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }
}
