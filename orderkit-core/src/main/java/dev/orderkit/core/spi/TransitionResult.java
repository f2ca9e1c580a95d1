package dev.orderkit.core.spi;

import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.Shortfall;
import java.util.List;

/**
 * The answer of {@link StockStorage#transition}: every expected outcome is a value, never an
 * exception. Core retries {@link Conflict} and maps {@link Refused} / {@link Uncovered} /
 * {@link NotFound} to the public exceptions.
 */
public sealed interface TransitionResult {

    /**
     * This call changed the reservation (or, on a backend with multi-step transitions, finished a
     * change of the same kind that an earlier call decided).
     *
     * @param reservation the reservation after the change
     */
    record Applied(Reservation reservation) implements TransitionResult {}

    /**
     * Nothing to do: an idempotent repeat (the reservation already is in the target state) or, for
     * {@link ReservationTransition#EXPIRE}, a reservation not held or not due.
     *
     * @param reservation the reservation as it is
     */
    record Unchanged(Reservation reservation) implements TransitionResult {}

    /**
     * The lifecycle does not allow the action from the reservation's state; nothing changed.
     *
     * @param reservation the reservation as it is
     * @param transition the refused action
     * @param state how the refusing state is described, e.g. {@code HELD (expired)}
     */
    record Refused(Reservation reservation, ReservationTransition transition, String state)
            implements TransitionResult {}

    /**
     * The lifecycle allows the action, but it takes units off on-hand ({@link
     * ReservationTransition#FULFIL}) and at least one line's level has fewer units on hand than the
     * line ships: a backordered or preordered reservation that no restock has covered yet. Decided
     * atomically with the change (under the same locks, in the same statement or script); nothing
     * changed. See {@link ReservationTransition#shortfalls}.
     *
     * @param reservation the reservation as it is (still in its state, e.g. COMMITTED)
     * @param shortfalls each short level: requested = the units the reservation ships from it,
     *     available = its on-hand; never empty
     */
    record Uncovered(Reservation reservation, List<Shortfall> shortfalls) implements TransitionResult {
        /**
         * Copies the shortfalls.
         *
         * @param reservation the reservation
         * @param shortfalls the short levels, never empty
         */
        public Uncovered {
            shortfalls = List.copyOf(shortfalls);
            if (shortfalls.isEmpty()) {
                throw new IllegalArgumentException("an uncovered transition names at least one shortfall");
            }
        }
    }

    /**
     * No (visible) reservation has this id; nothing changed.
     *
     * @param reservationId the id
     */
    record NotFound(String reservationId) implements TransitionResult {}

    /**
     * The reservation changed between the storage's read and its conditional write (another
     * writer won); nothing changed. Calling again re-evaluates against the new state.
     *
     * @param reservationId the id
     * @param reason what was lost, for messages
     */
    record Conflict(String reservationId, String reason) implements TransitionResult {}

    /**
     * The reservation of an applied or unchanged result; the other outcomes as the public
     * exceptions.
     *
     * @return the reservation
     * @throws NotFoundException for {@link NotFound}
     * @throws IllegalStateTransitionException for {@link Refused}
     * @throws InsufficientStockException for {@link Uncovered}
     * @throws ConcurrencyConflictException for {@link Conflict}
     */
    default Reservation reservationOrThrow() {
        if (this instanceof Applied a) {
            return a.reservation();
        }
        if (this instanceof Unchanged u) {
            return u.reservation();
        }
        if (this instanceof Refused r) {
            throw new IllegalStateTransitionException(
                    r.reservation().id(), r.state(), r.transition().verb());
        }
        if (this instanceof Uncovered u) {
            throw new InsufficientStockException(u.shortfalls());
        }
        if (this instanceof NotFound n) {
            throw new NotFoundException("reservation", n.reservationId());
        }
        Conflict c = (Conflict) this;
        throw new ConcurrencyConflictException("reservation " + c.reservationId() + ": " + c.reason());
    }
}
