package dev.orderkit.core.spi;

import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link StockStorage#extend}: every expected outcome is a value, never an exception.
 * Core retries {@link Conflict} and maps {@link Refused} / {@link NotFound} to the public exceptions.
 */
public sealed interface ExtendResult {

    /**
     * This call moved the hold's expiry to the requested instant (atomically with every index the
     * backend keeps by expiry).
     *
     * @param reservation the reservation after the change ({@code expiresAt} = the new expiry)
     */
    record Extended(Reservation reservation) implements ExtendResult {}

    /**
     * Nothing to do: the hold is HELD, not due, and already expires at or after the requested
     * instant (an idempotent repeat, or a request to shorten, which extension never does).
     *
     * @param reservation the reservation as it is
     */
    record Unchanged(Reservation reservation) implements ExtendResult {}

    /**
     * The hold cannot be extended; nothing changed: it is no longer HELD ({@code due == false},
     * {@code reservation.state()} says what it is), or it is HELD but due at {@code now}
     * ({@code expiresAt <= now}), or EXPIRED ({@code due == true} for both): a due hold is never revived, the sweeper
     * or the next reserve of its SKUs may already count its stock as free.
     *
     * @param reservation the reservation as it is (a due one reads {@link ReservationState#HELD}
     *     or, where the backend already expired it, {@link ReservationState#EXPIRED})
     * @param due whether the refusal is the hold's expiry
     */
    record Refused(Reservation reservation, boolean due) implements ExtendResult {}

    /**
     * No (visible) reservation has this id; nothing changed.
     *
     * @param reservationId the id
     */
    record NotFound(String reservationId) implements ExtendResult {}

    /**
     * The reservation changed between the storage's read and its conditional write, or another
     * step of it is unfinished; nothing changed by this call that a repeat would not redo. Calling
     * again re-evaluates against the new state.
     *
     * @param reservationId the id
     * @param reason what was lost, for messages
     */
    record Conflict(String reservationId, String reason) implements ExtendResult {}

    /**
     * What an extension of {@code current} to {@code newExpiry} at {@code now} answers without
     * writing, or null when it must write: the rule every storage applies (on the state it reads and
     * again inside its conditional write).
     *
     * @param current the reservation as read
     * @param newExpiry the requested expiry
     * @param now current time
     * @return {@link Refused} (not HELD, or due), {@link Unchanged} (already expires at or after
     *     {@code newExpiry}), or null (extend it)
     */
    static @Nullable ExtendResult decide(Reservation current, Instant newExpiry, Instant now) {
        if (current.state() != ReservationState.HELD) {
            return new Refused(current, current.state() == ReservationState.EXPIRED);
        }
        if (!current.expiresAt().isAfter(now)) {
            return new Refused(current, true);
        }
        if (!current.expiresAt().isBefore(newExpiry)) {
            return new Unchanged(current);
        }
        return null;
    }
}
