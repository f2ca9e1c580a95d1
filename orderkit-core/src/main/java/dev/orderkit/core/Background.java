package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.time.Duration;

/**
 * Settings of the kit's built-in background work ({@link OrderKit.Builder#background(Background)}):
 * which periodic tasks run, how often, and how the kit stops them.
 *
 * <p>The tasks, each named in {@link OrderKit#backgroundStatus()}:
 *
 * <ul>
 *   <li>{@value #RECOVERY}: {@link OrderService#recover()} every {@link #recoveryEvery()} (default
 *       30 s), finishing orders whose caller crashed and cancelling payment actions that timed out;
 *   <li>{@value #EXPIRY}: {@link StockLedger#expireDue(int)} with {@link #expiryBatches()} batches
 *       every {@link #expiryEvery()} (default 5 s), giving the stock of lapsed holds back;
 *   <li>{@value #OUTBOX}: the backend's outbox publishing round given to
 *       {@link OrderKit.Builder#outboxPublishing(BackgroundTask)} (e.g. the JDBC
 *       {@code OutboxPublisher}) every {@link #outboxEvery()} (default 1 s); absent when none was given;
 *   <li>{@value #PURGE}: {@link OrderKit#purge()} every {@link #purgeEvery()} (default 10 min),
 *       deleting what the kit's {@link Retention} lets go (a purge that left work, not
 *       {@link PurgeReport#complete()}, continues on the next run);
 *   <li>{@value #PAYMENTS}: the payment workers of asynchronous placement ({@link AsyncPlacement}),
 *       which drive accepted orders ({@link OrderService#submit}) and stuck placements through
 *       payment on a bounded pool of their own, looking for work every
 *       {@link AsyncPlacement#pollEvery()} (default 200 ms) and whenever this instance accepts an order.
 * </ul>
 *
 * <p>Every task is safe to run on every instance of the application at once (recovery takes over
 * expired leases by compare-and-set, expiry is a conditional transition per hold, outbox batches
 * are claimed), so no leader election is needed. Runs of one task never overlap within a kit: the
 * next run is scheduled when the previous one has finished, {@code period} later (±10 % jitter). The
 * first run of each task waits {@link #initialDelay()} plus a random part of its period, so
 * instances started together do not sweep in lockstep. A run that throws is logged (one WARN line)
 * and the task is scheduled again, its delay doubling per consecutive failure up to
 * {@link #maxBackoff()}; the first success restores the period.
 *
 * <p>Off by default ({@link #off()}): building a kit starts no thread unless asked to. With
 * {@link #on()} the kit runs the tasks on one daemon thread it owns ({@code orderkit-background-N}),
 * or on the {@link OrderKit.Builder#backgroundExecutor executor} you give it; {@link OrderKit#close()}
 * stops them (waiting up to {@link #shutdownTimeout()} for a run in flight).
 *
 * <p>Immutable and thread-safe.
 *
 * @param enabled whether the kit runs background work at all
 * @param recoveryEvery period of the {@value #RECOVERY} task, 10 ms .. 1 day
 * @param expiryEvery period of the {@value #EXPIRY} task, 10 ms .. 1 day
 * @param outboxEvery period of the {@value #OUTBOX} task, 10 ms .. 1 day
 * @param purgeEvery period of the {@value #PURGE} task, 10 ms .. 1 day
 * @param initialDelay fixed part of the delay before each task's first run, 0 .. 1 h (a random part
 *     of up to one period is added)
 * @param maxBackoff cap of the delay after consecutive failures of a task, 10 ms .. 1 day (a task's
 *     delay is never shorter than its period)
 * @param expiryBatches batches of due holds one {@value #EXPIRY} run expires at most, 1 .. 1,000
 *     (see {@link StockLedger#expireDue(int)})
 * @param shutdownTimeout how long {@link OrderKit#close()} waits for runs in flight and, for an owned
 *     executor, its termination, 0 .. 10 min
 */
public record Background(
        boolean enabled,
        Duration recoveryEvery,
        Duration expiryEvery,
        Duration outboxEvery,
        Duration purgeEvery,
        Duration initialDelay,
        Duration maxBackoff,
        int expiryBatches,
        Duration shutdownTimeout) {

    /** Name of the recovery task ({@link OrderService#recover()}). */
    public static final String RECOVERY = "recovery";

    /** Name of the expiry task ({@link StockLedger#expireDue(int)}). */
    public static final String EXPIRY = "expiry";

    /** Name of the outbox publishing task ({@link OrderKit.Builder#outboxPublishing(BackgroundTask)}). */
    public static final String OUTBOX = "outbox";

    /**
     * Name of the payment workers' task: the kit's {@link AsyncPlacement#workers()} drive accepted
     * orders ({@link OrderService#submit}) and stuck placements through payment, polling every
     * {@link AsyncPlacement#pollEvery()}. While it runs, {@link OrderService#recover()} leaves
     * placements to it.
     */
    public static final String PAYMENTS = "payments";

    /** Name of the retention purge task ({@link OrderKit#purge()}). */
    public static final String PURGE = "purge";

    private static final Duration MIN_PERIOD = Duration.ofMillis(10);
    private static final Duration MAX_PERIOD = Duration.ofDays(1);

    /** Validates every field; an invalid one throws {@link InvalidRequestException} naming it. */
    public Background {
        Check.ttl(recoveryEvery, "recoveryEvery", MIN_PERIOD, MAX_PERIOD);
        Check.ttl(expiryEvery, "expiryEvery", MIN_PERIOD, MAX_PERIOD);
        Check.ttl(outboxEvery, "outboxEvery", MIN_PERIOD, MAX_PERIOD);
        Check.ttl(purgeEvery, "purgeEvery", MIN_PERIOD, MAX_PERIOD);
        Check.ttl(initialDelay, "initialDelay", Duration.ZERO, Duration.ofHours(1));
        Check.ttl(maxBackoff, "maxBackoff", MIN_PERIOD, MAX_PERIOD);
        if (expiryBatches < 1 || expiryBatches > 1000) {
            throw new InvalidRequestException("expiryBatches", expiryBatches, "must be between 1 and 1000");
        }
        Check.ttl(shutdownTimeout, "shutdownTimeout", Duration.ZERO, Duration.ofMinutes(10));
    }

    /**
     * Background work on, with the default periods: recovery every 30 s, expiry every 5 s (10
     * batches per run), outbox publishing every 1 s, purge every 10 min; first runs after 5 s plus
     * up to one period of jitter; failures back off up to 5 min; {@code close()} waits up to 10 s.
     *
     * @return the settings
     */
    public static Background on() {
        return new Background(
                true,
                Duration.ofSeconds(30),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofMinutes(10),
                Duration.ofSeconds(5),
                Duration.ofMinutes(5),
                10,
                Duration.ofSeconds(10));
    }

    /**
     * Background work off (the default): the kit starts no thread; run {@link OrderService#recover()}
     * and {@link StockLedger#expireDue(int)} on your own schedule.
     *
     * @return the settings (the periods are those of {@link #on()})
     */
    public static Background off() {
        return on().withEnabled(false);
    }

    /**
     * A copy with another {@code enabled}.
     *
     * @param value whether background work runs
     * @return the copy
     */
    public Background withEnabled(boolean value) {
        return new Background(
                value,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                initialDelay,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another recovery period.
     *
     * @param value 10 ms .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withRecoveryEvery(Duration value) {
        return new Background(
                enabled,
                value,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                initialDelay,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another expiry period.
     *
     * @param value 10 ms .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withExpiryEvery(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                value,
                outboxEvery,
                purgeEvery,
                initialDelay,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another outbox publishing period.
     *
     * @param value 10 ms .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withOutboxEvery(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                value,
                purgeEvery,
                initialDelay,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another purge period.
     *
     * @param value 10 ms .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withPurgeEvery(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                value,
                initialDelay,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another fixed part of the first delay.
     *
     * @param value 0 .. 1 h
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withInitialDelay(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                value,
                maxBackoff,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another backoff cap.
     *
     * @param value 10 ms .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withMaxBackoff(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                initialDelay,
                value,
                expiryBatches,
                shutdownTimeout);
    }

    /**
     * A copy with another number of expiry batches per run.
     *
     * @param value 1 .. 1,000
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withExpiryBatches(int value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                initialDelay,
                maxBackoff,
                value,
                shutdownTimeout);
    }

    /**
     * A copy with another shutdown timeout.
     *
     * @param value 0 .. 10 min
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public Background withShutdownTimeout(Duration value) {
        return new Background(
                enabled,
                recoveryEvery,
                expiryEvery,
                outboxEvery,
                purgeEvery,
                initialDelay,
                maxBackoff,
                expiryBatches,
                value);
    }
}
