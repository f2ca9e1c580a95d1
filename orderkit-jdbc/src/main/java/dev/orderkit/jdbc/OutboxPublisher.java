package dev.orderkit.jdbc;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OutboxEntry;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.jdbc.internal.JdbcOutboxStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the events the JDBC backend wrote to the outbox table (order events from
 * {@code OrderStore.insert/update} and stock events from every stock change, each in the
 * transaction of its change) to an {@link EventSink}: core's {@link OutboxRelay} over the table's
 * claim and mark primitives.
 *
 * <p>Each round claims a bounded batch of due rows in one short transaction that first locks the
 * {@code outbox_lock} row (schema v10), so claims of several publishers (threads or application
 * instances) never interleave and never deliver the same claimed batch twice. Events of one
 * aggregate (their {@code subject_id}: an order, a reservation, a stock level) are delivered in
 * commit order: a row is claimable only while no earlier pending row of its aggregate is claimed
 * or waiting for a retry. Delivered rows are marked {@code SENT}; a failed delivery is retried
 * later with exponential backoff and jitter and holds back the later events of its aggregate
 * only; after {@link Settings#maxAttempts()} attempts the row is marked {@code DEAD} (a dead
 * letter: listed by {@link #deadLetters(int)}, back into delivery with {@link #redrive(String)}).
 *
 * <p>Delivery is at least once: a publisher that dies after the sink accepted an event but before
 * it marked the row is redelivered by another publisher after the claim expires. Sinks must
 * de-duplicate by {@link OrderKitEvent#id()}. Thread-safe.
 *
 * <p>Two ways to run it: give it to the kit's background runner
 * ({@code OrderKit.builder().background(Background.on()).outboxPublishing(publisher)}: one round
 * every {@code Background.outboxEvery()}, stopped by {@code OrderKit.close()}), or {@link #start()}
 * its own thread. Not both.
 */
public final class OutboxPublisher implements BackgroundTask, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutboxPublisher.class);

    /**
     * Publisher settings.
     *
     * @param batchSize rows claimed per round, 1..10,000
     * @param maxAttempts deliveries tried before a row is dead-lettered, at least 1
     * @param baseBackoff delay after the first failure (doubles per attempt)
     * @param maxBackoff cap of the delay
     * @param claimTimeout how long a claim keeps other publishers away (longer than a batch delivery)
     * @param pollInterval pause between rounds of {@link #start()} when the outbox is empty
     */
    public record Settings(
            int batchSize,
            int maxAttempts,
            Duration baseBackoff,
            Duration maxBackoff,
            Duration claimTimeout,
            Duration pollInterval) {
        /** Validates the settings. */
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
            Objects.requireNonNull(pollInterval, "pollInterval");
            if (claimTimeout.isNegative() || claimTimeout.isZero()) {
                throw new IllegalArgumentException("claimTimeout must be positive");
            }
        }

        /**
         * Defaults: batches of 100, 10 attempts, backoff 1 s doubling up to 5 min, claims of 1 min,
         * polling every 500 ms.
         *
         * @return the defaults
         */
        public static Settings defaults() {
            return new Settings(
                    100,
                    10,
                    Duration.ofSeconds(1),
                    Duration.ofMinutes(5),
                    Duration.ofMinutes(1),
                    Duration.ofMillis(500));
        }
    }

    private final Db db;
    private final Settings settings;
    private final OutboxRelay relay;
    private @Nullable ScheduledExecutorService scheduler;

    OutboxPublisher(Db db, EventSink sink, Settings settings, Clock clock, Instrumentation instrumentation) {
        this.db = db;
        this.settings = Objects.requireNonNull(settings, "settings");
        this.relay = new OutboxRelay(
                new JdbcOutboxStore(db),
                Objects.requireNonNull(sink, "sink"),
                new OutboxRelay.Settings(
                        settings.batchSize(),
                        settings.maxAttempts(),
                        settings.baseBackoff(),
                        settings.maxBackoff(),
                        settings.claimTimeout()),
                Objects.requireNonNull(clock, "clock"),
                instrumentation);
    }

    /**
     * The relay this publisher runs (core's delivery decisions over this backend's outbox table).
     *
     * @return the relay
     */
    public OutboxRelay relay() {
        return relay;
    }

    /**
     * Runs one round: claims up to {@code batchSize} due events, delivers them in order and
     * records each outcome.
     *
     * @return the number of events delivered to the sink
     * @throws BackendUnavailableException if the database fails (nothing is lost: unmarked rows
     *                                     become claimable again after the claim timeout)
     * @throws ConcurrencyConflictException if the database rolled the claim of the batch back (a
     *     deadlock; nothing claimed): run the round again. {@link #start()}'s loop does, after
     *     {@code pollInterval}
     */
    public int publishPending() {
        return relay.runOnce();
    }

    /**
     * One round for the kit's background runner: {@link #publishPending()}.
     *
     * @return the number of events delivered
     * @throws BackendUnavailableException if the database fails
     * @throws ConcurrencyConflictException if the claim of the batch was rolled back
     */
    @Override
    public int runOnce() {
        return publishPending();
    }

    /**
     * Counts outbox rows in a status.
     *
     * @param status {@code PENDING}, {@code SENT} or {@code DEAD}
     * @return the count
     * @throws BackendUnavailableException if the database fails
     */
    public long count(String status) {
        return relay.count(OutboxStore.Status.valueOf(status));
    }

    /**
     * The dead-lettered events, oldest first.
     *
     * @param limit maximum number
     * @return the events
     * @throws BackendUnavailableException if the database fails
     */
    public List<OrderKitEvent> deadLetters(int limit) {
        return relay.deadLetters(limit).stream().map(OutboxEntry::event).toList();
    }

    /**
     * Puts a dead-lettered event back into delivery (due now, attempts reset); a later round
     * delivers it with its original id.
     *
     * @param eventId the event id
     * @return true if a dead letter with that id was redriven
     * @throws BackendUnavailableException if the database fails
     */
    public boolean redrive(String eventId) {
        return relay.redrive(eventId);
    }

    /**
     * Starts a background thread that runs rounds until {@link #close()}: immediately again after
     * a full batch, after {@code pollInterval} otherwise or after a database failure.
     *
     * @throws IllegalStateException if already started
     */
    public synchronized void start() {
        if (scheduler != null) {
            throw new IllegalStateException("already started");
        }
        scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "orderkit-outbox-" + db.prefix());
            t.setDaemon(true);
            return t;
        });
        scheduler.execute(this::loop);
    }

    private void loop() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
        }
        if (s == null || s.isShutdown()) {
            return;
        }
        long delay = settings.pollInterval().toMillis();
        try {
            if (publishPending() >= settings.batchSize()) {
                delay = 0;
            }
        } catch (RuntimeException e) {
            LOG.warn("outbox round failed; retrying in {} ms", delay, e);
        }
        try {
            s.schedule(this::loop, delay, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
            // closed meanwhile
        }
    }

    /** Stops the background thread started by {@link #start()} (waits up to 5 s for the current round). */
    @Override
    public void close() {
        ScheduledExecutorService s;
        synchronized (this) {
            s = scheduler;
            scheduler = null;
        }
        if (s != null) {
            s.shutdownNow();
            try {
                s.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
