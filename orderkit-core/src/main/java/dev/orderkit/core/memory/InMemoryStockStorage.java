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
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.LevelAudit;
import dev.orderkit.core.spi.PositionedMovement;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
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
 * releases any lock. A location's level is a set of mutable counters written only under its SKU's
 * write lock; a location appears (its slot is added to the SKU's sorted slot array, replaced whole)
 * inside the write that first changes it, after that change. Readers never block writers for
 * long: {@link #levels} and {@link #level} build the levels from the counters under an optimistic
 * stamp and keep them only if the stamp validates, falling back to the read lock when a writer held
 * it; {@link #allLevels} and {@link #reservations} validate the stamps of every SKU (and that no
 * SKU was registered), falling back to all the read locks in canonical order; the expiry index is
 * kept per SKU (a reservation's entry lives with each of its SKUs, written under their write
 * locks): {@link #dueReservations(Instant, int)} reads it under all the read locks, the lookup by
 * SKU under the read lock of each SKU asked for; {@link #reservation} is one read of a
 * value a writer stores while it still holds its locks; {@link #movements} copies under the read
 * lock. Writes on disjoint SKUs never wait for each other; only the first write of a new SKU takes
 * a short registration lock.
 *
 * <p>State lives in this JVM only: use the JDBC or Redis backend to share stock across processes.
 */
public final class InMemoryStockStorage implements StockStorage {

    private static final Comparator<StockLevel> BY_KEY = Comparator.comparing(StockLevel::key);
    private static final Comparator<Sku> BY_NAME = Comparator.comparing(s -> s.sku);

    /**
     * One location of a SKU: mutable counters, written only under the SKU's write lock and read
     * either under a lock or optimistically (then validated against the SKU's stamp).
     */
    private static final class Slot {
        final StockKey key;
        /** The level's movements with their positions, see {@link StockStorage#movements(StockKey, long, int)}. */
        final MovementLog movements = new MovementLog();
        /** The position of the next movement appended. */
        long nextPosition = 1;
        /** Applied adjust / setOnHand writes by reference. */
        final Map<String, AppliedWrite> writes = new HashMap<>();

        long onHand;
        long reserved;
        /** The part of {@code reserved} committed (the rest is held). */
        long committed;

        long version;
        Instant updatedAt;
        StockPolicy policy = StockPolicy.none();

        Slot(StockKey key, Instant now) {
            this.key = key;
            this.updatedAt = now;
        }

        /** Units a reservation may take at {@code now}: on-hand and the policy's allowance, less reserved. */
        long reservable(Instant now) {
            return onHand + policy.allowance(now) - reserved;
        }

        StockLevel level() {
            return new StockLevel(key, onHand, reserved, committed, version, updatedAt, policy);
        }

        void apply(long onHandDelta, long reservedDelta, MovementReason reason, String ref, Instant now) {
            onHand += onHandDelta;
            reserved += reservedDelta;
            version++;
            updatedAt = now;
            movements.add(nextPosition++, onHandDelta, reservedDelta, reason, ref, now);
        }

        void apply(Movement m) {
            apply(m.onHandDelta(), m.reservedDelta(), m.reason(), m.reference(), m.at());
        }

        /** Moves units between held and committed (a commit records no movement). */
        void commitDelta(long delta, Instant now, boolean countsAsChange) {
            committed += delta;
            if (countsAsChange) {
                version++;
                updatedAt = now;
            }
        }
    }

    /**
     * A level's movements, column by column (growable arrays of the fields and of each movement's
     * position, increasing): a movement is materialized only when read, so recording one allocates
     * nothing and keeps no object of its own (its reference is the reservation's id, which the
     * storage keeps anyway; its time is two numbers). On the in-memory benchmark every reservation and its
     * movement stay live for the whole iteration, and copying those objects was most of the
     * garbage collector's time (issue 11). Guarded like the slot.
     */
    private static final class MovementLog {
        private static final MovementReason[] REASONS = MovementReason.values();
        private static final int INITIAL = 8;

        private long[] positions = new long[INITIAL];
        private long[] onHand = new long[INITIAL];
        private long[] reserved = new long[INITIAL];
        private byte[] reasons = new byte[INITIAL];
        private String[] references = new String[INITIAL];
        private long[] seconds = new long[INITIAL];
        private int[] nanos = new int[INITIAL];
        private int n;

        void add(long position, long onHandDelta, long reservedDelta, MovementReason reason, String ref, Instant at) {
            if (n == positions.length) {
                int to = n + (n >> 1);
                positions = Arrays.copyOf(positions, to);
                onHand = Arrays.copyOf(onHand, to);
                reserved = Arrays.copyOf(reserved, to);
                reasons = Arrays.copyOf(reasons, to);
                references = Arrays.copyOf(references, to);
                seconds = Arrays.copyOf(seconds, to);
                nanos = Arrays.copyOf(nanos, to);
            }
            positions[n] = position;
            onHand[n] = onHandDelta;
            reserved[n] = reservedDelta;
            reasons[n] = (byte) reason.ordinal();
            references[n] = ref;
            seconds[n] = at.getEpochSecond();
            nanos[n] = at.getNano();
            n++;
        }

        int size() {
            return n;
        }

        long position(int i) {
            Objects.checkIndex(i, n);
            return positions[i];
        }

        long onHandDelta(int i) {
            Objects.checkIndex(i, n);
            return onHand[i];
        }

        long reservedDelta(int i) {
            Objects.checkIndex(i, n);
            return reserved[i];
        }

        MovementReason reason(int i) {
            Objects.checkIndex(i, n);
            return REASONS[reasons[i]];
        }

        String reference(int i) {
            Objects.checkIndex(i, n);
            return references[i];
        }

        Instant at(int i) {
            Objects.checkIndex(i, n);
            return Instant.ofEpochSecond(seconds[i], nanos[i]);
        }

        /** Whether the movement at {@code i} happened before {@code t}. */
        boolean before(int i, Instant t) {
            Objects.checkIndex(i, n);
            return seconds[i] != t.getEpochSecond() ? seconds[i] < t.getEpochSecond() : nanos[i] < t.getNano();
        }

        /** The movement at {@code i}, materialized. */
        Movement get(StockKey key, int i) {
            return new Movement(key, onHandDelta(i), reservedDelta(i), reason(i), reference(i), at(i));
        }

        List<Movement> toList(StockKey key) {
            Movement[] out = new Movement[n];
            for (int i = 0; i < n; i++) {
                out[i] = get(key, i);
            }
            return List.of(out);
        }

        /** Appends the movement at {@code i} of {@code from} (its position included). */
        void addFrom(MovementLog from, int i) {
            add(
                    from.position(i),
                    from.onHandDelta(i),
                    from.reservedDelta(i),
                    from.reason(i),
                    from.reference(i),
                    from.at(i));
        }

        void replaceWith(MovementLog other) {
            positions = other.positions;
            onHand = other.onHand;
            reserved = other.reserved;
            reasons = other.reasons;
            references = other.references;
            seconds = other.seconds;
            nanos = other.nanos;
            n = other.n;
        }
    }

    private static final Slot[] NO_SLOTS = {};

    /** All levels of one SKU. */
    private static final class Sku {
        final String sku;
        final StampedLock lock = new StampedLock();
        /**
         * The slots, sorted by location; the array is replaced (never changed) under the write lock
         * when a write creates a location, after that write applied its change to the new slot.
         */
        volatile Slot[] slots = NO_SLOTS;
        /**
         * Expiry index of the HELD reservations with a line of this SKU (a reservation is indexed
         * under each of its SKUs); read and written only under this SKU's lock (never
         * optimistically).
         */
        final DueIndex due;
        /**
         * Ids of the COMMITTED reservations with a line of this SKU; with the HELD ones of
         * {@link #due} the drift check's index of active holds by SKU (a hold costs no entry here
         * until it is committed). Read and written only under this SKU's lock.
         */
        final Set<String> committed = new HashSet<>();

        Sku(String sku, Map<String, Hold> reservations) {
            this.sku = sku;
            this.due = new DueIndex(reservations);
        }

        /** The slot of a location, or null. */
        @Nullable
        Slot slot(String location) {
            Slot[] a = slots;
            int lo = 0;
            int hi = a.length - 1;
            while (lo <= hi) {
                int mid = (lo + hi) >>> 1;
                int c = a[mid].key.location().compareTo(location);
                if (c == 0) {
                    return a[mid];
                } else if (c < 0) {
                    lo = mid + 1;
                } else {
                    hi = mid - 1;
                }
            }
            return null;
        }

        /** Adds a slot the caller just wrote; called under the write lock. */
        void add(Slot slot) {
            Slot[] a = slots;
            Slot[] b = new Slot[a.length + 1];
            int i = 0;
            while (i < a.length && a[i].key.location().compareTo(slot.key.location()) < 0) {
                b[i] = a[i];
                i++;
            }
            b[i] = slot;
            System.arraycopy(a, i, b, i + 1, a.length - i);
            slots = b;
        }

        /** The levels built from the counters: consistent only under a lock or a validated stamp. */
        List<StockLevel> snapshot() {
            Slot[] a = slots;
            if (a.length == 1) {
                return List.of(a[0].level());
            }
            StockLevel[] out = new StockLevel[a.length];
            for (int i = 0; i < a.length; i++) {
                out[i] = a[i].level();
            }
            return List.of(out);
        }

        /** The levels as of one instant, without blocking writers when possible. */
        List<StockLevel> read() {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                List<StockLevel> l = snapshot();
                if (lock.validate(stamp)) {
                    return l;
                }
            }
            stamp = lock.readLock();
            try {
                return snapshot();
            } finally {
                lock.unlockRead(stamp);
            }
        }

        /** The level of one location as of one instant, or null. */
        @Nullable
        StockLevel read(String location) {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                Slot slot = slot(location);
                StockLevel l = slot == null ? null : slot.level();
                if (lock.validate(stamp)) {
                    return l;
                }
            }
            stamp = lock.readLock();
            try {
                Slot slot = slot(location);
                return slot == null ? null : slot.level();
            } finally {
                lock.unlockRead(stamp);
            }
        }
    }

    /** A recorded adjust / setOnHand / setPolicy: its arguments and the level it produced. */
    private record AppliedWrite(
            boolean set,
            long amount,
            long expectedVersion,
            @Nullable StockPolicy policy,
            StockLevel result) {
        StockLevel replay(StockKey key, String reference, boolean isSet, long amt, long expected) {
            if (policy != null || set != isSet || amount != amt || (set && expectedVersion != expected)) {
                throw new ReferenceReuseException(key, reference, describe());
            }
            return result;
        }

        StockLevel replay(StockKey key, String reference, StockPolicy p) {
            if (!p.equals(policy)) {
                throw new ReferenceReuseException(key, reference, describe());
            }
            return result;
        }

        private String describe() {
            return policy != null
                    ? StockStorage.describePolicy(policy)
                    : StockStorage.describeWrite(set, amount, expectedVersion);
        }
    }

    private final ConcurrentHashMap<String, Sku> skus = new ConcurrentHashMap<>();
    /** Write-locked while a new SKU is registered, so a snapshot of all SKUs can see none appear. */
    private final StampedLock catalog = new StampedLock();
    /** Reservations by id; each written only under the write locks of all its lines' SKUs. */
    private final ConcurrentHashMap<String, Hold> reservations = new ConcurrentHashMap<>();

    /** Where stock events are recorded with their changes; null: none are (core sends them). */
    private final @Nullable InMemoryOutbox outbox;

    /**
     * Where {@link #record} records events: {@link #outbox} when its sink keeps events; null when
     * there is no outbox or its sink discards every event (then no event is built at all).
     */
    private final @Nullable InMemoryOutbox recordTo;

    /** Creates an empty storage that records no events (core sends the stock events itself). */
    public InMemoryStockStorage() {
        this.outbox = null;
        this.recordTo = null;
    }

    /**
     * Creates an empty storage that records the event of every stock change ({@link StockEvents})
     * in {@code outbox} under the locks of that change, and flushes the outbox after it.
     *
     * @param outbox the outbox (e.g. shared with an {@link InMemoryOrderStore})
     */
    public InMemoryStockStorage(InMemoryOutbox outbox) {
        this.outbox = Objects.requireNonNull(outbox, "outbox");
        this.recordTo = outbox.discards() ? null : outbox;
    }

    /** True when built with an outbox: every change's event is recorded with it. */
    @Override
    public boolean recordsEvents() {
        return outbox != null;
    }

    /**
     * Records a change's event; called under the change's locks. The event is built only when it
     * is kept: without an outbox, or with one whose sink discards events, {@code event} is never
     * called, so no event object exists.
     */
    private void record(Supplier<OrderKitEvent> event) {
        InMemoryOutbox o = recordTo;
        if (o != null) {
            o.append(event.get());
        }
    }

    /** Delivers recorded events; called after the change's locks are released. */
    private void flush() {
        InMemoryOutbox o = outbox;
        if (o != null) {
            o.flush();
        }
    }

    /** The SKU's record; registers it (empty, so invisible to readers) when {@code create}. */
    private @Nullable Sku sku(String sku, boolean create) {
        Sku s = skus.get(sku);
        if (s != null || !create) {
            return s;
        }
        long stamp = catalog.writeLock();
        try {
            return skus.computeIfAbsent(sku, name -> new Sku(name, reservations));
        } finally {
            catalog.unlockWrite(stamp);
        }
    }

    /**
     * Write-locks the SKUs of the lines in canonical order; returns them in that order. A SKU not
     * registered is skipped: its lines are unknown stock.
     */
    private List<Sku> lockSkus(List<AllocatedLine> lines) {
        String only = lines.get(0).key().sku();
        boolean oneSku = true;
        for (int i = 1; oneSku && i < lines.size(); i++) {
            oneSku = lines.get(i).key().sku().equals(only);
        }
        if (oneSku) {
            Sku s = skus.get(only);
            if (s == null) {
                return List.of();
            }
            s.lock.asWriteLock().lock();
            return List.of(s);
        }
        Set<String> names = new TreeSet<>();
        for (AllocatedLine line : lines) {
            names.add(line.key().sku());
        }
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

    /** The slot of a key among the SKUs the caller has write-locked; null if it does not exist. */
    private static @Nullable Slot slot(List<Sku> locked, StockKey key) {
        for (Sku s : locked) {
            if (s.sku.equals(key.sku())) {
                return s.slot(key.location());
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
        return s == null ? Optional.empty() : Optional.ofNullable(s.read(key.location()));
    }

    @Override
    public ReserveResult reserve(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        ReserveResult out = reserve0(reservationId, lines, expiresAt, now);
        if (out instanceof ReserveResult.Reserved) {
            flush();
        }
        return out;
    }

    private ReserveResult reserve0(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        Hold existing = reservations.get(reservationId);
        if (existing != null) {
            return new ReserveResult.AlreadyExists(existing.toReservation());
        }
        if (lines.size() == 1) {
            return reserveOne(reservationId, lines, expiresAt, now);
        }
        List<Sku> locked = lockSkus(lines);
        try {
            existing = reservations.get(reservationId);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing.toReservation());
            }
            List<String> missing = null;
            Slot[] slots = new Slot[lines.size()];
            for (int i = 0; i < lines.size(); i++) {
                StockKey key = lines.get(i).key();
                slots[i] = slot(locked, key);
                if (slots[i] == null) {
                    if (missing == null) {
                        missing = new ArrayList<>();
                    }
                    missing.add(key.sku() + "@" + key.location());
                }
            }
            if (missing != null) {
                return new ReserveResult.UnknownStock(missing);
            }
            List<Shortfall> shortfalls = null;
            for (int i = 0; i < lines.size(); i++) {
                Slot slot = slots[i];
                long quantity = lines.get(i).quantity();
                long reservable = slot.reservable(now);
                if (reservable < quantity) {
                    if (shortfalls == null) {
                        shortfalls = new ArrayList<>();
                    }
                    shortfalls.add(
                            new Shortfall(slot.key.sku(), slot.key.location(), quantity, Math.max(0, reservable)));
                }
            }
            if (shortfalls != null) {
                return new ReserveResult.Insufficient(shortfalls);
            }
            Reservation r = new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now);
            Hold hold = Hold.of(r);
            // the id is claimed here; a reservation of the same id on other SKUs may have won it meanwhile
            existing = reservations.putIfAbsent(reservationId, hold);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing.toReservation());
            }
            for (int i = 0; i < lines.size(); i++) {
                slots[i].apply(0, lines.get(i).quantity(), MovementReason.RESERVE, reservationId, now);
            }
            for (Sku s : locked) { // every SKU of the lines: the index by SKU and expiry
                s.due.add(hold);
            }
            record(() -> StockEvents.reserved(reservationId, lines.size(), now));
            return new ReserveResult.Reserved(r);
        } finally {
            unlockSkus(locked);
        }
    }

    /** {@link #reserve} of one line: one SKU's write lock, no lists. */
    private ReserveResult reserveOne(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {
        AllocatedLine line = lines.get(0);
        StockKey key = line.key();
        Sku s = skus.get(key.sku());
        if (s == null) {
            return new ReserveResult.UnknownStock(List.of(key.sku() + "@" + key.location()));
        }
        long stamp = s.lock.writeLock();
        try {
            Hold existing = reservations.get(reservationId);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing.toReservation());
            }
            Slot slot = s.slot(key.location());
            if (slot == null) {
                return new ReserveResult.UnknownStock(List.of(key.sku() + "@" + key.location()));
            }
            long quantity = line.quantity();
            long reservable = slot.reservable(now);
            if (reservable < quantity) {
                return new ReserveResult.Insufficient(
                        List.of(new Shortfall(key.sku(), key.location(), quantity, Math.max(0, reservable))));
            }
            Reservation r = new Reservation(reservationId, ReservationState.HELD, lines, expiresAt, now, now);
            Hold hold = Hold.of(r, slot.key); // the level's key: the hold keeps no key of its own
            existing = reservations.putIfAbsent(reservationId, hold);
            if (existing != null) {
                return new ReserveResult.AlreadyExists(existing.toReservation());
            }
            slot.apply(0, quantity, MovementReason.RESERVE, reservationId, now);
            s.due.add(hold);
            record(() -> StockEvents.reserved(reservationId, 1, now));
            return new ReserveResult.Reserved(r);
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        Hold h = reservations.get(reservationId);
        return h == null ? Optional.empty() : Optional.of(h.toReservation());
    }

    /**
     * Applies the lifecycle's rule under the locks of the reservation's SKUs (its lines never
     * change, so they name the locks before the reservation is read under them). Never conflicts:
     * the read and the write happen under the same locks.
     */
    @Override
    public TransitionResult transition(String reservationId, ReservationTransition transition, Instant now) {
        TransitionResult out = transition0(reservationId, transition, now);
        if (out instanceof TransitionResult.Applied) {
            flush();
        }
        return out;
    }

    private TransitionResult transition0(String reservationId, ReservationTransition transition, Instant now) {
        Hold seen = reservations.get(reservationId);
        if (seen == null) {
            return new TransitionResult.NotFound(reservationId);
        }
        List<Sku> locked = lockSkus(seen.lines());
        try {
            Hold stored = reservations.get(reservationId);
            if (stored == null) { // purged (terminal and old) between the read and the locks
                return new TransitionResult.NotFound(reservationId);
            }
            Reservation current = stored.toReservation();
            ReservationTransition.Rule rule = transition.rule(current, now);
            TransitionResult result = rule.outcome(current, now);
            if (result instanceof TransitionResult.Applied) {
                List<Shortfall> shortfalls = transition.shortfalls(current, key -> {
                    Slot slot = slot(locked, key);
                    return slot == null ? 0 : slot.onHand;
                });
                if (!shortfalls.isEmpty()) { // a backorder no restock covers yet: on-hand never goes below zero
                    return new TransitionResult.Uncovered(current, shortfalls);
                }
            }
            if (result instanceof TransitionResult.Applied applied) {
                for (Movement m : transition.movements(current, now)) {
                    // a reservation holds only levels that existed, and levels are never removed
                    Objects.requireNonNull(slot(locked, m.key()), "level of a reserved line")
                            .apply(m);
                }
                long committedSign = transition.committedSign(current.state());
                if (committedSign != 0) {
                    for (AllocatedLine l : current.lines()) {
                        Objects.requireNonNull(slot(locked, l.key()), "level of a reserved line")
                                .commitDelta(committedSign * l.quantity(), now, !transition.movesStock());
                    }
                }
                reservations.put(reservationId, stored.replacedBy(applied.reservation()));
                record(() -> StockEvents.transitioned(reservationId, transition, now));
                ReservationState next = applied.reservation().state();
                if (next != current.state()
                        && (next == ReservationState.COMMITTED || current.state() == ReservationState.COMMITTED)) {
                    for (Sku s : locked) {
                        if (next == ReservationState.COMMITTED) {
                            s.committed.add(reservationId);
                        } else {
                            s.committed.remove(reservationId);
                        }
                    }
                }
                if (current.state() == ReservationState.HELD) {
                    for (Sku s : locked) {
                        s.due.remove(current.expiresAt(), reservationId);
                    }
                }
            }
            return result;
        } finally {
            unlockSkus(locked);
        }
    }

    /**
     * Decides and applies under the write locks of the reservation's SKUs, which every expiry of it
     * (the sweeper's, a lazy one on the reserve path) also takes: the expiry and the hold's entry in
     * the due index of each of its SKUs move together. Never conflicts.
     */
    @Override
    public ExtendResult extend(String reservationId, Instant newExpiry, Instant now) {
        ExtendResult out = extend0(reservationId, newExpiry, now);
        if (out instanceof ExtendResult.Extended) {
            flush();
        }
        return out;
    }

    private ExtendResult extend0(String reservationId, Instant newExpiry, Instant now) {
        Hold seen = reservations.get(reservationId);
        if (seen == null) {
            return new ExtendResult.NotFound(reservationId);
        }
        List<Sku> locked = lockSkus(seen.lines());
        try {
            Hold stored = reservations.get(reservationId);
            if (stored == null) { // purged (terminal and old) between the read and the locks
                return new ExtendResult.NotFound(reservationId);
            }
            Reservation current = stored.toReservation();
            ExtendResult decided = ExtendResult.decide(current, newExpiry, now);
            if (decided != null) {
                return decided;
            }
            Reservation extended = current.withExpiry(newExpiry);
            Hold hold = stored.replacedBy(extended);
            reservations.put(reservationId, hold); // before the index moves: it tells live entries by it
            for (Sku s : locked) {
                s.due.remove(current.expiresAt(), reservationId);
                s.due.add(hold);
            }
            record(() -> StockEvents.extended(reservationId, newExpiry, now));
            return new ExtendResult.Extended(extended);
        } finally {
            unlockSkus(locked);
        }
    }

    @Override
    public List<String> dueReservations(Instant now, int limit) {
        // the per-SKU indexes are plain collections: read under the read locks, never optimistically
        return lockedReadAllSkus(() -> {
            // a hold is indexed under each of its SKUs: the first `limit` of every SKU cover the
            // first `limit` overall, once duplicates are dropped
            TreeSet<DueIndex.Due> earliest = new TreeSet<>();
            for (Sku s : skus.values()) {
                s.due.forEachDue(now, limit, earliest::add);
            }
            List<String> out = new ArrayList<>(Math.min(limit, earliest.size()));
            for (DueIndex.Due d : earliest) {
                if (out.size() >= limit) {
                    break;
                }
                out.add(d.id());
            }
            return out;
        });
    }

    /** Reads the due index of each named SKU under that SKU's read lock only. */
    @Override
    public List<String> dueReservations(Collection<String> skuNames, Instant now, int limitPerSku) {
        Set<String> out = new LinkedHashSet<>();
        for (String name : skuNames) {
            Sku s = skus.get(name);
            if (s == null) {
                continue;
            }
            long stamp = s.lock.readLock();
            try {
                s.due.forEachDue(now, limitPerSku, d -> out.add(d.id()));
            } finally {
                s.lock.unlockRead(stamp);
            }
        }
        return List.copyOf(out);
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference, Instant now) {
        StockLevel out = adjust0(key, delta, reference, now);
        flush();
        return out;
    }

    private StockLevel adjust0(StockKey key, long delta, String reference, Instant now) {
        Sku s = sku(key.sku(), delta >= 0);
        if (s == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        long stamp = s.lock.writeLock();
        try {
            Slot slot = s.slot(key.location());
            boolean created = slot == null;
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
            if (delta < 0
                    && (slot.onHand + delta + slot.policy.allowance(now) < slot.reserved || slot.onHand + delta < 0)) {
                throw new InsufficientStockException(List.of(new Shortfall(
                        key.sku(), key.location(), -delta, Math.min(slot.onHand, Math.max(0, slot.reservable(now))))));
            }
            slot.apply(delta, 0, MovementReason.ADJUST, reference, now);
            StockLevel level = slot.level();
            slot.writes.put(reference, new AppliedWrite(false, delta, 0, null, level));
            record(() -> StockEvents.adjusted(key, false, level.onHand(), reference, now));
            if (created) {
                s.add(slot);
            }
            return level;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        StockLevel out = setOnHand0(key, onHand, expectedVersion, reference, now);
        flush();
        return out;
    }

    private StockLevel setOnHand0(StockKey key, long onHand, long expectedVersion, String reference, Instant now) {
        Sku s = sku(key.sku(), expectedVersion == -1);
        if (s == null) {
            throw new NotFoundException("stock level", key.sku() + "@" + key.location());
        }
        long stamp = s.lock.writeLock();
        try {
            Slot slot = s.slot(key.location());
            boolean created = slot == null;
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
            if (expectedVersion != -1 && slot.version != expectedVersion) {
                throw new ConcurrencyConflictException(
                        "stock level " + key + " is at version " + slot.version + ", expected " + expectedVersion);
            }
            if (onHand < slot.onHand && onHand + slot.policy.allowance(now) < slot.reserved) {
                throw new InsufficientStockException(
                        List.of(new Shortfall(key.sku(), key.location(), slot.reserved, onHand)));
            }
            slot.apply(onHand - slot.onHand, 0, MovementReason.SET_ON_HAND, reference, now);
            StockLevel level = slot.level();
            slot.writes.put(reference, new AppliedWrite(true, onHand, expectedVersion, null, level));
            record(() -> StockEvents.adjusted(key, true, level.onHand(), reference, now));
            if (created) {
                s.add(slot);
            }
            return level;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference, Instant now) {
        Sku s = Objects.requireNonNull(sku(key.sku(), true), "registered");
        long stamp = s.lock.writeLock();
        try {
            Slot slot = s.slot(key.location());
            boolean created = slot == null;
            if (slot == null) {
                slot = new Slot(key, now);
            } else {
                AppliedWrite applied = slot.writes.get(reference);
                if (applied != null) {
                    return applied.replay(key, reference, policy);
                }
            }
            slot.policy = policy;
            slot.apply(0, 0, MovementReason.POLICY, reference, now);
            StockLevel level = slot.level();
            slot.writes.put(reference, new AppliedWrite(false, 0, 0, policy, level));
            if (created) {
                s.add(slot);
            }
            return level;
        } finally {
            s.lock.unlockWrite(stamp);
        }
    }

    @Override
    public List<StockLevel> allLevels() {
        return readAllSkus(() -> {
            List<StockLevel> out = new ArrayList<>();
            for (Sku s : skus.values()) {
                out.addAll(s.snapshot());
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
        return lockedReadAllSkus(read);
    }

    /** Runs {@code read} under the catalog's read lock and every SKU's read lock (canonical order). */
    private <T> T lockedReadAllSkus(Supplier<T> read) {
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
                .filter(h -> states.contains(h.state))
                .map(Hold::toReservation)
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
            Slot slot = s.slot(key.location());
            return slot == null ? List.of() : slot.movements.toList(slot.key);
        } finally {
            s.lock.unlockRead(stamp);
        }
    }

    /** A binary search of the positions (increasing) under the SKU's read lock. */
    @Override
    public List<PositionedMovement> movements(StockKey key, long afterPosition, int limit) {
        Sku s = skus.get(key.sku());
        if (s == null) {
            return List.of();
        }
        long stamp = s.lock.readLock();
        try {
            Slot slot = s.slot(key.location());
            if (slot == null) {
                return List.of();
            }
            MovementLog pos = slot.movements;
            int lo = 0;
            int hi = pos.size();
            while (lo < hi) { // first index with a position > afterPosition
                int mid = (lo + hi) >>> 1;
                if (pos.position(mid) <= afterPosition) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            List<PositionedMovement> out = new ArrayList<>(Math.min(limit, pos.size() - lo));
            for (int i = lo; i < pos.size() && out.size() < limit; i++) {
                out.add(new PositionedMovement(pos.position(i), pos.get(slot.key, i)));
            }
            return out;
        } finally {
            s.lock.unlockRead(stamp);
        }
    }

    /**
     * Each level under its SKU's read lock (writers of that SKU wait for the summing pass only):
     * the level, its movements and the active reservations indexed under the SKU, which only
     * writers holding that lock change.
     */
    @Override
    public List<LevelAudit> audit(List<StockKey> keys) {
        List<LevelAudit> out = new ArrayList<>(keys.size());
        for (StockKey key : keys) {
            Sku s = skus.get(key.sku());
            if (s == null) {
                continue;
            }
            long stamp = s.lock.readLock();
            try {
                Slot slot = s.slot(key.location());
                if (slot == null) {
                    continue;
                }
                long onHand = 0;
                long reserved = 0;
                MovementLog ms = slot.movements;
                for (int i = 0; i < ms.size(); i++) {
                    onHand += ms.onHandDelta(i);
                    reserved += ms.reservedDelta(i);
                }
                Set<String> active = new HashSet<>(s.committed);
                s.due.forEachLive(active::add);
                long holds = 0;
                for (String id : active) {
                    Hold r = reservations.get(id);
                    if (r != null && r.state.isActive()) {
                        for (var line : r.lines()) {
                            if (line.key().equals(key)) {
                                holds += line.quantity();
                            }
                        }
                    }
                }
                out.add(new LevelAudit(slot.level(), onHand, reserved, holds));
            } finally {
                s.lock.unlockRead(stamp);
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- retention

    /**
     * Deletes old terminal reservations, each under the write locks of its SKUs (as every write of
     * it), after checking again under them that it is still the terminal one seen.
     */
    @Override
    public int purgeReservations(Instant olderThan, int limit) {
        int purged = 0;
        for (Hold seen : reservations.values()) {
            if (purged >= limit) {
                break;
            }
            if (!purgeable(seen, olderThan)) {
                continue;
            }
            List<Sku> locked = lockSkus(seen.lines());
            try {
                Hold current = reservations.get(seen.id);
                if (current != null && purgeable(current, olderThan) && reservations.remove(seen.id, current)) {
                    current.supersede();
                    purged++;
                }
            } finally {
                unlockSkus(locked);
            }
        }
        return purged;
    }

    private static boolean purgeable(Hold r, Instant olderThan) {
        return !r.state.isActive() && r.updatedAt().isBefore(olderThan);
    }

    /**
     * Folds each level's movements older than {@code olderThan} into one snapshot movement (at the
     * position of the first of them), under the SKU's write lock, dropping the recorded writes
     * whose movements were folded.
     */
    @Override
    public int compactMovements(Instant olderThan, int limit) {
        int removed = 0;
        for (Sku s : skus.values()) {
            if (removed >= limit) {
                break;
            }
            long stamp = s.lock.writeLock();
            try {
                for (Slot slot : s.slots) {
                    if (removed >= limit) {
                        break;
                    }
                    removed += fold(slot, olderThan, limit - removed);
                }
            } finally {
                s.lock.unlockWrite(stamp);
            }
        }
        return removed;
    }

    /** Folds up to {@code budget + 1} old movements of a slot into one; returns how many went. */
    private static int fold(Slot slot, Instant olderThan, int budget) {
        MovementLog ms = slot.movements;
        boolean[] folded = new boolean[ms.size()];
        int first = -1;
        int count = 0;
        for (int i = 0; i < ms.size() && count <= budget; i++) {
            if (ms.before(i, olderThan)) {
                folded[i] = true;
                first = first < 0 ? i : first;
                count++;
            }
        }
        if (count < 2) {
            return 0;
        }
        long onHand = 0;
        long reserved = 0;
        Instant last = ms.at(first);
        for (int i = 0; i < ms.size(); i++) {
            if (!folded[i]) {
                continue;
            }
            onHand += ms.onHandDelta(i);
            reserved += ms.reservedDelta(i);
            Instant at = ms.at(i);
            last = at.isAfter(last) ? at : last;
            MovementReason reason = ms.reason(i);
            if (reason == MovementReason.ADJUST
                    || reason == MovementReason.SET_ON_HAND
                    || reason == MovementReason.POLICY) {
                slot.writes.remove(ms.reference(i));
            }
        }
        // every movement before the first folded one is kept; the snapshot takes the first folded
        // one's place and position, the other folded ones go
        MovementLog kept = new MovementLog();
        for (int i = 0; i < ms.size(); i++) {
            if (i == first) {
                kept.add(ms.position(i), onHand, reserved, MovementReason.SNAPSHOT, Movement.SNAPSHOT_REFERENCE, last);
            } else if (!folded[i]) {
                kept.addFrom(ms, i);
            }
        }
        ms.replaceWith(kept);
        return count - 1;
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
                n += s.slots.length;
            }
            return n;
        });
    }
}
