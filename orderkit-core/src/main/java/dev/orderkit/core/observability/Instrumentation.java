package dev.orderkit.core.observability;

import dev.orderkit.core.CombinerStats;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.PurgeReport;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * What a kit reports about its work: operations with their outcome or exception, placement answers,
 * retries, expiries, recovery and purge runs, circuit-breaker transitions and outbox rounds. Set it
 * with {@link OrderKit.Builder#instrumentation(Instrumentation)} (and
 * {@code JdbcBackend#outboxPublisher(sink, settings, instrumentation)} for the outbox). Every method has a no-op default,
 * so an implementation overrides what it needs; the {@code orderkit-micrometer} module's
 * {@code MicrometerInstrumentation} turns all of it into Micrometer meters and observations.
 *
 * <p>Everything core passes is low-cardinality: enums, counts and lower-case outcome constants,
 * never a SKU, key, scope or order id. Request context (order id, hashed key, scope) is in the SLF4J
 * MDC instead, on the calling thread, while the operation runs.
 *
 * <p>Implementations must be thread-safe, cheap, and must not throw: core calls them on the
 * calling thread of every operation, and an exception from a hook would surface to that caller.
 */
public interface Instrumentation {

    /**
     * The instrumentation that does nothing (the default of a kit). Its {@link #start(Operation)}
     * returns the shared {@link Timing#NOOP}: the hot path allocates nothing for it.
     *
     * @return the shared no-op instance
     */
    static Instrumentation noop() {
        return Noop.INSTANCE;
    }

    /**
     * Starts an operation; core ends the returned handle exactly once, on this thread. Operations
     * nest (a placement's reserve step and payment calls run inside its {@link Operation#PLACE}).
     *
     * @param operation what starts
     * @return the handle to end; {@link Timing#NOOP} by default
     */
    default Timing start(Operation operation) {
        return Timing.NOOP;
    }

    /**
     * A placement answered ({@code OrderService.place} returned), first time or replayed.
     *
     * @param outcome the answer's outcome
     * @param replayed whether the answer is a replay of a completed key
     */
    default void placed(PlacementOutcome outcome, boolean replayed) {}

    /**
     * The retry layer runs a failed attempt again (once per retry, not per call).
     *
     * @param cause why
     */
    default void retried(RetryCause cause) {}

    /**
     * Holds were expired (by the expiry sweep, or lazily by a reserve that found stock short).
     *
     * @param count how many, at least 1
     */
    default void reservationsExpired(int count) {}

    /**
     * A recovery sweep ({@code OrderService.recover()}) finished.
     *
     * @param report what it did
     */
    default void recovered(OrderService.SweepReport report) {}

    /**
     * A purge ({@code OrderKit.purge()}) finished.
     *
     * @param report what it deleted
     */
    default void purged(PurgeReport report) {}

    /**
     * The payment circuit breaker changed state.
     *
     * @param state the new state
     */
    default void circuitBreaker(CircuitState state) {}

    /**
     * An outbox publishing round finished (JDBC backend).
     *
     * @param delivered events the sink accepted
     * @param failed deliveries that failed (to be retried, or dead-lettered)
     * @param deadLettered failed events that reached their last attempt and are now dead letters
     * @param lag age of the oldest event the round claimed ({@link Duration#ZERO} when none was due)
     */
    default void outboxRound(int delivered, int failed, int deadLettered, Duration lag) {}

    /**
     * Called once when a kit is built, with sources an implementation may poll (gauges): the
     * kit's hot-SKU combiner counters and its payment circuit breaker's state. Both suppliers are
     * thread-safe and cheap.
     *
     * @param combiner the combiner's counters ({@link OrderKit#combinerStats()})
     * @param breaker the breaker's current state
     */
    default void watch(Supplier<CombinerStats> combiner, Supplier<CircuitState> breaker) {}
}

/** The shared no-op. */
final class Noop implements Instrumentation {
    static final Noop INSTANCE = new Noop();

    private Noop() {}

    @Override
    public String toString() {
        return "Instrumentation.noop()";
    }
}
