package dev.orderkit.core.spi;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
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
 * was applied): {@link #reserve} is idempotent on the reservation id, a {@link #transition} finds
 * the reservation in its target state and answers {@code Unchanged}, and {@link #adjust} /
 * {@link #setOnHand} are idempotent on their reference.
 *
 * <p>Expected outcomes are results ({@link ReserveResult}, {@link TransitionResult}), including
 * "lost a race, call again" ({@code Conflict}); no method loops or recurses to retry: core's retry
 * policies decide how often and how long. Implementations are thread-safe; infrastructure failures
 * (and replies the backend cannot interpret) are thrown as {@link BackendUnavailableException};
 * no other unchecked exception leaves a backend except those documented per method.
 */
public interface StockStorage {

    /**
     * Whether this storage records the event of every change it applies ({@link StockEvents}:
     * reserved, committed, released, fulfilled, expired, extended, adjusted) atomically with the
     * change, in its outbox (the JDBC outbox table in the change's transaction, the in-memory
     * outbox under the change's locks, a Redis outbox stream in the change's script), for an
     * outbox relay to deliver. Core then sends no stock
     * event itself. The default is false: core records the events in an in-process outbox after
     * each change (at least once while the process lives; a crash between the change and the
     * record loses the event).
     *
     * @return true if events are recorded with the changes
     */
    default boolean recordsEvents() {
        return false;
    }

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
     * @return reserved, already-exists, insufficient, unknown-stock, or conflict (a race the
     *     storage could not settle; nothing written)
     */
    ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now);

    /**
     * Applies a batch of reservations, in order, as if {@link #reserve} were called once per
     * command, one after the other, with nothing else happening in between: the group commit that
     * core's hot-SKU combiner uses to turn many concurrent reservations of one stock key into one
     * backend round trip or transaction.
     *
     * <p>Contract, per command {@code i}:
     * <ul>
     *   <li>its answer is exactly what a sequential {@code reserve} would answer at that point (after
     *       commands {@code 0..i-1}): {@code Reserved}, {@code AlreadyExists}, {@code Insufficient},
     *       {@code UnknownStock} or {@code Conflict};
     *   <li>it is all-or-nothing on its own: a rejected command writes nothing, and does not fail
     *       (or undo) the others; an unknown key or a short line is that command's answer only;
     *   <li>it is idempotent on its reservation id, also within the batch: a second command with an
     *       id that an earlier command of the batch reserved answers {@code AlreadyExists} with that
     *       reservation; an id that exists before the call answers {@code AlreadyExists}.
     * </ul>
     * The result list has one answer per command, in command order. No oversell holds across the
     * whole batch as it does across single calls.
     *
     * <p>If the call throws (infrastructure: {@link BackendUnavailableException}, or a
     * {@link ConcurrencyConflictException} such as a deadlock that rolled the batch back), nothing
     * or some prefix of the batch may have been applied (a lost acknowledgement of a commit that
     * did apply included). Callers then re-run the commands one by one with {@link #reserve}, which
     * is idempotent on the id: an applied one answers {@code AlreadyExists}.
     *
     * <p>The default applies the commands one by one with {@link #reserve} (which satisfies the
     * contract, with no saving). Backends override it to apply the batch in one transaction or one
     * script, and say so with {@link #reserveBatchLimit()}. Thread-safe.
     *
     * @param batch the commands, in arrival order (may repeat an id)
     * @return one answer per command, in order
     */
    default List<ReserveResult> reserveAll(List<ReserveCommand> batch) {
        List<ReserveResult> out = new ArrayList<>(batch.size());
        for (ReserveCommand c : batch) {
            out.add(reserve(c.reservationId(), c.lines(), c.expiresAt(), c.now()));
        }
        return out;
    }

    /**
     * The largest batch {@link #reserveAll} applies in one round trip (one transaction or one
     * script). {@code 1} (the default) means it has no native batch: core then leaves hot-SKU
     * combining off unless the application turns it on ({@code OrderKit.Builder#combining}), and
     * caps combined batches at this size otherwise.
     *
     * @return at least 1
     */
    default int reserveBatchLimit() {
        return 1;
    }

    /**
     * Whether one {@link #reserveAll} call costs one round trip whatever stock keys its commands
     * touch (one script on one server). Core's combiner then queues the reservations of all keys
     * in a few lanes shared by every key instead of one lane per key, so batches also form when
     * many buyers reserve different SKUs.
     *
     * @return false (the default): batches only pay off for reservations of one key
     */
    default boolean reserveAllSpansKeys() {
        return false;
    }

    /**
     * A reservation by id.
     *
     * @param reservationId the id
     * @return the reservation, if it exists
     */
    Optional<Reservation> reservation(String reservationId);

    /**
     * Applies one lifecycle action atomically, exactly as {@link ReservationTransition} says for
     * the reservation's state and whether it is due at {@code now}: the state change, the level
     * deltas of every line and one movement per line, or nothing. Keeps no lifecycle rules of its
     * own. Idempotent: a repeat finds the target state and answers {@code Unchanged}.
     *
     * @param reservationId the id
     * @param transition the action
     * @param now current time (the expiry is due when {@code expiresAt <= now})
     * @return {@code Applied} (this call changed it), {@code Unchanged}, {@code Refused},
     *     {@code NotFound}, or {@code Conflict} when the reservation changed between the read and
     *     the conditional write (nothing written; core calls again). Never loops or recurses to retry.
     */
    TransitionResult transition(String reservationId, ReservationTransition transition, Instant now);

    /**
     * Moves a HELD hold's expiry later, atomically with respect to its expiry: of an extension and
     * an expiry (the sweeper's {@link #expireAll}, a {@link #transition}{@code (EXPIRE)}, a lazy
     * expiry on the reserve path) racing for one hold exactly one wins: either the hold is
     * extended and is not expired at its old expiry, or it is expired and the extension is refused.
     * The rule ({@link ExtendResult#decide}) is applied inside the backend's conditional write:
     * the reservation must be HELD and not due ({@code expiresAt > now}) at that instant, and
     * {@code newExpiry} must be later than its expiry; then the expiry and every index the backend
     * keeps by expiry (per SKU and overall) move to {@code newExpiry}. Nothing else changes: no
     * level, no movement, not {@link Reservation#updatedAt()}.
     *
     * <p>Idempotent: a repeat (a retry after a lost reply) finds the hold already expiring at
     * {@code newExpiry} and answers {@code Unchanged} with it. A hold is never shortened: a
     * {@code newExpiry} at or before the current expiry answers {@code Unchanged}. Core validates
     * {@code newExpiry > now} before calling.
     *
     * <p>The default throws {@link UnsupportedOperationException}: a backend written before this
     * primitive existed cannot extend holds (core then reports the same exception to the caller).
     * Every backend of this project implements it.
     *
     * @param reservationId the id
     * @param newExpiry the new expiry, after {@code now}
     * @param now current time (the hold is due when {@code expiresAt <= now})
     * @return {@code Extended}, {@code Unchanged}, {@code Refused} (not HELD, or due),
     *     {@code NotFound}, or {@code Conflict} (changed between read and write; nothing written
     *     that a repeat would not redo: core calls again). Never loops or recurses to retry.
     */
    default ExtendResult extend(String reservationId, Instant newExpiry, Instant now) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot extend holds");
    }

    /**
     * Ids of HELD reservations with {@code expiresAt <= now}, earliest first.
     *
     * @param now current time
     * @param limit maximum number
     * @return the ids
     */
    List<String> dueReservations(Instant now, int limit);

    /**
     * Ids of HELD reservations with a line on one of {@code skus} and {@code expiresAt <= now},
     * earliest first per SKU: the reserve path's lookup when stock is short, so that the hold of
     * one SKU is found however many holds of other SKUs are due. Backends answer it from an index
     * by SKU and expiry (never by scanning every due hold), at most {@code limitPerSku} ids per
     * SKU, each id once. May include a reservation that another writer moves meanwhile:
     * {@link #expireAll} re-checks every id.
     *
     * @param skus the SKUs (at least one)
     * @param now current time
     * @param limitPerSku maximum number of ids per SKU (at least 1)
     * @return the ids
     */
    List<String> dueReservations(Collection<String> skus, Instant now, int limitPerSku);

    /**
     * Expires, as a batch, those of the given reservations that are HELD and due at {@code now},
     * exactly as {@link #transition}{@code (id, EXPIRE, now)} would expire each of them: the state
     * change, the level deltas and one movement per line, atomically per reservation and guarded by
     * the state and expiry read in the same atomic step, so a racing commit either wins (the
     * reservation is not expired) or loses (it is refused); any other id (unknown, not held, not
     * due, or changed meanwhile) is left as it is. Idempotent: a repeat expires nothing more, and a
     * repeat with the same {@code now} (a retry after a lost reply) answers the reservations its
     * first run expired again (recognised as EXPIRED with {@code updatedAt == now}), so their
     * events are not lost; consumers de-duplicate events by id.
     *
     * <p>The default calls {@link #transition} once per id. Backends override it to expire a batch
     * in one statement (JDBC) or one script per slot (Redis). A failure ({@link
     * BackendUnavailableException}, {@link ConcurrencyConflictException}) may leave a prefix of the
     * batch applied; calling again is safe.
     *
     * @param reservationIds the ids (each at most once)
     * @param now current time
     * @return the reservations this call expired, in state EXPIRED
     */
    default List<Reservation> expireAll(List<String> reservationIds, Instant now) {
        List<Reservation> out = new ArrayList<>();
        for (String id : reservationIds) {
            TransitionResult r = transition(id, ReservationTransition.EXPIRE, now);
            if (r instanceof TransitionResult.Applied a) {
                out.add(a.reservation());
            } else if (r instanceof TransitionResult.Unchanged u
                    && u.reservation().state() == ReservationState.EXPIRED
                    && u.reservation().updatedAt().equals(now)) {
                out.add(u.reservation()); // a repeat of this call
            }
        }
        return out;
    }

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
     * stock) records nothing. A record is kept as long as its movement: {@link #compactMovements}
     * deletes it when it folds that movement into the level's snapshot.
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
     * Sets the level's {@link StockPolicy} (backorders / preorders), creating the level (at zero)
     * if it does not exist, and appends a {@link MovementReason#POLICY} movement with zero deltas.
     * From then on {@link #reserve} and {@link #reserveAll} admit a line when
     * {@code reserved + quantity <= onHand + policy.allowance(now)}, and {@link #adjust} /
     * {@link #setOnHand} may lower on-hand to {@code reserved - allowance(now)} (never below zero).
     * Existing reservations are never touched: lowering the limit below what is reserved beyond
     * on-hand only refuses new reservations until stock covers them.
     *
     * <p><b>Idempotent on {@code (key, reference)}</b> like {@link #adjust}: a repeat with the same
     * policy returns the level recorded by the first application; another policy, or a reference
     * recorded by an adjust / set, throws {@link ReferenceReuseException}.
     *
     * <p>The default throws {@link UnsupportedOperationException}: a backend without policies.
     *
     * @param key SKU and location
     * @param policy the policy
     * @param reference operation id, also stored on the movement
     * @param now current time
     * @return the level with its new policy (or the level recorded by the first application)
     * @throws ReferenceReuseException if the reference was applied to this level with other arguments
     * @throws UnsupportedOperationException if the backend has no stock policies
     */
    default StockLevel setPolicy(StockKey key, StockPolicy policy, String reference, Instant now) {
        throw new UnsupportedOperationException(getClass().getName() + " has no stock policies");
    }

    /**
     * How a recorded policy write is described in a {@link ReferenceReuseException}.
     *
     * @param policy the policy of the recorded write
     * @return e.g. {@code setPolicy(BACKORDER, limit=5, until=null)}
     */
    static String describePolicy(StockPolicy policy) {
        return "setPolicy(" + policy.kind() + ", limit=" + policy.limit() + ", until=" + policy.until() + ")";
    }

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
     * Audit: one page of a level's movements in append order, keyset-paged by position (see
     * {@link PositionedMovement}): the first {@code limit} movements whose position is greater than
     * {@code afterPosition}, oldest first.
     *
     * <p>Positions are stable: a movement keeps its position as long as it exists, a position is
     * never reused, and a movement appended after a read gets a greater position than every
     * movement that read could see, so paging with the last position read returns every movement
     * exactly once while writers keep appending. {@link #compactMovements} keeps the positions of
     * the movements it keeps; its {@link MovementReason#SNAPSHOT} takes the position of the oldest
     * movement it folded.
     *
     * <p>The default pages {@link #movements(StockKey)} by list index (index + 1): stable while
     * movements are appended, not across a compaction. Backends override it with a real keyset
     * query. Thread-safe.
     *
     * @param key SKU and location
     * @param afterPosition exclusive lower bound, {@code 0} for the first page
     * @param limit maximum number of movements, at least 1
     * @return the movements, oldest first; empty if none (or the level is unknown)
     */
    default List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
        List<Movement> all = movements(key);
        List<PositionedMovement> out = new ArrayList<>(Math.min(limit, all.size()));
        for (long i = Math.max(0, afterPosition); i < all.size() && out.size() < limit; i++) {
            out.add(new PositionedMovement(i + 1, all.get((int) i)));
        }
        return out;
    }

    /**
     * Audit: reads, atomically per level (one consistent snapshot of that level, its movements and
     * its reservations, taken while writers keep writing), each existing level of {@code keys}, the
     * sums of its movements' deltas and the sum of its active hold lines (see {@link LevelAudit}),
     * for {@code StockLedger#verify}. A backend computes the sums where the data lives (one SQL
     * transaction, one script per level) and finds the active holds of a level through an index
     * by SKU (never by scanning every reservation or every key). Writers are not blocked for longer
     * than one level's read.
     *
     * <p>The default throws {@link UnsupportedOperationException}: a backend without it cannot be
     * verified.
     *
     * @param keys distinct keys, canonical order, at most 500
     * @return one audit per key that has a level, in the order of {@code keys}
     * @throws UnsupportedOperationException if the backend has no audit
     */
    default List<LevelAudit> audit(List<StockKey> keys) {
        throw new UnsupportedOperationException(getClass().getName() + " has no audit primitive");
    }

    // ------------------------------------------------------------------ retention (OrderKit#purge)

    /**
     * Retention primitive: deletes up to {@code limit} reservations in a terminal state
     * ({@link ReservationState#RELEASED}, {@link ReservationState#EXPIRED},
     * {@link ReservationState#FULFILLED}) whose last change ({@link Reservation#updatedAt()}) is
     * strictly before {@code olderThan}, with their lines (and whatever else the backend keeps for
     * them). A held or committed reservation is never deleted, however old; each deletion is
     * conditional on the reservation still being terminal and old at the instant it happens.
     * Levels and movements are not touched. Idempotent; core calls it again while it returns
     * {@code limit}. A backend may also delete its own invisible leftovers of the same age (e.g.
     * rolled-back attempts of a cross-slot reserve) and count them.
     *
     * <p>The default deletes nothing (a backend without retention keeps everything).
     *
     * @param olderThan exclusive upper bound of the last change of the reservations to delete
     * @param limit maximum number of reservations deleted by this call, at least 1
     * @return the number deleted
     */
    default int purgeReservations(Instant olderThan, int limit) {
        return 0;
    }

    /**
     * Retention primitive of a storage that records its events in an outbox of its own (one the
     * order store does not share; {@link OrderStore#purgeSentEvents} purges a shared one): deletes
     * up to {@code limit} delivered ({@code SENT}) events sent strictly before {@code olderThan};
     * never a pending or dead one. Idempotent; core calls it again while it returns {@code limit}.
     * The default deletes nothing.
     *
     * @param olderThan exclusive upper bound of the send times
     * @param limit maximum number deleted by this call, at least 1
     * @return the number deleted
     */
    default int purgeSentEvents(Instant olderThan, int limit) {
        return 0;
    }

    /**
     * Retention primitive: folds old movements into a snapshot. For levels with at least two
     * movements older than {@code olderThan} ({@link Movement#at()} strictly before it), replaces
     * the oldest of them by one {@link MovementReason#SNAPSHOT} movement carrying their summed
     * deltas (reference {@link Movement#SNAPSHOT_REFERENCE}, time of the newest folded movement),
     * first in the level's movements, and deletes the others, atomically per level with respect to
     * every write of that level; newer movements stay as they are. The recorded {@link #adjust} /
     * {@link #setOnHand} writes whose movements were folded are deleted in the same step (a later
     * call with such a reference applies again). Replaying the movements of a level therefore still
     * gives its on-hand and reserved.
     *
     * <p>Removes at most {@code limit} movements per call (a level may be folded in several
     * steps); core calls it again while it returns {@code limit}. Idempotent. The default folds
     * nothing.
     *
     * @param olderThan exclusive upper bound of the times of the movements to fold
     * @param limit maximum number of movements removed by this call, at least 1
     * @return the number of movements removed (folded into a snapshot)
     */
    default int compactMovements(Instant olderThan, int limit) {
        return 0;
    }

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
