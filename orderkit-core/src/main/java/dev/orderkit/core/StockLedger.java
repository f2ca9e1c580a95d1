package dev.orderkit.core;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Stock levels and reservations. Obtain one from {@link OrderKit#stock()}. Thread-safe; correct
 * across processes when the backend is shared.
 *
 * <p>Guarantees: no level is reserved beyond its on-hand units plus its {@link StockPolicy}'s
 * allowance (no oversell; without a policy, available stock never goes negative); a multi-line reservation holds
 * all lines or none; every call is idempotent on the reservation id; every change is recorded as a
 * {@link Movement}. Infrastructure failures surface as {@link BackendUnavailableException} after the
 * configured retries.
 *
 * <p><b>Order-owned holds.</b> The hold {@link OrderService} makes for an order has the order's id.
 * Through the ledger of {@link OrderKit#stock()} such a hold can be read but not reserved, committed,
 * released, fulfilled or extended: those calls throw {@link ReservationOwnedException} naming the order and
 * write nothing; the order's own operations ({@link OrderService#cancel}, {@link OrderService#fulfil})
 * move its stock.
 */
public interface StockLedger {

    /**
     * Holds stock for all lines, choosing locations with the configured {@link AllocationStrategy}.
     * Repeating a call with the same reservation id and the same lines returns the existing
     * reservation (whatever its state) without holding more stock; the same id with other lines is
     * refused (see {@link ReservationMismatchException} for what "the same" means). This holds for as
     * long as the reservation is kept: a released, expired or fulfilled one is deleted by
     * {@link OrderKit#purge()} after {@link Retention#reservations()} (default 7 days), after which
     * the id reserves afresh.
     *
     * @param request the reservation
     * @return the HELD reservation (or the existing one for a repeated id)
     * @throws InsufficientStockException if some line cannot be served; nothing is held
     * @throws ReservationMismatchException if the id exists with other lines; nothing is held
     * @throws ReservationOwnedException if the id is an order's
     * @throws UnknownSkuException if a SKU (or fixed location) has no stock level
     * @throws InvalidRequestException if the request is invalid
     */
    Reservation reserve(ReservationRequest request);

    /**
     * Commits a held reservation (the order is paid): it no longer expires.
     *
     * @param reservationId the id
     * @return the committed reservation
     * @throws NotFoundException if unknown
     * @throws IllegalStateTransitionException if released, expired or fulfilled
     * @throws ReservationOwnedException if an order owns the reservation; nothing is written
     */
    Reservation commit(String reservationId);

    /**
     * Releases a held or committed reservation, returning its stock. Idempotent.
     *
     * @param reservationId the id
     * @return the reservation after the call
     * @throws NotFoundException if unknown
     * @throws IllegalStateTransitionException if fulfilled
     * @throws ReservationOwnedException if an order owns the reservation; nothing is written
     */
    Reservation release(String reservationId);

    /**
     * Fulfils a committed reservation: the units leave on-hand. Idempotent. On-hand never goes below
     * zero: a reservation taken beyond on-hand under a backorder or preorder {@link StockPolicy}
     * ships once restocks cover each of its lines.
     *
     * @param reservationId the id
     * @return the fulfilled reservation
     * @throws NotFoundException if unknown
     * @throws IllegalStateTransitionException if not committed
     * @throws InsufficientStockException if a line's level has fewer units on hand than the line
     *     ships (its shortfalls name each such level); decided atomically, nothing is written
     * @throws ReservationOwnedException if an order owns the reservation; nothing is written
     */
    Reservation fulfil(String reservationId);

    /**
     * Keeps a held reservation longer: moves its expiry to {@code newExpiry} (for example while the
     * customer completes a payment step). Extension only: a hold is never shortened, so a
     * {@code newExpiry} at or before the current expiry changes nothing and returns the reservation
     * as it is. Idempotent: repeating the call (after a timeout that left you unsure whether it was
     * applied) returns the reservation with {@code expiresAt == newExpiry} again.
     *
     * <p>Atomic with respect to the hold's expiry: a hold that is due ({@code expiresAt <= now})
     * is never revived, even if the sweeper has not expired it yet, and a hold extended before it
     * was due is not expired at its old expiry. An extension sends {@code HOLD_EXTENDED} (attribute
     * {@code expiresAt}). Levels and movements do not change. Thread-safe.
     *
     * @param reservationId the id
     * @param newExpiry the new expiry: after now, at most {@link ReservationRequest#MAX_TTL} from now
     * @return the reservation, HELD, expiring at {@code newExpiry} (or later if it already did)
     * @throws NotFoundException if unknown
     * @throws ReservationExpiredException if the hold is EXPIRED or due; nothing is written
     * @throws IllegalStateTransitionException if the reservation is COMMITTED, RELEASED or FULFILLED
     *     (a committed one no longer expires)
     * @throws ReservationOwnedException if an order owns the reservation (use
     *     {@link OrderService#extendHold}); nothing is written
     * @throws InvalidRequestException if {@code newExpiry} is not after now or too far ahead
     * @throws ConcurrencyConflictException if every attempt lost a race (the hold kept changing)
     * @throws UnsupportedOperationException if the backend cannot extend holds
     */
    Reservation extend(String reservationId, Instant newExpiry);

    /**
     * Changes on-hand by a delta (restock, shrinkage). Creates the level on first positive delta.
     *
     * <p>The reference is an operation id, de-duplicated per stock level for as long as its movement
     * is kept, which is at least {@link Retention#movements()} (default 30 days): repeating the call
     * with the same key, reference and delta (for example after a timeout that left you unsure
     * whether it was applied) applies nothing and returns the level as the first application left
     * it. {@link OrderKit#purge()} folds older movements into the level's snapshot and forgets their
     * references with them; a reference repeated after that applies again. Use a new reference for
     * every distinct change.
     *
     * @param key SKU and location
     * @param delta units to add (negative to remove), |delta| at most 1,000,000,000
     * @param reference caller reference for the movement ledger
     * @return the new level
     * @throws InsufficientStockException if on-hand would drop below reserved
     * @throws InvalidRequestException if delta is zero or out of range
     * @throws ReferenceReuseException if the reference was already applied to this level with other arguments
     */
    StockLevel adjust(StockKey key, long delta, String reference);

    /**
     * Sets on-hand to an absolute value (a stock count) if nobody changed the level since the caller
     * read {@code expectedVersion}; use {@code -1} to create a new level.
     *
     * <p>De-duplicated on the reference like {@link #adjust} (for as long as its movement is kept):
     * a repeat with the same reference, on-hand and expected version returns the first
     * application's level instead of a conflict.
     *
     * @param key SKU and location
     * @param onHand new on-hand
     * @param expectedVersion the version read, or -1
     * @param reference caller reference for the movement ledger
     * @return the new level
     * @throws ConcurrencyConflictException if the level changed meanwhile
     * @throws InsufficientStockException if on-hand would drop below reserved
     * @throws ReferenceReuseException if the reference was already applied to this level with other arguments
     */
    StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference);

    /**
     * Sets how far a level may be reserved beyond its on-hand units: {@link StockPolicy#none()},
     * {@link StockPolicy#backorder(long)} or {@link StockPolicy#preorder(long, java.time.Instant)}.
     * Creates the level (at zero on-hand) if it does not exist, so preorders can be taken before the
     * first stock arrives. Reservations already made are never touched: when the allowance shrinks
     * (a lower limit, a preorder's date passing) below what is reserved beyond on-hand, new
     * reservations of the level are refused until restocks or releases cover the existing ones.
     *
     * <p>De-duplicated on the reference like {@link #adjust}: a repeat with the same reference and
     * policy returns the first application's level.
     *
     * @param key SKU and location
     * @param policy the policy
     * @param reference caller reference for the movement ledger
     * @return the level with its policy
     * @throws InvalidRequestException if the reference is blank or too long
     * @throws ReferenceReuseException if the reference was already applied to this level with other arguments
     * @throws UnsupportedOperationException if the backend has no stock policies
     */
    StockLevel setPolicy(StockKey key, StockPolicy policy, String reference);

    /**
     * One stock level.
     *
     * @param key SKU and location
     * @return the level, if it exists
     */
    Optional<StockLevel> level(StockKey key);

    /**
     * All levels of a SKU, sorted by location.
     *
     * @param sku the SKU
     * @return the levels, empty if unknown
     */
    List<StockLevel> levels(String sku);

    /** The largest page {@link #movements(StockKey, String, int)} returns. */
    int MAX_MOVEMENT_PAGE = 1000;

    /** The most keys one {@link #verify} call checks. */
    int MAX_VERIFY_KEYS = 500;

    /**
     * One page of a level's movements in append order (the audit trail of {@link Movement}s),
     * keyset-paged: each page is one indexed range read, however long the ledger is. Paging from
     * the first page ({@code cursor == null}) to the last returns every movement of the level
     * exactly once, in order, also while other threads and processes keep changing the level (what
     * they append comes after the cursors already handed out).
     *
     * <p><b>Compaction.</b> {@link OrderKit#purge()} folds movements older than
     * {@link Retention#movements()} into one {@link MovementReason#SNAPSHOT} movement standing at
     * the position of the oldest movement it folded. A cursor stays valid across it: the next page
     * starts with the first movement the compaction kept after the cursor. The folded movements
     * are no longer returned one by one, so a reader whose cursor lay inside the folded range does
     * not receive those it had not read yet (their sum is in the snapshot, before its cursor); a
     * reader that keeps up within the retention is not affected.
     *
     * @param key SKU and location
     * @param cursor {@code null} for the first page, else a cursor of an earlier page of this level
     * @param limit maximum movements in the page, 1 to {@value #MAX_MOVEMENT_PAGE}
     * @return the page (empty, without a next cursor, for an unknown level)
     * @throws InvalidRequestException if the cursor is not one this method returned (field
     *     {@code cursor}) or the limit is out of range (field {@code limit})
     * @throws BackendUnavailableException if the backend stays unavailable after the retries
     */
    MovementPage movements(StockKey key, @Nullable String cursor, int limit);

    /**
     * The drift check: verifies, for each of the given stock levels, that the level agrees with
     * its own ledger, and reports every disagreement. Safe to run in production while orders keep
     * flowing: each level is read atomically (one consistent snapshot of the level, its movements
     * and its reservations; see the backend's documentation for how) without blocking writers
     * beyond that read. Two checks per level (see {@link DriftReport.Check}):
     * <ul>
     *   <li>{@code REPLAY}: on-hand and reserved equal the sums of the deltas of its movements;
     *   <li>{@code HOLDS}: reserved equals the sum of the lines on it of its HELD and COMMITTED
     *       reservations.
     * </ul>
     * A clean report is the normal answer; a drift means something wrote the backend's data
     * outside orderkit (or a defect): orderkit never repairs it on its own.
     *
     * <p>Cost per level: one read of the level, a summing pass over its movements (bounded by the
     * retention, see {@link Retention#movements()}) and a read of its active holds through the
     * backend's index by SKU. Check a bounded page of keys per call and spread pages over time.
     *
     * @param keys the levels to check, 1 to {@value #MAX_VERIFY_KEYS} (duplicates are checked once)
     * @return the report
     * @throws InvalidRequestException if {@code keys} is empty, too large or contains null
     * @throws BackendUnavailableException if the backend stays unavailable after the retries
     * @throws UnsupportedOperationException if the backend has no audit primitive
     */
    DriftReport verify(Collection<StockKey> keys);

    /**
     * A reservation by id.
     *
     * @param reservationId the id
     * @return the reservation, if it exists
     */
    Optional<Reservation> reservation(String reservationId);

    /**
     * Expires due holds in bounded batches until none is due.
     *
     * @param maxBatches upper bound on the number of batches of 500
     * @return the number of reservations expired by this call
     */
    int expireDue(int maxBatches);
}
