package dev.orderkit.core.memory;

import dev.orderkit.core.ReservationState;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The expiry index of one SKU's HELD reservations, earliest first, cheap on the reserve path.
 *
 * <p>Holds are mostly created with one TTL, so they arrive in expiry order: an entry that does not
 * expire before the last appended one goes to the tail of a FIFO (amortised O(1), no comparisons
 * beyond one); the rare entry that does (a shorter TTL, an extension) goes to a sorted set. A FIFO
 * entry is the stored {@link Hold} itself (its id and expiry are the entry's), so the reserve path
 * allocates no entry object and a hold costs the index one array slot: on the in-memory benchmark
 * every reservation stays live for the whole iteration, and the garbage collector's copying of the
 * objects each reservation keeps was most of its time (issue 11). Entries are not removed when
 * their hold is committed, released or extended: an entry is <em>live</em> while the storage's reservation of its id is HELD with the entry's expiry (for a FIFO entry:
 * while the indexed hold is HELD and not {@linkplain Hold#supersede() superseded}, which the
 * storage marks when it replaces or removes it, so telling needs no lookup in the storage's
 * map), and readers skip the others. Every write prunes the FIFO's dead head, so dead entries
 * stay only behind an older live hold, which itself leaves by its expiry at the latest: the index
 * holds at most the entries of one TTL's worth of holds, like a sorted set of the live ones would
 * at peak.
 *
 * <p>Not thread-safe: written under the SKU's write lock, read under its read lock (a reservation
 * with a line of this SKU changes only under this SKU's write lock, so liveness is stable while
 * the read lock is held).
 */
final class DueIndex {
    /** An entry: a hold's expiry and id. */
    record Due(Instant at, String id) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    private final Map<String, Hold> reservations;
    /** Entries in non-decreasing expiry order, in arrival order: the holds as indexed. */
    private final ArrayDeque<Hold> fifo = new ArrayDeque<>();
    /** Entries that arrived out of expiry order. */
    private final TreeSet<Due> sorted = new TreeSet<>();

    DueIndex(Map<String, Hold> reservations) {
        this.reservations = reservations;
    }

    /** Whether the hold of {@code id} is still HELD with this expiry. */
    private boolean live(Due d) {
        Hold h = reservations.get(d.id());
        return h != null && h.state == ReservationState.HELD && h.expiresAt(d.at());
    }

    /**
     * Indexes a hold at its expiry (the reservation is already in the storage's map).
     *
     * @param hold the HELD hold as stored
     */
    void add(Hold hold) {
        Hold last = fifo.peekLast();
        if (last == null || !hold.expiresBefore(last)) {
            fifo.addLast(hold);
        } else {
            sorted.add(new Due(hold.expiresAt(), hold.id));
        }
        prune();
    }

    /** Drops a hold's entry after its reservation left HELD or moved its expiry (already stored). */
    void remove(Instant at, String id) {
        if (!sorted.isEmpty()) {
            sorted.remove(new Due(at, id));
        }
        prune();
    }

    /** Drops the FIFO's dead head entries. */
    private void prune() {
        Hold head;
        while ((head = fifo.peekFirst()) != null && !head.liveHold()) {
            fifo.pollFirst();
        }
    }

    /**
     * Visits the live entries due at or before {@code now}, earliest first, at most {@code limit}.
     *
     * @param now the time
     * @param limit maximum number visited
     * @param visitor receives each entry
     */
    void forEachDue(Instant now, int limit, Consumer<Due> visitor) {
        Iterator<Hold> a = fifo.iterator();
        Iterator<Due> b = sorted.iterator();
        @Nullable Due x = nextFifo(a, now);
        @Nullable Due y = nextDue(b, now);
        int n = 0;
        while (n < limit) {
            Due d;
            if (x != null && (y == null || x.compareTo(y) <= 0)) {
                d = x;
                x = nextFifo(a, now);
            } else if (y != null) {
                d = y;
                y = nextDue(b, now);
            } else {
                return;
            }
            visitor.accept(d);
            n++;
        }
    }

    /**
     * Visits the id of every live entry (every HELD hold of the SKU), in no particular order; an id
     * may be visited twice (a hold whose expiry moved away and back).
     *
     * @param visitor receives each id
     */
    void forEachLive(Consumer<String> visitor) {
        for (Hold h : fifo) {
            if (h.liveHold()) {
                visitor.accept(h.id);
            }
        }
        for (Due d : sorted) {
            if (live(d)) {
                visitor.accept(d.id());
            }
        }
    }

    /** {@link #nextDue} of the FIFO: its entry as a {@link Due}. */
    private @Nullable Due nextFifo(Iterator<Hold> it, Instant now) {
        while (it.hasNext()) {
            Hold h = it.next();
            if (h.expiresAfter(now)) {
                return null;
            }
            if (h.liveHold()) {
                return new Due(h.expiresAt(), h.id);
            }
        }
        return null;
    }

    /** The next live entry due at or before {@code now}; null at the first entry after it (both are sorted). */
    private @Nullable Due nextDue(Iterator<Due> it, Instant now) {
        while (it.hasNext()) {
            Due d = it.next();
            if (d.at().isAfter(now)) {
                return null;
            }
            if (live(d)) {
                return d;
            }
        }
        return null;
    }
}
