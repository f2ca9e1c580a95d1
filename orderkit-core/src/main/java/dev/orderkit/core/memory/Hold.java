package dev.orderkit.core.memory;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A reservation as {@link InMemoryStockStorage} keeps it: one object of primitives and shared
 * references (the state constant, the level's own key for a one-line hold), a {@link Reservation}
 * built from it on every read. Every hold stays in memory until it ends, and on the reserve
 * benchmark copying the live holds was most of the garbage collector's time (issue 11): a
 * {@code Reservation} keeps five objects (the record, its line list, its line, two instants), a
 * one-line hold here one. A hold of several lines keeps its (immutable) line list.
 *
 * <p>Immutable but for {@link #superseded}, and thread-safe; identity matters: the storage replaces
 * a hold by a new object on every change and marks the old one superseded, which tells the expiry
 * index that its entry for the old object is dead without a lookup in the storage's map (on the
 * reserve path the index prunes its head on every write, and that lookup was a cache miss into a
 * map of millions).
 */
final class Hold {
    final String id;
    final ReservationState state;
    /** The one line's key (null when {@link #several} holds the lines). */
    private final @Nullable StockKey key;

    private final long quantity;
    /** The lines of a hold of several lines, else null. */
    private final @Nullable List<AllocatedLine> several;

    private final long expiresSeconds;
    private final int expiresNanos;
    private final long createdSeconds;
    private final int createdNanos;
    private final long updatedSeconds;
    private final int updatedNanos;

    /**
     * Whether the storage replaced or removed this hold. Written and read only under the write /
     * read lock of a SKU of the hold's lines (the storage replaces a hold under the write locks of
     * all of them), so a plain field.
     */
    private boolean superseded;

    private Hold(
            String id,
            ReservationState state,
            @Nullable StockKey key,
            long quantity,
            @Nullable List<AllocatedLine> several,
            Instant expiresAt,
            Instant createdAt,
            Instant updatedAt) {
        this.id = id;
        this.state = state;
        this.key = key;
        this.quantity = quantity;
        this.several = several;
        this.expiresSeconds = expiresAt.getEpochSecond();
        this.expiresNanos = expiresAt.getNano();
        this.createdSeconds = createdAt.getEpochSecond();
        this.createdNanos = createdAt.getNano();
        this.updatedSeconds = updatedAt.getEpochSecond();
        this.updatedNanos = updatedAt.getNano();
    }

    /**
     * The hold of a reservation.
     *
     * @param r the reservation
     * @param sharedKey for a one-line reservation, an object equal to its line's key that the
     *     storage keeps anyway (the level's key), or null to keep the line's own
     * @return the hold
     */
    static Hold of(Reservation r, @Nullable StockKey sharedKey) {
        List<AllocatedLine> lines = r.lines();
        if (lines.size() == 1) {
            AllocatedLine line = lines.get(0);
            StockKey k = sharedKey != null && sharedKey.equals(line.key()) ? sharedKey : line.key();
            return new Hold(r.id(), r.state(), k, line.quantity(), null, r.expiresAt(), r.createdAt(), r.updatedAt());
        }
        return new Hold(r.id(), r.state(), null, 0, lines, r.expiresAt(), r.createdAt(), r.updatedAt());
    }

    /**
     * The hold of a reservation, its line's key kept as given.
     *
     * @param r the reservation
     * @return the hold
     */
    static Hold of(Reservation r) {
        return of(r, null);
    }

    /**
     * The hold of the next version of this reservation, sharing this hold's key object; marks this
     * one superseded (under the write locks of all its SKUs).
     *
     * @param next the reservation after a transition or an extension
     * @return the hold to store instead of this one
     */
    Hold replacedBy(Reservation next) {
        superseded = true;
        return of(next, key);
    }

    /** Marks this hold replaced or removed (under the write locks of all its SKUs). */
    void supersede() {
        superseded = true;
    }

    /** Whether this hold is still the stored one and HELD: what an expiry index entry of it needs. */
    boolean liveHold() {
        return !superseded && state == ReservationState.HELD;
    }

    /** The lines (built for a one-line hold). */
    List<AllocatedLine> lines() {
        return several != null ? several : List.of(new AllocatedLine(key(), quantity));
    }

    private StockKey key() {
        if (key == null) {
            throw new IllegalStateException("a hold has either one key or several lines");
        }
        return key;
    }

    Instant expiresAt() {
        return Instant.ofEpochSecond(expiresSeconds, expiresNanos);
    }

    Instant updatedAt() {
        return Instant.ofEpochSecond(updatedSeconds, updatedNanos);
    }

    /** Whether this hold expires at {@code at} exactly. */
    boolean expiresAt(Instant at) {
        return expiresSeconds == at.getEpochSecond() && expiresNanos == at.getNano();
    }

    /** Whether this hold expires strictly before {@code other}. */
    boolean expiresBefore(Hold other) {
        return expiresSeconds != other.expiresSeconds
                ? expiresSeconds < other.expiresSeconds
                : expiresNanos < other.expiresNanos;
    }

    /** Whether this hold expires strictly after {@code t}. */
    boolean expiresAfter(Instant t) {
        return expiresSeconds != t.getEpochSecond() ? expiresSeconds > t.getEpochSecond() : expiresNanos > t.getNano();
    }

    /** The reservation this hold stores, built. */
    Reservation toReservation() {
        Instant created = Instant.ofEpochSecond(createdSeconds, createdNanos);
        Instant updated = updatedSeconds == createdSeconds && updatedNanos == createdNanos ? created : updatedAt();
        return new Reservation(id, state, lines(), expiresAt(), created, updated);
    }
}
