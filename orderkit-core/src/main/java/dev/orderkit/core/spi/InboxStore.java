package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.InvalidRequestException;
import java.time.Duration;
import java.time.Instant;

/**
 * A message inbox: remembers which inbound messages (webhook deliveries, queue messages) were
 * processed, so a redelivered message — every at-least-once transport redelivers — is acknowledged
 * without acting twice, even when the delivery and its retry reach different application instances.
 *
 * <p>Protocol: {@link #claim} → process → {@link #complete}; if processing fails, {@link #release}
 * so a redelivery can try again at once. A claim whose holder died (never completed nor released)
 * expires after its lease and is then taken over by the next claim. Completed records are kept
 * until {@link #purgeCompleted} deletes them: choose a purge bound longer than the transport's
 * redelivery window (Stripe retries for up to three days).
 *
 * <p>Message ids are opaque, case-sensitive strings of 1..255 characters. One store may serve
 * several transports, so callers namespace their ids (the Stripe webhook handler uses
 * {@code stripe:<event id>}).
 *
 * <p><b>Thread-safety and atomicity.</b> Implementations are thread-safe, and every method is atomic
 * across all threads <em>and processes</em> sharing the backend: of any number of concurrent
 * {@code claim}s of one id whose record is absent, expired or released, exactly one answers
 * {@link Claim#ACQUIRED} (an insert on a unique key plus a conditional update in SQL, a Lua script
 * in Redis), and a claim that cannot tell its answer because another caller changed the record
 * meanwhile says so ({@link Claim#CONFLICT}) instead of retrying: retry decisions belong to the
 * caller. Time comes only from the {@code now} arguments, never from a server clock, and
 * instants are kept with at least millisecond precision. Infrastructure failures are thrown as
 * {@link BackendUnavailableException}. Every method rejects a {@code null} argument with
 * {@link NullPointerException} and an id outside 1..255 characters with
 * {@link InvalidRequestException} naming the field {@code messageId}.
 *
 * <p>This inbox does not fence: {@code complete} and {@code release} do not check who holds the
 * claim. A holder that outlives its lease may therefore complete a message another instance took
 * over; the effect of processing must itself be idempotent (as {@code OrderService.applyPaymentUpdate}
 * is), the inbox only removes the redundant work.
 */
public interface InboxStore {

    /** Largest accepted message id length, in Java {@code char}s. */
    int MAX_MESSAGE_ID_LENGTH = 255;

    /** Answer of {@link #claim}. */
    enum Claim {
        /** The caller now owns the message and must process it, then complete or release it. */
        ACQUIRED,
        /** Another caller is processing the message right now (its lease has not expired). */
        IN_PROGRESS,
        /** The message was processed already. */
        DONE,
        /**
         * Lost a race, nothing written: the record changed between the steps of a claim that is not
         * one atomic operation (found held, then found released or lapsed a moment later), so the
         * claim cannot tell which answer holds. Claim again. Backends with an
         * atomic claim (in-memory, Redis) never answer it; the JDBC store does, rarely. Callers retry
         * it under their conflict budget ({@code RetrySettings.conflictMaxRetries()} and its delays,
         * as the Stripe webhook handler does); the store itself never loops.
         */
        CONFLICT
    }

    /**
     * Atomically claims a message for processing.
     * <ul>
     *   <li>no record, an expired lease ({@code leaseUntil <= now}) or a released claim → record a
     *       lease until {@code now + lease} → {@link Claim#ACQUIRED}</li>
     *   <li>a live lease ({@code leaseUntil > now}) → {@link Claim#IN_PROGRESS}</li>
     *   <li>a completed record (until purged) → {@link Claim#DONE}</li>
     *   <li>a record that changed while a non-atomic claim looked at it → {@link Claim#CONFLICT}
     *       (nothing written; claim again)</li>
     * </ul>
     *
     * @param messageId the namespaced message id, 1..255 characters
     * @param now current time
     * @param lease how long the claim holds if never completed or released (positive)
     * @return the claim outcome
     * @throws InvalidRequestException if the id is empty or too long, or the lease is not positive
     * @throws BackendUnavailableException if the backend failed
     */
    Claim claim(String messageId, Instant now, Duration lease);

    /**
     * Marks a message as processed: later claims answer {@link Claim#DONE} until the record is
     * purged. Idempotent; creates the record if it is absent (e.g. purged or never claimed), and
     * keeps the first completion time if it is already complete.
     *
     * @param messageId the message id, 1..255 characters
     * @param now current time (the completion time, compared by {@link #purgeCompleted})
     * @throws InvalidRequestException if the id is empty or too long
     * @throws BackendUnavailableException if the backend failed
     */
    void complete(String messageId, Instant now);

    /**
     * Gives up a claim without completing it, so the next claim acquires the message immediately.
     * No effect on a completed or absent record.
     *
     * @param messageId the message id, 1..255 characters
     * @throws InvalidRequestException if the id is empty or too long
     * @throws BackendUnavailableException if the backend failed
     */
    void release(String messageId);

    /**
     * Deletes up to {@code limit} completed records whose completion time is strictly before
     * {@code olderThan}. Records in progress or released are never deleted. Run it periodically
     * (e.g. daily with {@code olderThan = now - 4 days}); call again while it returns {@code limit}.
     *
     * @param olderThan exclusive upper bound of the completion times to delete
     * @param limit maximum number of records to delete, at least 1
     * @return the number of records deleted
     * @throws InvalidRequestException if {@code limit} is below 1
     * @throws BackendUnavailableException if the backend failed
     */
    int purgeCompleted(Instant olderThan, int limit);

    /**
     * Validates a message id (shared by the implementations).
     *
     * @param messageId the id
     * @return the id
     * @throws NullPointerException if {@code null}
     * @throws InvalidRequestException if empty or longer than {@value #MAX_MESSAGE_ID_LENGTH} characters
     */
    static String checkMessageId(String messageId) {
        if (messageId == null) {
            throw new NullPointerException("messageId must not be null");
        }
        if (messageId.isEmpty() || messageId.length() > MAX_MESSAGE_ID_LENGTH) {
            throw new InvalidRequestException(
                    "messageId",
                    messageId,
                    "must be 1.." + MAX_MESSAGE_ID_LENGTH + " characters (was " + messageId.length() + ")");
        }
        return messageId;
    }

    /**
     * Validates a lease (shared by the implementations).
     *
     * @param lease the lease
     * @return the lease
     * @throws NullPointerException if {@code null}
     * @throws InvalidRequestException if zero or negative
     */
    static Duration checkLease(Duration lease) {
        if (lease == null) {
            throw new NullPointerException("lease must not be null");
        }
        if (lease.isZero() || lease.isNegative()) {
            throw new InvalidRequestException("lease", lease, "must be positive");
        }
        return lease;
    }

    /**
     * Validates a purge limit (shared by the implementations).
     *
     * @param limit the limit
     * @return the limit
     * @throws InvalidRequestException if below 1
     */
    static int checkLimit(int limit) {
        if (limit < 1) {
            throw new InvalidRequestException("limit", limit, "must be at least 1");
        }
        return limit;
    }
}
