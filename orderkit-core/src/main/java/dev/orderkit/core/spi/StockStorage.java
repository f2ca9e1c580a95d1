package dev.orderkit.core.spi;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Atomic stock primitives a backend provides. Core validates input, allocates lines to locations,
 * retries and emits events; a backend only applies each primitive atomically, keeping invariants
 * 1, 4 and 5 of the design (no oversell, all-or-nothing, conservation) across every process
 * sharing it. Every level change appends a {@link Movement}.
 *
 * <p>Every write is safe to repeat after an ambiguous failure (the caller cannot tell whether it
 * was applied): {@link #reserve} is idempotent on the reservation id, transitions on a
 * reservation already in the target state return it unchanged, {@link #expire} of a reservation no
 * longer held is a no-op, and {@link #adjust} / {@link #setOnHand} are idempotent on their
 * reference. Implementations are thread-safe; infrastructure failures are thrown as
 * {@link BackendUnavailableException}.
 */
public interface StockStorage {

    /**
     * Every level of a SKU, sorted by location.
     *
     * @param sku the SKU
     * @return the levels; empty if the SKU is unknown
     */
    List<StockLevel> levels(String sku);

    /**
     * One level.
     *
     * @param key SKU and location
     * @return the level, if it exists
     */
    Optional<StockLevel> level(StockKey key);

    /**
     * Atomically holds all lines (each {@code available >= quantity}) or none, creating a
     * {@link ReservationState#HELD} reservation. Lines arrive merged and sorted canonically.
     *
     * @param reservationId reservation id
     * @param lines allocated lines, canonical order, one per key
     * @param expiresAt hold expiry
     * @param now current time
     * @return reserved, already-exists, insufficient or unknown-stock
     */
    ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now);

    /**
     * A reservation by id.
     *
     * @param reservationId the id
     * @return the reservation, if it exists
     */
    Optional<Reservation> reservation(String reservationId);

    /**
     * HELD (not expired at {@code now}) → COMMITTED. Idempotent on COMMITTED.
     *
     * @param reservationId the id
     * @param now current time
     * @return the committed reservation
     * @throws NotFoundException if absent
     * @throws IllegalStateTransitionException if released, expired (or past expiry), or fulfilled
     */
    Reservation commit(String reservationId, Instant now);

    /**
     * HELD or COMMITTED → RELEASED, returning the stock. Idempotent on RELEASED and EXPIRED
     * (returned unchanged).
     *
     * @param reservationId the id
     * @param now current time
     * @return the reservation after the call
     * @throws NotFoundException if absent
     * @throws IllegalStateTransitionException if fulfilled
     */
    Reservation release(String reservationId, Instant now);

    /**
     * COMMITTED → FULFILLED: on-hand and reserved both drop by each line. Idempotent on FULFILLED.
     *
     * @param reservationId the id
     * @param now current time
     * @return the fulfilled reservation
     * @throws NotFoundException if absent
     * @throws IllegalStateTransitionException if not committed
     */
    Reservation fulfil(String reservationId, Instant now);

    /**
     * HELD with {@code expiresAt <= now} → EXPIRED, returning the stock.
     *
     * @param reservationId the id
     * @param now current time
     * @return the expired reservation if this call expired it; empty if it was not due or not held
     */
    Optional<Reservation> expire(String reservationId, Instant now);

    /**
     * Ids of HELD reservations with {@code expiresAt <= now}, earliest first.
     *
     * @param now current time
     * @param limit maximum number
     * @return the ids
     */
    List<String> dueReservations(Instant now, int limit);

    /**
     * Changes on-hand by {@code delta}, creating the level (at zero) if it does not exist and
     * {@code delta >= 0}.
     *
     * <p><b>Idempotent on {@code (key, reference)}.</b> The reference is an operation id: the first
     * successful application is recorded atomically with the change, together with its arguments
     * and the resulting level. A later call with the same key and reference and the same
     * {@code delta} changes nothing and returns that recorded level (a retry after a lost
     * acknowledgement); with any other arguments, or when the reference was recorded by
     * {@link #setOnHand}, it throws {@link ReferenceReuseException}. A call that failed (short
     * stock) records nothing. Records are kept as long as the level's movements.
     *
     * @param key SKU and location
     * @param delta change of on-hand, may be negative
     * @param reference operation id, also stored on the movement
     * @param now current time
     * @return the new level (or the level recorded by the first application of the reference)
     * @throws InsufficientStockException if on-hand would drop below reserved (or below zero)
     * @throws NotFoundException if the level does not exist and {@code delta < 0}
     * @throws ReferenceReuseException if the reference was applied to this level with other arguments
     */
    StockLevel adjust(StockKey key, long delta, String reference, Instant now);

    /**
     * Sets on-hand to an absolute value if the level's version equals {@code expectedVersion}
     * ({@code -1}: the level must not exist yet and is created).
     *
     * <p><b>Idempotent on {@code (key, reference)}</b>, like {@link #adjust}: a repeated call with
     * the same reference, {@code onHand} and {@code expectedVersion} returns the level recorded by
     * the first application instead of reporting a version conflict caused by its own first write.
     *
     * @param key SKU and location
     * @param onHand new on-hand
     * @param expectedVersion version read by the caller, or -1 to create
     * @param reference operation id, also stored on the movement
     * @param now current time
     * @return the new level (or the level recorded by the first application of the reference)
     * @throws ConcurrencyConflictException if the version does not match
     * @throws InsufficientStockException if on-hand would drop below reserved
     * @throws ReferenceReuseException if the reference was applied to this level with other arguments
     */
    StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now);

    /**
     * Audit: every level.
     *
     * @return all levels, canonical order
     */
    List<StockLevel> allLevels();

    /**
     * Audit: every reservation in the given states.
     *
     * @param states states to include
     * @return the reservations
     */
    List<Reservation> reservations(Set<ReservationState> states);

    /**
     * Audit: all movements of a level, in append order.
     *
     * @param key SKU and location
     * @return the movements
     */
    List<Movement> movements(StockKey key);

    /**
     * How a recorded stock write is described in a {@link ReferenceReuseException}, so every
     * backend reports the same text.
     *
     * @param setOnHand true for {@link #setOnHand}, false for {@link #adjust}
     * @param amount the delta or the new on-hand
     * @param expectedVersion the expected version of a set (ignored for an adjust)
     * @return e.g. {@code adjust(+5)} or {@code setOnHand(50, expectedVersion=3)}
     */
    static String describeWrite(boolean setOnHand, long amount, long expectedVersion) {
        return setOnHand
                ? "setOnHand(" + amount + ", expectedVersion=" + expectedVersion + ")"
                : "adjust(" + (amount >= 0 ? "+" : "") + amount + ")";
    }
}
