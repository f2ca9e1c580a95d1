package dev.orderkit.core.spi;

import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * The reservation lifecycle rules every {@link StockStorage} applies, in one place: which state a
 * transition leads to from each state, and how it moves the levels of each line. A backend reads
 * the current reservation, asks {@link #next}, and applies the change atomically (conditional on
 * the state it read), together with {@link #onHandSign()} / {@link #reservedSign()} times each
 * line's quantity and a movement with {@link #reason()}. Stateless and thread-safe.
 */
public enum ReservationTransition {
    /** HELD (not yet due) → COMMITTED; idempotent on COMMITTED. Levels unchanged. */
    COMMIT(0, 0, null),
    /** HELD / COMMITTED → RELEASED, returning the stock; RELEASED / EXPIRED unchanged. */
    RELEASE(0, -1, MovementReason.RELEASE),
    /** COMMITTED → FULFILLED: on-hand and reserved both drop; idempotent on FULFILLED. */
    FULFIL(-1, -1, MovementReason.FULFIL),
    /** HELD and due → EXPIRED, returning the stock; anything else unchanged. */
    EXPIRE(0, -1, MovementReason.EXPIRE);

    private final long onHandSign;
    private final long reservedSign;
    private final @Nullable MovementReason reason;

    ReservationTransition(long onHandSign, long reservedSign, @Nullable MovementReason reason) {
        this.onHandSign = onHandSign;
        this.reservedSign = reservedSign;
        this.reason = reason;
    }

    /**
     * The state this transition leads to.
     *
     * @param current the reservation as read
     * @param now current time (expiry is due when {@code expiresAt <= now})
     * @return the target state, or {@code null} when the reservation stays as it is (idempotent repeat,
     *         or for {@link #EXPIRE}: not held or not due)
     * @throws IllegalStateTransitionException when the transition is not allowed from the current state
     */
    public @Nullable ReservationState next(Reservation current, Instant now) {
        String id = current.id();
        ReservationState s = current.state();
        boolean due = !current.expiresAt().isAfter(now);
        return switch (this) {
            case COMMIT ->
                switch (s) {
                    case COMMITTED -> null;
                    case HELD -> {
                        if (due) {
                            throw new IllegalStateTransitionException(id, "HELD (expired)", "commit");
                        }
                        yield ReservationState.COMMITTED;
                    }
                    default -> throw new IllegalStateTransitionException(id, s.name(), "commit");
                };
            case RELEASE ->
                switch (s) {
                    case HELD, COMMITTED -> ReservationState.RELEASED;
                    case RELEASED, EXPIRED -> null;
                    case FULFILLED -> throw new IllegalStateTransitionException(id, s.name(), "release");
                };
            case FULFIL ->
                switch (s) {
                    case COMMITTED -> ReservationState.FULFILLED;
                    case FULFILLED -> null;
                    default -> throw new IllegalStateTransitionException(id, s.name(), "fulfil");
                };
            case EXPIRE -> s == ReservationState.HELD && due ? ReservationState.EXPIRED : null;
        };
    }

    /**
     * Sign applied to each line's quantity on on-hand.
     *
     * @return -1, 0
     */
    public long onHandSign() {
        return onHandSign;
    }

    /**
     * Sign applied to each line's quantity on reserved.
     *
     * @return -1, 0
     */
    public long reservedSign() {
        return reservedSign;
    }

    /**
     * The movement reason recorded for each line, or {@code null} when levels do not change.
     *
     * @return the reason
     */
    public @Nullable MovementReason reason() {
        return reason;
    }

    /**
     * Whether the transition changes levels.
     *
     * @return true unless it is {@link #COMMIT}
     */
    public boolean movesStock() {
        return reason != null;
    }
}
