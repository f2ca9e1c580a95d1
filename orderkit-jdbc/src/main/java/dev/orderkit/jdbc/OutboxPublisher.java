package dev.orderkit.jdbc;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.BackgroundTask;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.internal.Codec;
import dev.orderkit.jdbc.internal.Db;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jdbi.v3.core.Handle;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers the events that {@code OrderStore.insert/update} wrote to the outbox table (in the
 * same transaction as the order change) to an {@link EventSink}.
 *
 * <p>Each round claims a bounded batch of due rows: a short transaction selects candidates
 * ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL and MySQL/MariaDB) and stamps them with a fresh
 * claim token and a claim expiry through a conditional update, so several publishers (threads or
 * application instances) never deliver the same claimed batch twice. Delivered rows are marked
 * {@code SENT}; a failed delivery is retried later with exponential backoff and jitter, and after
 * {@link Settings#maxAttempts()} attempts the row is marked {@code DEAD} (dead letter, kept for
 * inspection). Within a batch, once an event of a subject fails, the later events of that subject
 * wait for the next round, so one subject's events are delivered in order.
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
    private final EventSink sink;
    private final Settings settings;
    private final Clock clock;
    private @Nullable ScheduledExecutorService scheduler;
    private final Instrumentation instrumentation;

    OutboxPublisher(Db db, EventSink sink, Settings settings, Clock clock, Instrumentation instrumentation) {
        this.instrumentation = instrumentation;
        this.db = db;
        this.sink = Objects.requireNonNull(sink, "sink");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    private record Row(long id, String subject, String payload, int attempts, long createdAt) {}

    /**
     * Runs one round: claims up to {@code batchSize} due events, delivers them in id order and
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
        Instant now = clock.instant();
        long nowN = Db.nanos(now);
        String token = UUID.randomUUID().toString();
        String lock = db.dialect().supportsSkipLocked() ? " FOR UPDATE SKIP LOCKED" : "";
        List<Row> rows = db.tx("claim outbox batch", tx -> {
            Handle h = tx.handle();
            List<Long> ids = h.createQuery(db.sql("SELECT id FROM {p}outbox WHERE status = 'PENDING' "
                            + "AND next_attempt_at <= :now AND (claimed_until IS NULL OR claimed_until <= :now) "
                            + "ORDER BY id LIMIT :lim" + lock))
                    .bind("now", nowN)
                    .bind("lim", settings.batchSize())
                    .mapTo(Long.class)
                    .list();
            if (ids.isEmpty()) {
                return List.of();
            }
            StringBuilder in = new StringBuilder();
            for (int i = 0; i < ids.size(); i++) {
                in.append(i == 0 ? "" : ", ").append(":i").append(i);
            }
            var u = h.createUpdate(db.sql("UPDATE {p}outbox SET claim_token = :tok, claimed_until = :until "
                    + "WHERE id IN (" + in + ") AND status = 'PENDING' "
                    + "AND (claimed_until IS NULL OR claimed_until <= :now)"));
            for (int i = 0; i < ids.size(); i++) {
                u.bind("i" + i, ids.get(i));
            }
            u.bind("tok", token)
                    .bind("until", Db.nanos(now.plus(settings.claimTimeout())))
                    .bind("now", nowN)
                    .execute();
            return h.createQuery(db.sql("SELECT id, subject_id, payload, attempts, created_at FROM {p}outbox "
                            + "WHERE claim_token = :tok AND status = 'PENDING' ORDER BY id"))
                    .bind("tok", token)
                    .map((rs, ctx) -> new Row(
                            rs.getLong("id"),
                            rs.getString("subject_id"),
                            rs.getString("payload"),
                            rs.getInt("attempts"),
                            rs.getLong("created_at")))
                    .list();
        });
        int delivered = 0;
        int failures = 0;
        int dead = 0;
        // the age of the oldest claimed event (rows come in id order, the oldest first)
        Duration lag = rows.isEmpty()
                ? Duration.ZERO
                : Duration.ofNanos(Math.max(0, nowN - rows.get(0).createdAt()));
        Set<String> failedSubjects = new HashSet<>();
        for (Row r : rows) {
            if (failedSubjects.contains(r.subject())) {
                unclaim(r, token);
                continue;
            }
            try {
                sink.publish(Codec.read(r.payload(), OrderKitEvent.class));
            } catch (RuntimeException e) {
                failedSubjects.add(r.subject());
                failures++;
                if (failed(r, token, e)) {
                    dead++;
                }
                continue;
            }
            db.read(
                    "mark outbox row sent",
                    tx -> tx.handle()
                            .createUpdate(db.sql("UPDATE {p}outbox SET status = 'SENT', "
                                    + "sent_at = :now, attempts = attempts + 1, "
                                    + "claim_token = NULL, claimed_until = NULL "
                                    + "WHERE id = :id AND claim_token = :tok"))
                            .bind("now", Db.nanos(clock.instant()))
                            .bind("id", r.id())
                            .bind("tok", token)
                            .execute());
            delivered++;
        }
        instrumentation.outboxRound(delivered, failures, dead, lag);
        return delivered;
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

    private void unclaim(Row r, String token) {
        db.read(
                "unclaim outbox row",
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}outbox SET claim_token = NULL, claimed_until = NULL "
                                + "WHERE id = :id AND claim_token = :tok"))
                        .bind("id", r.id())
                        .bind("tok", token)
                        .execute());
    }

    /** Records a failed delivery; true if the event is now a dead letter. */
    private boolean failed(Row r, String token, RuntimeException e) {
        int attempts = r.attempts() + 1;
        boolean dead = attempts >= settings.maxAttempts();
        long delayMs = Math.min(
                settings.maxBackoff().toMillis(),
                settings.baseBackoff().toMillis() * (1L << Math.min(30, attempts - 1)));
        delayMs = (long) (delayMs * (0.8 + 0.4 * ThreadLocalRandom.current().nextDouble()));
        String msg = String.valueOf(e);
        if (msg.length() > 1000) {
            msg = msg.substring(0, 1000);
        }
        if (dead) {
            LOG.error("outbox event {} dead-lettered after {} attempts", r.id(), attempts, e);
        } else {
            LOG.warn("outbox event {} failed (attempt {}), retrying in {} ms", r.id(), attempts, delayMs, e);
        }
        String error = msg;
        long next = Db.nanos(clock.instant().plusMillis(delayMs));
        db.read(
                "record outbox failure",
                tx -> tx.handle()
                        .createUpdate(db.sql("UPDATE {p}outbox SET status = :status, "
                                + "attempts = :a, next_attempt_at = :next, "
                                + "last_error = :err, claim_token = NULL, claimed_until "
                                + "= NULL WHERE id = :id AND claim_token = :tok"))
                        .bind("status", dead ? "DEAD" : "PENDING")
                        .bind("a", attempts)
                        .bind("next", next)
                        .bind("err", error)
                        .bind("id", r.id())
                        .bind("tok", token)
                        .execute());
        return dead;
    }

    /**
     * Counts outbox rows in a status.
     *
     * @param status {@code PENDING}, {@code SENT} or {@code DEAD}
     * @return the count
     * @throws BackendUnavailableException if the database fails
     */
    public long count(String status) {
        return db.read(
                "count outbox rows",
                tx -> tx.handle()
                        .createQuery(db.sql("SELECT COUNT(*) FROM {p}outbox WHERE status = :s"))
                        .bind("s", status)
                        .mapTo(Long.class)
                        .one());
    }

    /**
     * The dead-lettered events, oldest first.
     *
     * @param limit maximum number
     * @return the events
     * @throws BackendUnavailableException if the database fails
     */
    public List<OrderKitEvent> deadLetters(int limit) {
        return db
                .read(
                        "read dead letters",
                        tx -> tx.handle()
                                .createQuery(db.sql(
                                        "SELECT payload FROM {p}outbox WHERE status = 'DEAD' ORDER BY id LIMIT :lim"))
                                .bind("lim", limit)
                                .mapTo(String.class)
                                .list())
                .stream()
                .map(p -> Codec.read(p, OrderKitEvent.class))
                .toList();
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
