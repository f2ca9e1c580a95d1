package dev.orderkit.stripe;

import java.time.Duration;
import java.time.Instant;

/**
 * SPI: remembers which webhook events were processed, so a redelivered event (Stripe delivers
 * at least once) is acknowledged without acting twice. Implementations must be thread-safe and,
 * when shared by several processes, make {@link #claim} atomic across them (e.g. an insert on a
 * unique key, or {@code SET NX PX} in Redis).
 *
 * <p>Protocol: {@code claim} → process → {@code complete}; if processing fails, {@code release}
 * so a redelivery can try again. A claim whose holder died expires after its lease.
 */
public interface WebhookInbox {

    /** Answer of {@link #claim}. */
    enum Claim {
        /** The caller now owns the event and must process it, then complete or release it. */
        ACQUIRED,
        /** Another caller is processing the event right now (its lease has not expired). */
        IN_PROGRESS,
        /** The event was processed already. */
        DONE
    }

    /**
     * Atomically claims an event for processing.
     *
     * @param eventId Stripe's event id ({@code evt_...})
     * @param now current time
     * @param lease how long the claim holds if never completed or released
     * @return the claim outcome
     */
    Claim claim(String eventId, Instant now, Duration lease);

    /**
     * Marks a claimed event as processed; later claims answer {@link Claim#DONE}.
     *
     * @param eventId the event id
     * @param now current time (start of the retention period)
     */
    void complete(String eventId, Instant now);

    /**
     * Gives up a claim without completing it, so a redelivery processes the event.
     *
     * @param eventId the event id
     */
    void release(String eventId);
}
