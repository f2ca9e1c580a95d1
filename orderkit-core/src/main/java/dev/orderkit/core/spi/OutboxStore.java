package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import java.time.Instant;
import java.util.List;

/**
 * The delivery primitives of a backend's outbox: the events a backend recorded atomically with its
 * changes (the JDBC outbox table, the in-memory outbox). Core's {@code OutboxRelay} owns every
 * decision (when to retry, how long to back off, when an event becomes a dead letter, which events
 * of a claim wait for an earlier failure); a backend only applies each primitive atomically and
 * answers, like ShedLock's storage accessor.
 *
 * <p>Ordering per aggregate (an event's {@link OutboxEntry#aggregateId()}): a backend records the
 * events of one aggregate in commit order (the change that writes an event holds the aggregate's
 * lock or row while it records it), and {@link #claim} never returns an event while an earlier
 * {@code PENDING} event of its aggregate is claimed by a live claim or not yet due. So at most one
 * claim holds events of an aggregate at a time, its events come in sequence order, and an event
 * that failed (due later) holds back the later events of its aggregate only. Dead letters do not
 * hold their aggregate back.
 *
 * <p>Thread-safe and atomic across every process sharing the backend; infrastructure failures are
 * thrown as {@link BackendUnavailableException}. Every mark is conditional on the claim token, so
 * a publisher whose claim expired (and was taken over) changes nothing.
 */
public interface OutboxStore {

    /** The status of a recorded event. */
    enum Status {
        /** Not delivered yet (or failed and due again later). */
        PENDING,
        /** Delivered. */
        SENT,
        /** Given up on after the relay's last attempt; kept until redriven. */
        DEAD
    }

    /**
     * Claims up to {@code limit} due {@code PENDING} events (next attempt at or before {@code
     * now}, no live claim), in sequence order, skipping any event of an aggregate that has an
     * earlier {@code PENDING} event claimed by a live claim or not due; stamps them with a fresh
     * claim token valid until {@code claimUntil}. Atomic against concurrent claims.
     *
     * @param now current time
     * @param limit maximum number of events, at least 1
     * @param claimUntil the claim's expiry (after it, another claim may take the events)
     * @return the claimed events in sequence order, each with the claim's token
     */
    List<OutboxEntry> claim(Instant now, int limit, Instant claimUntil);

    /**
     * Marks a claimed event delivered ({@code SENT} at {@code now}).
     *
     * @param entry the entry as claimed
     * @param now current time
     * @return false if the claim was lost (nothing written)
     */
    boolean markSent(OutboxEntry entry, Instant now);

    /**
     * Records a failed delivery of a claimed event: its attempt count, its next attempt time and
     * the error, and {@code DEAD} when {@code dead}; the claim is dropped.
     *
     * @param entry the entry as claimed
     * @param attempts failed deliveries including this one
     * @param nextAttemptAt when it is due again (ignored when dead)
     * @param dead whether it becomes a dead letter
     * @param error the failure, at most 1,000 characters
     * @return false if the claim was lost (nothing written)
     */
    boolean markFailed(OutboxEntry entry, int attempts, Instant nextAttemptAt, boolean dead, String error);

    /**
     * Drops the claim of an event left undelivered (it stays {@code PENDING}, due as it was).
     *
     * @param entry the entry as claimed
     */
    void unclaim(OutboxEntry entry);

    /**
     * The dead letters, oldest first.
     *
     * @param limit maximum number, at least 1
     * @return the entries (claim token null)
     */
    List<OutboxEntry> deadLetters(int limit);

    /**
     * Puts a dead letter back into delivery: {@code PENDING}, no failed attempts, due at
     * {@code now}. It keeps its sequence (and its event id).
     *
     * @param eventId the event id
     * @param now current time
     * @return true if a dead letter with that id was redriven
     */
    boolean redrive(String eventId, Instant now);

    /**
     * Counts the recorded events in a status.
     *
     * @param status the status
     * @return the count
     */
    long count(Status status);

    /**
     * Retention primitive: deletes up to {@code limit} {@code SENT} events sent strictly before
     * {@code olderThan}; never a {@code PENDING} or {@code DEAD} one.
     *
     * @param olderThan exclusive upper bound of the send times
     * @param limit maximum number deleted, at least 1
     * @return the number deleted
     */
    int purgeSent(Instant olderThan, int limit);
}
