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
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The embedded default {@link StockStorage}: thread-safe without a global lock. Each stock level
 * has its own lock; a multi-line reservation takes the locks of its lines in canonical order (so
 * two reservations can never deadlock), and each reservation id maps to one of 1024 striped locks
 * taken before any level lock. Reads of levels are lock-free snapshots.
 *
 * <p>State lives in this JVM only: use the JDBC or Redis backend to share stock across processes.
 */
public final class InMemoryStockStorage implements StockStorage {

    private static final class Cell {
        final ReentrantLock lock = new ReentrantLock();
        final StockKey key;
        final List<Movement> movements = new ArrayList<>();
        /** Applied adjust / setOnHand writes by reference (guarded by {@link #lock}). */
        final Map<String, AppliedWrite> writes = new HashMap<>();
        volatile StockLevel level;

        Cell(StockKey key, Instant now) {
            this.key = key;
            this.level = new StockLevel(key, 0, 0, 0, now);
        }

        void apply(long onHandDelta, long reservedDelta, MovementReason reason, String ref, Instant now) {
            StockLevel l = level;
            level = new StockLevel(key, l.onHand() + onHandDelta, l.reserved() + reservedDelta, l.version() + 1, now);
            movements.add(new Movement(key, onHandDelta, reservedDelta, reason, ref, now));
        }
    }

    private record Due(Instant at, String id) {
    }

    /** A recorded adjust / setOnHand: its arguments and the level it produced. */
    private record AppliedWrite(boolean set, long amount, long expectedVersion, StockLevel result) {
        StockLevel replay(StockKey key, String reference, boolean isSet, long amt, long expected) {
            if (set != isSet || amount != amt || (set && expectedVersion != expected)) {
                throw new ReferenceReuseException(key, reference,
                        StockStorage.describeWrite(set, amount, expectedVersion));
            }
            return result;
        }
    }

    private final ConcurrentHashMap<StockKey, Cell> cells = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<String, ConcurrentSkipListSet<StockKey>> keysBySku = new ConcurrentSkipListMap<>();
    private final ConcurrentHashMap<String, Reservation> reservations = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Due> due = new ConcurrentSkipListSet<>(
            Comparator.comparing(Due::at).thenComparing(Due::id));
    private final ReentrantLock[] idLocks = new ReentrantLock[1024];

    /** Creates an empty storage. */
    public InMemoryStockStorage() {
        for (int i = 0; i < idLocks.length; i++) {
            idLocks[i] = new ReentrantLock();
        }
    }

    private ReentrantLock idLock(String id) {
        return idLocks[(id.hashCode() & 0x7fffffff) % idLocks.length];
    }

    @Override
    public List<StockLevel> levels(String sku) {
        ConcurrentSkipListSet<StockKey> keys = keysBySku.get(sku);
        if (keys == null) {
            return List.of();
        }
        List<StockLevel> out = new ArrayList<>(keys.size());
        for (StockKey k : keys) {
            out.add(cells.get(k).level);
        }
        return out;
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        Cell c = cells.get(key);
        return c == null ? Optional.empty() : Optional.of(c.level);
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        ReentrantLock idLock = idLock(reservationId);
        idLock.lock();
        try {
            Reservation existing = reservations.get(reservationId);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing);
            }
            List<Cell> locked = new ArrayList<>(lines.size());
            List<String> missing = new ArrayList<>();
            for (AllocatedLine line : lines) {
                Cell c = cells.get(line.key());
                if (c == null) {
                    missing.add(line.key().sku() + "@" + line.key().location());
                } else {
                    locked.add(c);
                }
            }
            if (!missing.isEmpty()) {
                return new ReserveResult.UnknownStock(missing);
            }
            locked.sort(Comparator.comparing(c -> c.key));
            int n = 0;
            try {
                for (Cell c : locked) {
                    c.lock.lock();
                    n++;
                }
                List<Shortfall> shortfalls = new ArrayList<>();
                for (int i = 0; i < lines.size(); i++) {
                    StockLevel l = cells.get(lines.get(i).key()).level;
                    if (l.available() < lines.get(i).quantity()) {
                        shortfalls.add(new Shortfall(l.key().sku(), l.key().location(), lines.get(i).quantity(),
                                Math.max(0, l.available())));
                    }
                }
                if (!shortfalls.isEmpty()) {
                    return new ReserveResult.Insufficient(shortfalls);
                }
                for (AllocatedLine line : lines) {
                    cells.get(line.key()).apply(0, line.quantity(), MovementReason.RESERVE, reservationId, now);
                }
                Reservation r = new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now);
                reservations.put(reservationId, r);
                due.add(new Due(expiresAt, reservationId));
                return new ReserveResult.Reserved(r);
            } finally {
                for (int i = n - 1; i >= 0; i--) {
                    locked.get(i).lock.unlock();
                }
            }
        } finally {
            idLock.unlock();
        }
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        return Optional.ofNullable(reservations.get(reservationId));
    }

    /** Applies a lifecycle rule under the reservation's lock; returns the reservation after it. */
    private Reservation transition(String id, Instant now, ReservationTransition rule, boolean[] changed) {
        ReentrantLock idLock = idLock(id);
        idLock.lock();
        try {
            Reservation r = reservations.get(id);
            if (r == null) {
                throw new NotFoundException("reservation", id);
            }
            ReservationState next = rule.next(r, now);
            if (next == null) {
                return r;
            }
            if (rule.movesStock()) {
                List<Cell> locked = r.lines().stream().map(l -> cells.get(l.key())).toList(); // canonical order
                locked.forEach(c -> c.lock.lock());
                try {
                    for (AllocatedLine line : r.lines()) {
                        cells.get(line.key()).apply(rule.onHandSign() * line.quantity(),
                                rule.reservedSign() * line.quantity(), rule.reason(), id, now);
                    }
                } finally {
                    for (int i = locked.size() - 1; i >= 0; i--) {
                        locked.get(i).lock.unlock();
                    }
                }
            }
            Reservation updated = r.withState(next, now);
            reservations.put(id, updated);
            if (r.state() == ReservationState.HELD) {
                due.remove(new Due(r.expiresAt(), id));
            }
            changed[0] = true;
            return updated;
        } finally {
            idLock.unlock();
        }
    }

    @Override
    public Reservation commit(String reservationId, Instant now) {
        return transition(reservationId, now, ReservationTransition.COMMIT, new boolean[1]);
    }

    @Override
    public Reservation release(String reservationId, Instant now) {
        return transition(reservationId, now, ReservationTransition.RELEASE, new boolean[1]);
    }

    @Override
    public Reservation fulfil(String reservationId, Instant now) {
        return transition(reservationId, now, ReservationTransition.FULFIL, new boolean[1]);
    }

    @Override
    public Optional<Reservation> expire(String reservationId, Instant now) {
        if (!reservations.containsKey(reservationId)) {
            return Optional.empty();
        }
        boolean[] changed = {false};
        Reservation after = transition(reservationId, now, ReservationTransition.EXPIRE, changed);
        return changed[0] ? Optional.of(after) : Optional.empty();
    }

    @Override
    public List<String> dueReservations(Instant now, int limit) {
        List<String> out = new ArrayList<>();
        for (Due d : due) {
            if (d.at().isAfter(now) || out.size() >= limit) {
                break;
            }
            out.add(d.id());
        }
        return out;
    }

    private Cell cell(StockKey key, boolean create, Instant now) {
        Cell c = create ? cells.computeIfAbsent(key, k -> new Cell(k, now)) : cells.get(key);
        if (c != null && create) {
            keysBySku.computeIfAbsent(key.sku(), s -> new ConcurrentSkipListSet<>()).add(key);
        }
        return c;
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        Cell c = cell(key, delta >= 0, now);
        if (c == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        c.lock.lock();
        try {
            AppliedWrite applied = c.writes.get(reference);
            if (applied != null) {
                return applied.replay(key, reference, false, delta, 0);
            }
            StockLevel l = c.level;
            if (l.onHand() + delta < l.reserved() || l.onHand() + delta < 0) {
                throw new InsufficientStockException(List.of(new Shortfall(key.sku(), key.location(), -delta,
                        l.available())));
            }
            c.apply(delta, 0, MovementReason.ADJUST, reference, now);
            c.writes.put(reference, new AppliedWrite(false, delta, 0, c.level));
            return c.level;
        } finally {
            c.lock.unlock();
        }
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        Cell fresh = null;
        Cell c = cells.get(key);
        if (c == null && expectedVersion == -1) {
            fresh = new Cell(key, now);
            c = cells.putIfAbsent(key, fresh);
            if (c == null) {
                c = fresh;
                keysBySku.computeIfAbsent(key.sku(), s -> new ConcurrentSkipListSet<>()).add(key);
            } else {
                fresh = null;
            }
        }
        if (c == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        c.lock.lock();
        try {
            AppliedWrite applied = c.writes.get(reference);
            if (applied != null) {
                return applied.replay(key, reference, true, onHand, expectedVersion);
            }
            StockLevel l = c.level;
            if (expectedVersion == -1 && c != fresh) {
                throw new ConcurrencyConflictException("stock level " + key + " already exists");
            }
            if (expectedVersion != -1 && l.version() != expectedVersion) {
                throw new ConcurrencyConflictException("stock level " + key + " is at version " + l.version()
                        + ", expected " + expectedVersion);
            }
            if (onHand < l.reserved()) {
                throw new InsufficientStockException(List.of(new Shortfall(key.sku(), key.location(), l.reserved(),
                        onHand)));
            }
            c.apply(onHand - l.onHand(), 0, MovementReason.SET_ON_HAND, reference, now);
            c.writes.put(reference, new AppliedWrite(true, onHand, expectedVersion, c.level));
            return c.level;
        } finally {
            c.lock.unlock();
        }
    }

    @Override
    public List<StockLevel> allLevels() {
        return cells.values().stream().map(c -> c.level).sorted(Comparator.comparing(StockLevel::key)).toList();
    }

    @Override
    public List<Reservation> reservations(Set<ReservationState> states) {
        return reservations.values().stream().filter(r -> states.contains(r.state())).toList();
    }

    @Override
    public List<Movement> movements(StockKey key) {
        Cell c = cells.get(key);
        if (c == null) {
            return List.of();
        }
        c.lock.lock();
        try {
            return List.copyOf(c.movements);
        } finally {
            c.lock.unlock();
        }
    }

    /**
     * Number of stock levels held.
     *
     * @return the count
     */
    public int size() {
        return cells.size();
    }

}
