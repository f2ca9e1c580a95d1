package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.time.Duration;
import org.jspecify.annotations.Nullable;

/**
 * How long {@link OrderKit#purge()} keeps finished records before deleting them, so storage stays
 * bounded however long the application runs. Set with {@link OrderKit.Builder#retention}; every
 * window is measured from the record's last change, on the kit's clock. Immutable and thread-safe.
 *
 * <table>
 *   <caption>Defaults ({@link #defaults()})</caption>
 *   <tr><th>what</th><th>kept for</th><th>what purge does after that</th></tr>
 *   <tr><td>{@link #reservations()}</td><td>7 days</td><td>deletes released, expired and fulfilled
 *       reservations with their lines (Redis: headers and parts); held and committed ones are never
 *       touched</td></tr>
 *   <tr><td>{@link #movements()}</td><td>30 days</td><td>folds a level's older movements into one
 *       {@link MovementReason#SNAPSHOT} movement (their sums), keeping the newer ones as they are:
 *       replaying a level's movements still gives its on-hand and reserved. The references of the
 *       {@code adjust} / {@code setOnHand} calls folded away are forgotten with them, so a call is
 *       de-duplicated on its reference for (at least) this long</td></tr>
 *   <tr><td>{@link #sentEvents()}</td><td>7 days</td><td>deletes outbox events already published
 *       ({@code SENT}); pending and dead ones are kept</td></tr>
 *   <tr><td>{@link #inbox()}</td><td>7 days</td><td>deletes completed messages of the kit's
 *       {@link OrderKit.Builder#inboxStore inbox}; keep it longer than the transport redelivers
 *       (Stripe: up to 3 days)</td></tr>
 *   <tr><td>{@link #orders()}</td><td>365 days, only with an {@link #orderArchiver()}</td><td>hands
 *       terminal orders to the archiver, then deletes them; without an archiver (the default)
 *       orders are kept forever: they are the shop's records</td></tr>
 * </table>
 *
 * <p>Completed idempotency keys are purged after {@code OrderKit.Builder#keyRetention} as before.
 * Every window is 1 minute .. 10 years. A purge works in batches of {@link #batchSize()} records
 * and at most {@link #maxBatches()} batches per kind and call, so one call is bounded; a report
 * that is not {@linkplain PurgeReport#complete() complete} says more is left for the next call.
 *
 * <p>A reservation is de-duplicated on its id only while it is kept: {@code reserve} with the id of
 * a purged reservation holds stock again. Keep {@link #reservations()} longer than any order may
 * stay unfinished (an order stuck in {@code CANCELLING} or {@code FULFILLING} needs its
 * reservation to finish).
 *
 * @param reservations how long a terminal reservation is kept after its last change
 * @param movements how long a movement is kept before it is folded into its level's snapshot
 * @param sentEvents how long a published outbox event is kept after it was sent
 * @param inbox how long a completed inbox message is kept after its completion
 * @param orders how long a terminal order is kept after its last change (with an archiver only)
 * @param orderArchiver receives terminal orders before they are deleted; {@code null}: orders are
 *     never deleted
 * @param batchSize records per batch, 1..10,000
 * @param maxBatches batches per kind and {@code purge()} call, 1..10,000
 */
public record Retention(
        Duration reservations,
        Duration movements,
        Duration sentEvents,
        Duration inbox,
        Duration orders,
        @Nullable OrderArchiver orderArchiver,
        int batchSize,
        int maxBatches) {

    private static final Duration MIN = Duration.ofMinutes(1);
    private static final Duration MAX = Duration.ofDays(3650);

    /**
     * Validates every field.
     *
     * @throws InvalidRequestException naming the field when a window is outside 1 minute .. 10
     *     years or a batch setting outside 1..10,000
     */
    public Retention {
        Check.ttl(reservations, "retention.reservations", MIN, MAX);
        Check.ttl(movements, "retention.movements", MIN, MAX);
        Check.ttl(sentEvents, "retention.sentEvents", MIN, MAX);
        Check.ttl(inbox, "retention.inbox", MIN, MAX);
        Check.ttl(orders, "retention.orders", MIN, MAX);
        batchSetting(batchSize, "retention.batchSize");
        batchSetting(maxBatches, "retention.maxBatches");
    }

    private static void batchSetting(int value, String field) {
        if (value < 1 || value > 10_000) {
            throw new InvalidRequestException(field, value, "must be between 1 and 10000");
        }
    }

    /**
     * The defaults: reservations 7 days, movements 30 days, sent events 7 days, inbox 7 days,
     * orders kept (no archiver; 365 days once one is set), batches of 500, at most 20 per kind.
     *
     * @return the defaults
     */
    public static Retention defaults() {
        return new Retention(
                Duration.ofDays(7),
                Duration.ofDays(30),
                Duration.ofDays(7),
                Duration.ofDays(7),
                Duration.ofDays(365),
                null,
                500,
                20);
    }

    /**
     * @param value how long terminal reservations are kept
     * @return a copy with it
     */
    public Retention withReservations(Duration value) {
        return new Retention(value, movements, sentEvents, inbox, orders, orderArchiver, batchSize, maxBatches);
    }

    /**
     * @param value how long movements are kept before they are folded into the snapshot
     * @return a copy with it
     */
    public Retention withMovements(Duration value) {
        return new Retention(reservations, value, sentEvents, inbox, orders, orderArchiver, batchSize, maxBatches);
    }

    /**
     * @param value how long published outbox events are kept
     * @return a copy with it
     */
    public Retention withSentEvents(Duration value) {
        return new Retention(reservations, movements, value, inbox, orders, orderArchiver, batchSize, maxBatches);
    }

    /**
     * @param value how long completed inbox messages are kept
     * @return a copy with it
     */
    public Retention withInbox(Duration value) {
        return new Retention(reservations, movements, sentEvents, value, orders, orderArchiver, batchSize, maxBatches);
    }

    /**
     * Turns order purging on: terminal orders older than {@code keep} are handed to {@code archiver}
     * and then deleted.
     *
     * @param keep how long a terminal order is kept after its last change
     * @param archiver receives each batch before it is deleted
     * @return a copy with it
     */
    public Retention withOrderArchiver(Duration keep, OrderArchiver archiver) {
        Check.notNull(archiver, "retention.orderArchiver");
        return new Retention(reservations, movements, sentEvents, inbox, keep, archiver, batchSize, maxBatches);
    }

    /**
     * @param size records per batch, 1..10,000
     * @param batches batches per kind and call, 1..10,000
     * @return a copy with them
     */
    public Retention withBatches(int size, int batches) {
        return new Retention(reservations, movements, sentEvents, inbox, orders, orderArchiver, size, batches);
    }
}
