package dev.orderkit.redis.internal;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.spi.ReservationTransition;
import org.jspecify.annotations.Nullable;

/**
 * The states of a reservation header on Redis: the lifecycle's five states, the states of a
 * cross-slot reserve (saga) and the intermediate states through which a transition first claims the
 * header and then finishes its parts. Which transition is allowed from which state is not decided
 * here but by {@link ReservationTransition}; this enum only says how each header state reads, which
 * transition an intermediate state is finishing and when the sweeper must look at it. The scripts
 * get the names (and {@link #due()}) from {@link LuaLifecycle}.
 */
enum HeaderState {
    /** A cross-slot reserve is holding its parts; invisible; rolled back by the sweeper at its expiry. */
    PENDING(null, null, Due.AT_EXPIRY),
    /** The compensation of a cross-slot reserve is undoing its parts; invisible; finished at once. */
    ABORTING(null, null, Due.NOW),
    /** Compensated; invisible; a reserve of the same id starts a new attempt. */
    ABORTED(null, null, Due.NEVER),
    /** Held until the expiry. */
    HELD(ReservationState.HELD, null, Due.AT_EXPIRY),
    /** A commit claimed the header; reads as HELD until every part is committed (it may roll back). */
    COMMITTING(ReservationState.HELD, ReservationTransition.COMMIT, Due.NOW),
    /** Committed. */
    COMMITTED(ReservationState.COMMITTED, null, Due.NEVER),
    /** An expiry claimed the header (decided): reads as EXPIRED, finished by whoever meets it. */
    EXPIRING(ReservationState.EXPIRED, ReservationTransition.EXPIRE, Due.NOW),
    /** Expired. */
    EXPIRED(ReservationState.EXPIRED, null, Due.NEVER),
    /** A release claimed the header (decided). */
    RELEASING(ReservationState.RELEASED, ReservationTransition.RELEASE, Due.NOW),
    /** Released. */
    RELEASED(ReservationState.RELEASED, null, Due.NEVER),
    /** A fulfilment claimed the header (decided). */
    FULFILLING(ReservationState.FULFILLED, ReservationTransition.FULFIL, Due.NOW),
    /** Fulfilled. */
    FULFILLED(ReservationState.FULFILLED, null, Due.NEVER);

    /** When a header in this state is listed by {@code dueReservations} (its bucket's due index). */
    enum Due {
        /** Once its expiry has passed. */
        AT_EXPIRY,
        /** At once: an unfinished step. */
        NOW,
        /** Never. */
        NEVER
    }

    private final @Nullable ReservationState view;
    private final @Nullable ReservationTransition finishing;
    private final Due due;

    HeaderState(@Nullable ReservationState view, @Nullable ReservationTransition finishing, Due due) {
        this.view = view;
        this.finishing = finishing;
        this.due = due;
    }

    /**
     * Parses a stored state.
     *
     * @param stored the {@code st} field
     * @return the state
     * @throws BackendUnavailableException if the field holds no state this code writes
     */
    static HeaderState parse(String stored) {
        try {
            return valueOf(stored);
        } catch (IllegalArgumentException e) {
            throw new BackendUnavailableException("unexpected reservation header state '" + stored + "'", e);
        }
    }

    /** The header state of a stable lifecycle state. */
    static HeaderState of(ReservationState state) {
        return valueOf(state.name());
    }

    /** The intermediate state a transition claims the header with. */
    static HeaderState claiming(ReservationTransition transition) {
        for (HeaderState s : values()) {
            if (s.finishing == transition) {
                return s;
            }
        }
        throw new IllegalArgumentException("no claim for " + transition); // every transition has one
    }

    /** How the reservation reads; null for the invisible saga states. */
    @Nullable
    ReservationState view() {
        return view;
    }

    boolean visible() {
        return view != null;
    }

    /** The transition an intermediate state is finishing; null for the others. */
    @Nullable
    ReservationTransition finishing() {
        return finishing;
    }

    boolean intermediate() {
        return finishing != null;
    }

    Due due() {
        return due;
    }

    /**
     * Whether the header never changes again (a terminal lifecycle state, or a rolled-back saga
     * attempt): the retention purge may delete it once it is old (a new attempt of an ABORTED id
     * restarts the header, and the purge checks the state again before it deletes).
     */
    boolean finalState() {
        return this == EXPIRED || this == RELEASED || this == FULFILLED || this == ABORTED;
    }
}
