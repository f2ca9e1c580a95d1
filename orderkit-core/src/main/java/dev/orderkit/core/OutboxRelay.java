package dev.orderkit.core;

import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the events a backend recorded in its outbox ({@link OutboxStore}) to an
 * {@link EventSink}, at least once, in commit order per aggregate. The decisions live here; the
 * backend only claims and marks.
 *
 * <p>A round ({@link #runOnce()}) claims a bounded batch of due events (the store never hands out
 * an event while an earlier event of its aggregate is claimed elsewhere or waiting for a retry) and
 * delivers them in sequence order. A delivered event is marked {@code SENT}. A failed delivery is
 * retried after an exponential backoff with jitter ({@link Settings#baseBackoff()} doubling up to
 * {@link Settings#maxBackoff()}, ±20 %), and the later events of its aggregate in the batch are
 * handed back unsent, so they wait for it: a failing event holds back its own aggregate only, the
 * others keep flowing. After {@link Settings#maxAttempts()} failed deliveries the event becomes a
 * dead letter ({@code DEAD}): it no longer holds its aggregate back, is listed by
 * {@link #deadLetters(int)} and goes back into delivery with {@link #redrive(String)} (after the
 * aggregate's later events, which were delivered meanwhile).
 *
 * <p>At least once: a relay that dies after the sink accepted an event but before marking it
 * leaves the claim to expire ({@link Settings#claimTimeout()}); another round then delivers it
 * again, with the same {@code OrderKitEvent#id()}. Sinks de-duplicate by id.
 *
 * <p>Thread-safe: any number of relays (threads, processes) may run rounds on one store. Run it
 * as the kit's background task ({@code OrderKit.Builder#outboxPublishing}) or call
 * {@link #runOnce()} yourself.
 */
public final class OutboxRelay implements BackgroundTask {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);

    /**
     * Relay settings.
     *
     * @param batchSize events claimed per round, 1..10,000
     * @param maxAttempts deliveries tried before an event is dead-lettered, at least 1
     * @param baseBackoff delay after the first failure (doubles per attempt)
     * @param maxBackoff cap of the delay
     * @param claimTimeout how long a claim keeps other relays away (longer than a batch delivery)
     */
    public record Settings(
            int batchSize, int maxAttempts, Duration baseBackoff, Duration maxBackoff, Duration claimTimeout) {
        /**
         * Validates the settings.
         *
         * @throws IllegalArgumentException if a number is out of range or a duration negative
         */
        public Settings {
            if (batchSize < 1 || batchSize > 10_000) {
                throw new IllegalArgumentException("batchSize must be 1..10000: " + batchSize);
            }
            if (maxAttempts < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1: " + maxAttempts);
            }
            Objects.requireNonNull(baseBackoff, "baseBackoff");
            Objects.requireNonNull(maxBackoff, "maxBackoff");
            Objects.requireNonNull(claimTimeout, "claimTimeout");
            if (baseBackoff.isNegative() || maxBackoff.isNegative()) {
                throw new IllegalArgumentException("backoff must not be negative");
            }
            if (claimTimeout.isNegative() || claimTimeout.isZero()) {
                throw new IllegalArgumentException("claimTimeout must be positive");
            }
        }

        /**
         * Defaults: batches of 100, 10 attempts, backoff 1 s doubling up to 5 min, claims of 1 min.
         *
         * @return the defaults
         */
        public static Settings defaults() {
            return new Settings(100, 10, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(1));
        }
    }

    /** What one round did. */
    private record Round(int claimed, int delivered) {}

    private final OutboxStore store;
    private final EventSink sink;
    private final Settings settings;
    private final Clock clock;
    private final Instrumentation instrumentation;

    /**
     * Creates a relay.
     *
     * @param store the backend's outbox
     * @param sink where events go
     * @param settings retry and batch settings
     * @param clock time of claims, backoffs and marks
     * @param instrumentation receives each round's counts ({@link Instrumentation#outboxRound})
     */
    public OutboxRelay(
            OutboxStore store, EventSink sink, Settings settings, Clock clock, Instrumentation instrumentation) {
        this.store = Objects.requireNonNull(store, "store");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.instrumentation = Objects.requireNonNull(instrumentation, "instrumentation");
    }

    /**
     * A relay with default settings, the system UTC clock and no instrumentation.
     *
     * @param store the backend's outbox
     * @param sink where events go
     */
    public OutboxRelay(OutboxStore store, EventSink sink) {
        this(store, sink, Settings.defaults(), Clock.systemUTC(), Instrumentation.noop());
    }

    /**
     * The store this relay delivers from.
     *
     * @return the store
     */
    public OutboxStore store() {
        return store;
    }

    /**
     * Runs one round: claims up to {@code batchSize} due events, delivers them in order and
     * records each outcome.
     *
     * @return the number of events delivered to the sink
     * @throws BackendUnavailableException if the store fails (nothing is lost: unmarked events
     *     become claimable again when the claim expires)
     */
    @Override
    public int runOnce() {
        return round().delivered();
    }

    /**
     * Runs rounds until one claims nothing (or {@code maxRounds} ran): delivers everything due now.
     *
     * @param maxRounds the most rounds to run, at least 1
     * @return the number of events delivered
     * @throws BackendUnavailableException if the store fails
     */
    public int drain(int maxRounds) {
        int delivered = 0;
        for (int i = 0; i < maxRounds; i++) {
            Round r = round();
            delivered += r.delivered();
            if (r.claimed() == 0 || r.delivered() == 0) {
                break;
            }
        }
        return delivered;
    }

    private Round round() {
        Instant now = clock.instant();
        List<OutboxEntry> claimed = store.claim(now, settings.batchSize(), now.plus(settings.claimTimeout()));
        int delivered = 0;
        int failures = 0;
        int dead = 0;
        Duration lag = claimed.isEmpty()
                ? Duration.ZERO
                : positive(Duration.between(claimed.get(0).createdAt(), now));
        Set<String> held = new HashSet<>();
        for (OutboxEntry e : claimed) {
            if (held.contains(e.aggregateId())) {
                store.unclaim(e); // an earlier event of its aggregate failed: it waits for that one
                continue;
            }
            try {
                sink.publish(e.event());
            } catch (RuntimeException ex) {
                held.add(e.aggregateId());
                failures++;
                if (failed(e, ex)) {
                    dead++;
                }
                continue;
            }
            store.markSent(e, clock.instant());
            delivered++;
        }
        instrumentation.outboxRound(delivered, failures, dead, lag);
        return new Round(claimed.size(), delivered);
    }

    private static Duration positive(Duration d) {
        return d.isNegative() ? Duration.ZERO : d;
    }

    /** Records a failed delivery; true if the event is now a dead letter. */
    private boolean failed(OutboxEntry e, RuntimeException cause) {
        int attempts = e.attempts() + 1;
        boolean dead = attempts >= settings.maxAttempts();
        long delayMs = backoffMillis(attempts);
        String msg = String.valueOf(cause);
        if (msg.length() > 1000) {
            msg = msg.substring(0, 1000);
        }
        if (dead) {
            LOG.error(
                    "outbox event {} dead-lettered after {} attempts", e.event().id(), attempts, cause);
        } else {
            LOG.warn(
                    "outbox event {} failed (attempt {}), retrying in {} ms; its aggregate waits",
                    e.event().id(),
                    attempts,
                    delayMs,
                    cause);
        }
        store.markFailed(e, attempts, clock.instant().plusMillis(delayMs), dead, msg);
        return dead;
    }

    /** The delay after the {@code attempts}-th failure: base × 2^(attempts-1), capped, ±20 %. */
    long backoffMillis(int attempts) {
        long base = settings.baseBackoff().toMillis();
        long delay = Math.min(settings.maxBackoff().toMillis(), base * (1L << Math.min(30, attempts - 1)));
        return (long) (delay * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
    }

    /**
     * The dead letters, oldest first.
     *
     * @param limit maximum number, at least 1
     * @return the entries with their attempt counts and last errors
     * @throws IllegalArgumentException if {@code limit < 1}
     * @throws BackendUnavailableException if the store fails
     */
    public List<OutboxEntry> deadLetters(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be >= 1: " + limit);
        }
        return store.deadLetters(limit);
    }

    /**
     * Puts a dead letter back into delivery (due now, attempts reset); the next round delivers it
     * with its original id.
     *
     * @param eventId the event id
     * @return true if a dead letter with that id was redriven, false if there is none
     * @throws BackendUnavailableException if the store fails
     */
    public boolean redrive(String eventId) {
        Objects.requireNonNull(eventId, "eventId");
        return store.redrive(eventId, clock.instant());
    }

    /**
     * Counts the events in a status.
     *
     * @param status the status
     * @return the count
     * @throws BackendUnavailableException if the store fails
     */
    public long count(OutboxStore.Status status) {
        return store.count(Objects.requireNonNull(status, "status"));
    }
}
