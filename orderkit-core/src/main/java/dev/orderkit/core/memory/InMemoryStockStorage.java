package dev.orderkit.core.memory;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.ReferenceReuseException;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default {@link StockStorage}: thread-safe and <b>linearizable</b> without a global
 * lock. Every primitive, read or write, takes effect at one instant between its call and its
 * return: a reader never sees a level that no write produced, nor part of a multi-line reservation
 * or of a lifecycle transition, and what {@link #reservation} says agrees with the levels (a
 * Lincheck test checks this in stress and model-checking modes).
 *
 * <p>How. All levels of a SKU (every location) belong to one record guarded by a
 * {@link StampedLock}; a reservation, its entry in the expiry index included, is guarded by the
 * locks of the SKUs of its lines (which never change). Writes are two-phase: a write takes the
 * write locks of the SKUs it touches in canonical order (so writers cannot deadlock), applies all
 * of it — levels, movements, idempotency records, the reservation, the expiry index — and only then
 * releases any lock. A SKU publishes its levels as one immutable list before its lock is released,
 * and a level is created inside the write that first changes it. Readers never block writers for
 * long: {@link #levels} and {@link #level} read the published list under an optimistic stamp,
 * falling back to the read lock when a writer held it; {@link #allLevels}, {@link #reservations}
 * and {@link #dueReservations} validate the stamps of every SKU (and that no SKU was registered),
 * falling back to all the read locks in canonical order; {@link #reservation} is one read of a
 * value a writer stores while it still holds its locks; {@link #movements} copies under the read
 * lock. Writes on disjoint SKUs never wait for each other; only the first write of a new SKU takes
 * a short registration lock.
 *
 * <p>State lives in this JVM only: use the JDBC or Redis backend to share stock across processes.
 */
public final class InMemoryStockStorage implements StockStorage {

    private static final Comparator<StockLevel> BY_KEY = Comparator.comparing(StockLevel::key);
    private static final Comparator<Sku> BY_NAME = Comparator.comparing(s -> s.sku);

    /** One location of a SKU; mutable, guarded by the SKU's write lock. */
    private static final class Slot {
        final StockKey key;
        final List<Movement> movements = new ArrayList<>();
        /** Applied adjust / setOnHand writes by reference. */
        final Map<String, AppliedWrite> writes = new HashMap<>();

        StockLevel level;

        Slot(StockKey key, Instant now) {
            this.key = key;
            this.level = new StockLevel(key, 0, 0, 0, now);
        }

        void apply(long onHandDelta, long reservedDelta, MovementReason reason, String ref, Instant now) {
            apply(new Movement(key, onHandDelta, reservedDelta, reason, ref, now));
        }

        void apply(Movement m) {
            StockLevel l = level;
            level = new StockLevel(
                    key, l.onHand() + m.onHandDelta(), l.reserved() + m.reservedDelta(), l.version() + 1, m.at());
            movements.add(m);
        }
    }

    /** All levels of one SKU. */
    private static final class Sku {
        final String sku;
        final StampedLock lock = new StampedLock();
        /** Slots by location (guarded by the write lock). */
        final TreeMap<String, Slot> slots = new TreeMap<>();
        /** The published levels, sorted by location; replaced only under the write lock. */
        volatile List<StockLevel> levels = List.of();

        Sku(String sku) {
            this.sku = sku;
        }

        /** Publishes the slots' levels; called under the write lock before it is released. */
        void publish() {
            List<StockLevel> out = new ArrayList<>(slots.size());
            for (Slot s : slots.values()) {
                out.add(s.level);
            }
            levels = List.copyOf(out);
        }

        /** The published levels, read as of one instant without blocking writers when possible. */
        List<StockLevel> read() {
            long stamp = lock.tryOptimisticRead();
            List<StockLevel> l = levels;
            if (lock.validate(stamp)) {
                return l;
            }
            stamp = lock.readLock();
            try {
                return levels;
            } finally {
                lock.unlockRead(stamp);
            }
        }
    }

    /** An expiry index entry of a HELD reservation. */
    private record Due(Instant at, String id) implements Comparable<Due> {
        @Override
        public int compareTo(Due o) {
            int c = at.compareTo(o.at);
            return c != 0 ? c : id.compareTo(o.id);
        }
    }

    /** A recorded adjust / setOnHand: its arguments and the level it produced. */
    private record AppliedWrite(boolean set, long amount, long expectedVersion, StockLevel result) {
        StockLevel replay(StockKey key, String reference, boolean isSet, long amt, long expected) {
            if (set != isSet || amount != amt || (set && expectedVersion != expected)) {
                throw new ReferenceReuseException(
                        key, reference, StockStorage.describeWrite(set, amount, expectedVersion));
            }
            return result;
        }
    }

    private final ConcurrentHashMap<String, Sku> skus = new ConcurrentHashMap<>();
    /** Write-locked while a new SKU is registered, so a snapshot of all SKUs can see none appear. */
    private final StampedLock catalog = new StampedLock();
    /** Reservations by id; each written only under the write locks of all its lines' SKUs. */
    private final ConcurrentHashMap<String, Reservation> reservations = new ConcurrentHashMap<>();
    /** HELD reservations by expiry; each entry written under the locks of its reservation's SKUs. */
    private final ConcurrentSkipListSet<Due> due = new ConcurrentSkipListSet<>();

    /** Creates an empty storage. */
    public InMemoryStockStorage() {}

    /** The SKU's record; registers it (empty, so invisible to readers) when {@code create}. */
    private @Nullable Sku sku(String sku, boolean create) {
        Sku s = skus.get(sku);
        if (s != null || !create) {
            return s;
        }
        long stamp = catalog.writeLock();
        try {
            return skus.computeIfAbsent(sku, Sku::new);
        } finally {
            catalog.unlockWrite(stamp);
        }
    }

    /**
     * Write-locks the SKUs in canonical order; returns them in that order. A SKU not registered is
     * skipped: its lines are unknown stock.
     */
    private List<Sku> lockSkus(Set<String> names) {
        List<Sku> locked = new ArrayList<>(names.size());
        for (String name : names) { // a TreeSet: canonical order
            Sku s = skus.get(name);
            if (s != null) {
                s.lock.asWriteLock().lock();
                locked.add(s);
            }
        }
        return locked;
    }

    private static void unlockSkus(List<Sku> locked) {
        for (int i = locked.size() - 1; i >= 0; i--) {
            locked.get(i).lock.asWriteLock().unlock();
        }
    }

    private static Set<String> skuNames(List<AllocatedLine> lines) {
        Set<String> names = new TreeSet<>();
        for (AllocatedLine line : lines) {
            names.add(line.key().sku());
        }
        return names;
    }

    /** The slot of a key among the SKUs the caller has write-locked; null if it does not exist. */
    private static @Nullable Slot slot(List<Sku> locked, StockKey key) {
        for (Sku s : locked) {
            if (s.sku.equals(key.sku())) {
                return s.slots.get(key.location());
            }
        }
        return null;
    }

    @Override
    public List<StockLevel> levels(String sku) {
        Sku s = skus.get(sku);
        return s == null ? List.of() : s.read();
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        Sku s = skus.get(key.sku());
        if (s == null) {
            return Optional.empty();
        }
        List<StockLevel> levels = s.read();
        int lo = 0;
        int hi = levels.size() - 1;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            int c = levels.get(mid).key().location().compareTo(key.location());
            if (c == 0) {
                return Optional.of(levels.get(mid));
            } else if (c < 0) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return Optional.empty();
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        Reservation existing = reservations.get(reservationId);
        if (existing != null) {
            return new ReserveResult.AlreadyExists(existing);
        }
        List<Sku> locked = lockSkus(skuNames(lines));
        try {
            existing = reservations.get(reservationId);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing);
            }
            List<String> missing = new ArrayList<>();
            List<Slot> slots = new ArrayList<>(lines.size());
            for (AllocatedLine line : lines) {
                Slot slot = slot(locked, line.key());
                if (slot == null) {
                    missing.add(line.key().sku() + "@" + line.key().location());
                }
                slots.add(slot);
            }
            if (!missing.isEmpty()) {
                return new ReserveResult.UnknownStock(missing);
            }
            List<Shortfall> shortfalls = new ArrayList<>();
            for (int i = 0; i < lines.size(); i++) {
                StockLevel l = slots.get(i).level;
                long quantity = lines.get(i).quantity();
                if (l.available() < quantity) {
                    shortfalls.add(
                            new Shortfall(l.key().sku(), l.key().location(), quantity, Math.max(0, l.available())));
                }
            }
            if (!shortfalls.isEmpty()) {
                return new ReserveResult.Insufficient(shortfalls);
            }
            Reservation r = new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now);
            // the id is claimed here; a reservation of the same id on other SKUs may have won it meanwhile
            existing = reservations.putIfAbsent(reservationId, r);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing);
            }
            for (int i = 0; i < lines.size(); i++) {
                slots.get(i).apply(0, lines.get(i).quantity(), MovementReason.RESERVE, reservationId, now);
            }
            locked.forEach(Sku::publish);
            due.add(new Due(expiresAt, reservationId));
            return new ReserveResult.Reserved(r);
        } finally {
            unlockSkus(locked);
        }
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        return Optional.ofNullable(reservations.get(reservationId));
    }

    /**
     * Applies the lifecycle's rule under the locks of the reservation's SKUs (its lines never
     * change, so they name the locks before the reservation is read under them). Never conflicts:
     * the read and the write happen under the same locks.
     */
    @Override
    public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
        Reservation seen = reservations.get(reservationId);
        if (seen == null) {
            return new TransitionResult.NotFound(reservationId);
        }
        List<Sku> locked = lockSkus(skuNames(seen.lines()));
        try {
            // reservations are never removed, and it was there before the locks
            Reservation current =
                    Objects.requireNonNull(reservations.get(reservationId), "reservation " + reservationId);
            ReservationTransition.Rule rule = transition.rule(current, now);
            TransitionResult result = rule.outcome(current, now);
            if (result instanceof TransitionResult.Applied applied) {
                for (Movement m : transition.movements(current, now)) {
                    // a reservation holds only levels that existed, and levels are never removed
                    Objects.requireNonNull(slot(locked, m.key()), "level of a reserved line")
                            .apply(m);
                }
                if (transition.movesStock()) {
                    locked.forEach(Sku::publish);
                }
                reservations.put(reservationId, applied.reservation());
                if (current.state() == ReservationState.HELD) {
                    due.remove(new Due(current.expiresAt(), reservationId));
                }
            }
            return result;
        } finally {
            unlockSkus(locked);
        }
    }

    @Override
    public List<String> dueReservations(Instant now, int limit) {
        return readAllSkus(() -> {
            List<String> out = new ArrayList<>();
            for (Due d : due) {
                if (d.at().isAfter(now) || out.size() >= limit) {
                    break;
                }
                out.add(d.id());
            }
            return out;
        });
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        Sku s = sku(key.sku(), delta >= 0);
        if (s == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        long stamp = s.lock.writeLock();
        try {
            Slot slot = s.slots.get(key.location());
            if (slot == null) {
                if (delta < 0) {
                    throw new NotFoundException("stock level", key.sku() + "@" + key.location());
                }
                slot = new Slot(key, now);
            } else {
                AppliedWrite applied = slot.writes.get(reference);
                if (applied != null) {
                    return applied.replay(key, reference, false, delta, 0);
                }
            }
            StockLevel l = slot.level;
            if (l.onHand() + delta < l.reserved() || l.onHand() + delta < 0) {
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), -delta, l.available())));
            }
            slot.apply(delta, 0, MovementReason.ADJUST, reference, now);
            slot.writes.put(reference, new AppliedWrite(false, delta, 0, slot.level));
            s.slots.put(key.location(), slot);
            s.publish();
            return slot.level;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        Sku s = sku(key.sku(), expectedVersion == -1);
        if (s == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        long stamp = s.lock.writeLock();
        try {
            Slot slot = s.slots.get(key.location());
            if (slot == null) {
                if (expectedVersion != -1) {
                    throw new NotFoundException("stock level", key.sku() + "@" + key.location());
                }
                slot = new Slot(key, now);
            } else {
                AppliedWrite applied = slot.writes.get(reference);
                if (applied != null) {
                    return applied.replay(key, reference, true, onHand, expectedVersion);
                }
                if (expectedVersion == -1) {
                    throw new ConcurrencyConflictException("stock level " + key + " already exists");
                }
            }
            StockLevel l = slot.level;
            if (expectedVersion != -1 && l.version() != expectedVersion) {
                throw new ConcurrencyConflictException(
                        "stock level " + key + " is at version " + l.version() + ", expected " + expectedVersion);
            }
            if (onHand < l.reserved()) {
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), l.reserved(), onHand)));
            }
            slot.apply(onHand - l.onHand(), 0, MovementReason.SET_ON_HAND, reference, now);
            slot.writes.put(reference, new AppliedWrite(true, onHand, expectedVersion, slot.level));
            s.slots.put(key.location(), slot);
            s.publish();
            return slot.level;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public List<StockLevel> allLevels() {
        return readAllSkus(() -> {
            List<StockLevel> out = new ArrayList<>();
            for (Sku s : skus.values()) {
                out.addAll(s.levels);
            }
            out.sort(BY_KEY);
            return List.copyOf(out);
        });
    }

    /**
     * Runs a read spanning SKUs (all levels, the reservations, the expiry index) as of one instant.
     * Optimistically first: valid when no SKU was registered and no SKU write-locked from before the
     * read until after it. Else (a writer interfered) once more holding the registration lock and
     * every SKU's read lock, taken in canonical order: two passes at most, never a retry loop.
     */
    private <T> T readAllSkus(Supplier<T> read) {
        long optimisticCatalog = catalog.tryOptimisticRead();
        List<Sku> seen = new ArrayList<>(skus.values());
        long[] optimistic = new long[seen.size()];
        for (int i = 0; i < optimistic.length; i++) {
            optimistic[i] = seen.get(i).lock.tryOptimisticRead();
        }
        T result = read.get();
        boolean valid = catalog.validate(optimisticCatalog);
        for (int i = 0; valid && i < optimistic.length; i++) {
            valid = seen.get(i).lock.validate(optimistic[i]);
        }
        if (valid) {
            return result;
        }
        long catalogStamp = catalog.readLock();
        try {
            List<Sku> all = new ArrayList<>(skus.values());
            all.sort(BY_NAME);
            long[] stamps = new long[all.size()];
            int n = 0;
            try {
                for (; n < stamps.length; n++) {
                    stamps[n] = all.get(n).lock.readLock();
                }
                return read.get();
            } finally {
                for (int i = n - 1; i >= 0; i--) {
                    all.get(i).lock.unlockRead(stamps[i]);
                }
            }
        } finally {
            catalog.unlockRead(catalogStamp);
        }
    }

    @Override
    public List<Reservation> reservations(Set<ReservationState> states) {
        return readAllSkus(() -> reservations.values().stream()
                .filter(r -> states.contains(r.state()))
                .toList());
    }

    @Override
    public List<Movement> movements(StockKey key) {
        Sku s = skus.get(key.sku());
        if (s == null) {
            return List.of();
        }
        long stamp = s.lock.readLock();
        try {
            Slot slot = s.slots.get(key.location());
            return slot == null ? List.of() : List.copyOf(slot.movements);
        } finally {
            s.lock.unlockRead(stamp);
        }
    }

    /**
     * Number of stock levels held.
     *
     * @return the count
     */
    public int size() {
        return readAllSkus(() -> {
            int n = 0;
            for (Sku s : skus.values()) {
                n += s.levels.size();
            }
            return n;
        });
    }
}
