package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.time.Duration;

/**
 * Settings of asynchronous placement ({@link OrderService#submit}): the background payment workers
 * that drive accepted orders through authorize → confirm (or decline → release), and the bound of
 * the accepted-but-unpaid backlog ({@link OrderKit.Builder#asyncPlacement}).
 *
 * <p>The workers run with the kit's {@link Background background work} (a task named
 * {@value Background#PAYMENTS}); without it, {@link OrderService#recover()} drives accepted orders
 * instead. The kit checks at build time that {@link #holdTtl()} outlasts the backlog at the
 * {@link PaymentPacing pace}: {@code maxBacklog / permitsPerSecond} plus the lease.
 *
 * <p>Immutable and thread-safe.
 *
 * @param workers payment workers per kit (threads that call the gateway), 1 .. 256
 * @param pollEvery how often an idle kit looks for accepted orders (a submit on this instance wakes
 *     the workers at once; orders accepted by other instances are found by the poll), 10 ms .. 1 min
 * @param maxBacklog orders accepted but not yet paid (placements in flight, every instance
 *     together) beyond which {@link OrderService#submit} answers {@link SubmitResult.Busy}, 1 .. 10,000,000
 * @param holdTtl how long the hold of an accepted order lasts (it must outlast its wait in the
 *     backlog), 1 s .. 1 day, at most the kit's {@link OrderKit.Builder#maxHold maxHold}
 * @param backlogRefresh how long a counted backlog is reused before it is counted again (the
 *     submits of this instance since are added to it), 0 .. 1 min; 0 counts on every submit
 */
public record AsyncPlacement(
        int workers, Duration pollEvery, int maxBacklog, Duration holdTtl, Duration backlogRefresh) {

    /**
     * Validates the settings.
     *
     * @throws InvalidRequestException naming the field that is out of range
     */
    public AsyncPlacement {
        if (workers < 1 || workers > 256) {
            throw new InvalidRequestException("workers", workers, "must be between 1 and 256");
        }
        Check.ttl(pollEvery, "pollEvery", Duration.ofMillis(10), Duration.ofMinutes(1));
        if (maxBacklog < 1 || maxBacklog > 10_000_000) {
            throw new InvalidRequestException("maxBacklog", maxBacklog, "must be between 1 and 10000000");
        }
        Check.ttl(holdTtl, "holdTtl", Duration.ofSeconds(1), Duration.ofDays(1));
        Check.ttl(backlogRefresh, "backlogRefresh", Duration.ZERO, Duration.ofMinutes(1));
    }

    /**
     * The defaults: 4 workers, poll every 200 ms, a backlog of at most 10,000 orders, holds of 30
     * minutes, the backlog counted at most once a second.
     *
     * @return the settings
     */
    public static AsyncPlacement defaults() {
        return new AsyncPlacement(4, Duration.ofMillis(200), 10_000, Duration.ofMinutes(30), Duration.ofSeconds(1));
    }

    /**
     * A copy with another number of workers.
     *
     * @param value 1 .. 256
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public AsyncPlacement withWorkers(int value) {
        return new AsyncPlacement(value, pollEvery, maxBacklog, holdTtl, backlogRefresh);
    }

    /**
     * A copy with another idle poll period.
     *
     * @param value 10 ms .. 1 min
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public AsyncPlacement withPollEvery(Duration value) {
        return new AsyncPlacement(workers, value, maxBacklog, holdTtl, backlogRefresh);
    }

    /**
     * A copy with another backlog bound.
     *
     * @param value 1 .. 10,000,000
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public AsyncPlacement withMaxBacklog(int value) {
        return new AsyncPlacement(workers, pollEvery, value, holdTtl, backlogRefresh);
    }

    /**
     * A copy with another hold time to live.
     *
     * @param value 1 s .. 1 day
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public AsyncPlacement withHoldTtl(Duration value) {
        return new AsyncPlacement(workers, pollEvery, maxBacklog, value, backlogRefresh);
    }

    /**
     * A copy with another backlog refresh period.
     *
     * @param value 0 .. 1 min
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public AsyncPlacement withBacklogRefresh(Duration value) {
        return new AsyncPlacement(workers, pollEvery, maxBacklog, holdTtl, value);
    }
}
