package dev.orderkit.core.internal;

import dev.failsafe.function.CheckedSupplier;
import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.AllocationStrategy;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.DriftReport;
import dev.orderkit.core.IllegalStateTransitionException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.MovementPage;
import dev.orderkit.core.NotFoundException;
import dev.orderkit.core.OrderKitConfig;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationExpiredException;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationMismatchException;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.StockPolicy;
import dev.orderkit.core.UnknownSkuException;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryOutbox;
import dev.orderkit.core.observability.Operation;
import dev.orderkit.core.observability.Outcomes;
import dev.orderkit.core.observability.Timing;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/** Core's {@link StockLedger}: validation, allocation, retries and events over a {@link StockStorage}. */
public final class DefaultStockLedger implements StockLedger {
    private static final int EXPIRY_BATCH = 500;
    /** Due holds per short SKU that one lazy expiry page on the reserve path expires. */
    static final int LAZY_EXPIRY_PAGE = 64;
    /** Pages the reserve path expires at most per call (bounded work on the buyer's path). */
    static final int LAZY_EXPIRY_ROUNDS = 8;

    private final StockStorage storage;
    private final AllocationStrategy strategy;
    private final Retries retries;
    private final EventSink events;
    private final Clock clock;
    private final ReservationCombiner combiner;
    /** How long a read of a SKU's levels may steer later allocations. */
    static final long LEVEL_CACHE_NANOS = 250_000_000L;

    private static final int LEVEL_CACHE_MAX = 100_000;

    private record CachedLevels(List<StockLevel> levels, long readAt) {}

    private final ConcurrentHashMap<String, CachedLevels> levelCache = new ConcurrentHashMap<>();

    /**
     * How long a SKU's location set, as last read, may let lines of the SKU skip the level read.
     * Locations are never deleted; one added by another process steers allocations after at most
     * this long (one added through this ledger at once), and a refusal is always confirmed on
     * freshly read levels, which see it.
     */
    static final long LOCATIONS_CACHE_NANOS = 5_000_000_000L;

    /** A SKU's location set as last read: its sole location's key, or null if it has several. */
    private record Locations(@Nullable StockKey sole, long readAt) {}

    private final ConcurrentHashMap<String, Locations> locationCache = new ConcurrentHashMap<>();
    /** Whether the strategy lets lines of single-location SKUs skip the level read. */
    private final boolean soleLocationFastPath;
    /**
     * For a storage that does not record its events with its changes: the in-process outbox the
     * ledger records them in after each change (delivered with retries; lost with the process).
     * Null when the storage records them ({@link StockStorage#recordsEvents()}).
     */
    private final @Nullable InMemoryOutbox fallbackOutbox;
    /**
     * Where this ledger records events: the fallback outbox when the sink keeps events; null when
     * the storage records them or the sink discards every event (then {@link #publish} builds none).
     */
    private final @Nullable InMemoryOutbox publishTo;

    /**
     * Creates the ledger of a kit.
     *
     * @param config the kit's configuration
     * @param retries the kit's retry executors
     */
    public DefaultStockLedger(OrderKitConfig config, Retries retries) {
        this.storage = config.stockStorage();
        this.strategy = config.allocation();
        this.retries = retries;
        this.events = config.eventSink();
        this.clock = config.clock();
        this.soleLocationFastPath = strategy.servesSoleLocationWhole();
        this.fallbackOutbox = storage.recordsEvents() ? null : new InMemoryOutbox(events);
        this.publishTo = events.discards() ? null : fallbackOutbox;
        this.combiner = new ReservationCombiner(storage, config.combining());
    }

    /**
     * The in-process outbox of stock events when the storage records none itself, else null.
     *
     * @return the outbox or null
     */
    public @Nullable InMemoryOutbox fallbackOutbox() {
        return fallbackOutbox;
    }

    /** The hot-SKU combiner every reserve attempt goes through. */
    public ReservationCombiner combiner() {
        return combiner;
    }

    public StockStorage storage() {
        return storage;
    }

    /**
     * Reserves, for an application or for an order's placement alike: the hold's
     * {@code STOCK_RESERVED} event goes out either way (recorded by the storage with the hold, or
     * here). One attempt allocates and asks the storage to hold; an attempt that lost a race is
     * re-run by the conflict policy.
     */
    @Override
    public Reservation reserve(ReservationRequest request) {
        Check.notNull(request, "request");
        Timing timing = retries.instrumentation().start(Operation.RESERVE);
        Reservation held;
        try {
            held = retries.racing(new Reserving(request), DefaultStockLedger::contendedAway);
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        timing.success(Outcomes.RESERVED);
        return held;
    }

    /** Every attempt lost its race for the stock: it really is contended away. */
    private static RuntimeException contendedAway(RuntimeException last) {
        if (last instanceof StockTaken taken) {
            InsufficientStockException out = new InsufficientStockException(taken.shortfalls);
            out.addSuppressed(taken);
            return out;
        }
        return last;
    }

    /** An attempt's hold found stock gone that its allocation counted on: lost a race, re-run. */
    private static final class StockTaken extends ConcurrencyConflictException {
        private static final long serialVersionUID = 1L;
        private final transient List<Shortfall> shortfalls;

        StockTaken(String reservationId, List<Shortfall> shortfalls) {
            super("reservation " + reservationId + " lost the stock to a concurrent one: " + shortfalls);
            this.shortfalls = List.copyOf(shortfalls);
        }
    }

    /** One {@link #reserve} call: its attempts and what they learnt. Confined to the caller's thread. */
    private final class Reserving implements CheckedSupplier<Reservation> {
        private final ReservationRequest request;
        /** Read levels fresh: an attempt lost on cached (or by now stale) numbers. */
        private boolean fresh;
        /** Due holds were expired lazily once already. */
        private boolean expiredOnce;

        Reserving(ReservationRequest request) {
            this.request = request;
        }

        @Override
        public Reservation get() {
            if (!fresh && soleLocationFastPath) {
                List<AllocatedLine> lines = soleLocationLines(request.lines());
                if (lines != null) {
                    // nothing a level read could change: the storage's guarded write decides
                    Instant now = clock.instant();
                    ReserveResult r = combiner.reserve(request.reservationId(), lines, now.plus(request.ttl()), now);
                    if (!(r instanceof ReserveResult.Insufficient || r instanceof ReserveResult.UnknownStock)) {
                        return held(r, lines, now);
                    }
                    // refused: confirmed on fresh levels below (a location may have been added)
                    forget(lines);
                    fresh = true;
                }
            }
            AllocationStrategy.Allocation allocation = allocate(fresh);
            if (!allocation.isComplete() && !fresh) {
                fresh = true; // cached levels only steer: never turn a buyer away on them
                allocation = allocate(true);
            }
            if (!allocation.isComplete()) {
                // a repeated call whose first attempt succeeded sees its own hold as taken stock
                Optional<Reservation> existing = storage.reservation(request.reservationId());
                if (existing.isPresent()) {
                    return matching(existing.get());
                }
                if (!expiredOnce) {
                    expiredOnce = true; // expire due holds of the short SKUs only, then look again
                    allocation = expireShortSkus(allocation);
                }
                if (!allocation.isComplete()) {
                    throw new InsufficientStockException(allocation.shortfalls());
                }
            }
            Instant now = clock.instant();
            List<AllocatedLine> lines = canonical(allocation.lines());
            return held(combiner.reserve(request.reservationId(), lines, now.plus(request.ttl()), now), lines, now);
        }

        /** The reservation the storage held (or found), else the race this attempt lost. */
        private Reservation held(ReserveResult result, List<AllocatedLine> lines, Instant now) {
            if (result instanceof ReserveResult.Reserved r) {
                // recorded by the storage with the hold, or here (every hold, order holds included)
                publish(() -> StockEvents.reserved(
                        r.reservation().id(), r.reservation().lines().size(), now));
                return r.reservation();
            }
            if (result instanceof ReserveResult.AlreadyExists a) {
                return matching(a.reservation());
            }
            fresh = true;
            if (result instanceof ReserveResult.Insufficient i) {
                // lost a race against another reservation (or allocated on stale cached levels)
                forget(lines);
                throw new StockTaken(request.reservationId(), i.shortfalls());
            }
            if (result instanceof ReserveResult.Conflict c) {
                throw new ConcurrencyConflictException("reservation " + request.reservationId() + ": " + c.reason());
            }
            // unknown stock appearing between read and write is impossible (levels are never deleted)
            throw new UnknownSkuException("lines", String.valueOf(((ReserveResult.UnknownStock) result).missing()));
        }

        /** The existing reservation if it holds exactly this request's lines, else the mismatch. */
        private Reservation matching(Reservation existing) {
            if (!holds(existing, request.lines())) {
                throw new ReservationMismatchException(existing.id(), existing.lines(), request.lines());
            }
            return existing;
        }

        private void forget(List<AllocatedLine> lines) {
            for (int i = 0; i < lines.size(); i++) {
                String sku = lines.get(i).key().sku();
                levelCache.remove(sku);
                locationCache.remove(sku);
            }
        }

        /**
         * Lazy expiry on a shortage: only the due holds of the short SKUs, found through the
         * storage's index by SKU and expiry, in pages of {@link #LAZY_EXPIRY_PAGE} per SKU, until
         * the expired units cover every shortfall (then the levels are read again), or nothing
         * more is due, or {@link #LAZY_EXPIRY_ROUNDS} pages were expired: bounded work on the
         * buyer's path, whatever the number of holds of other SKUs that are due.
         */
        private AllocationStrategy.Allocation expireShortSkus(AllocationStrategy.Allocation allocation) {
            AllocationStrategy.Allocation current = allocation;
            for (int round = 0; round < LAZY_EXPIRY_ROUNDS && !current.isComplete(); ) {
                Map<String, Long> need = new HashMap<>();
                for (Shortfall s : current.shortfalls()) {
                    need.merge(s.sku(), Math.max(1, s.requested() - Math.max(0, s.available())), Long::sum);
                }
                boolean progress = false;
                while (round < LAZY_EXPIRY_ROUNDS && !need.isEmpty()) {
                    round++;
                    Instant now = clock.instant();
                    List<String> due = storage.dueReservations(need.keySet(), now, LAZY_EXPIRY_PAGE);
                    if (due.isEmpty()) {
                        break;
                    }
                    List<Reservation> expired = storage.expireAll(due, now);
                    if (expired.isEmpty()) {
                        break; // all taken by concurrent writers: look at the levels again
                    }
                    progress = true;
                    published(expired, now);
                    for (Reservation r : expired) {
                        for (AllocatedLine l : r.lines()) {
                            need.computeIfPresent(l.key().sku(), (k, v) -> v > l.quantity() ? v - l.quantity() : null);
                        }
                    }
                }
                if (!progress) {
                    break;
                }
                current = allocate(true);
            }
            return current;
        }

        private AllocationStrategy.Allocation allocate(boolean freshLevels) {
            return strategy.allocate(request.lines(), readLevels(request.lines(), freshLevels), clock.instant());
        }
    }

    /**
     * Whether {@code existing} is a hold of exactly {@code requested}: the same SKUs, the same total
     * quantity per SKU, and each fixed-location line held at its location (at least its quantity
     * there; the rest of the SKU's total is what its free line, if any, was allocated). That is
     * what any allocation of the request holds, and nothing else is. The hold's expiry is not part
     * of it. Pure; the repeat's canonical form compared with the stored lines, so nothing extra has
     * to be stored.
     */
    static boolean holds(Reservation existing, List<ReservationLine> requested) {
        Map<String, Long> wanted = new HashMap<>();
        Map<StockKey, Long> fixed = new HashMap<>();
        for (ReservationLine l : requested) {
            wanted.merge(l.sku(), l.quantity(), Long::sum);
            if (l.location() != null) {
                fixed.put(StockKey.of(l.sku(), l.location()), l.quantity());
            }
        }
        Map<String, Long> held = new HashMap<>();
        Map<StockKey, Long> heldAt = new HashMap<>();
        for (AllocatedLine l : existing.lines()) {
            held.merge(l.key().sku(), l.quantity(), Long::sum);
            heldAt.merge(l.key(), l.quantity(), Long::sum);
        }
        if (!held.equals(wanted)) {
            return false;
        }
        for (Map.Entry<StockKey, Long> f : fixed.entrySet()) {
            if (heldAt.getOrDefault(f.getKey(), 0L) < f.getValue()) {
                return false;
            }
        }
        return true;
    }

    /**
     * Reads every level of the requested SKUs; unknown SKUs / locations are rejected. With
     * {@code fresh == false} levels read within the last {@link #LEVEL_CACHE_NANOS} may be reused:
     * they only steer the allocation (the storage re-checks availability atomically), and a
     * rejection is always confirmed by a fresh read.
     */
    Map<String, List<StockLevel>> readLevels(List<ReservationLine> lines, boolean fresh) {
        int n = lines.size();
        if (n == 1) {
            return Map.of(lines.get(0).sku(), readLevels(lines.get(0), 0, fresh));
        }
        Map<String, List<StockLevel>> levels = new HashMap<>(2 * n);
        for (int i = 0; i < n; i++) {
            levels.put(lines.get(i).sku(), readLevels(lines.get(i), i, fresh));
        }
        return levels;
    }

    /** The levels of line {@code i}'s SKU, checked to cover the line. */
    private List<StockLevel> readLevels(ReservationLine line, int i, boolean fresh) {
        List<StockLevel> ls = fresh ? null : cachedLevels(line.sku());
        if (ls == null || !covers(ls, line)) {
            ls = storage.levels(line.sku()); // callers retry the whole read
            cacheLevels(line.sku(), ls);
        }
        if (ls.isEmpty()) {
            throw new UnknownSkuException("lines[" + i + "].sku", line.sku());
        }
        if (!covers(ls, line)) {
            throw new UnknownSkuException("lines[" + i + "].location", line.sku() + "@" + line.location());
        }
        return ls;
    }

    private static boolean covers(List<StockLevel> ls, ReservationLine line) {
        if (ls.isEmpty()) {
            return false;
        }
        String location = line.location();
        if (location == null) {
            return true;
        }
        for (int i = 0; i < ls.size(); i++) {
            if (ls.get(i).key().location().equals(location)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The canonical allocation of lines that all belong to SKUs known (within
     * {@link #LOCATIONS_CACHE_NANOS}) to be stocked at one location, each SKU once and at that
     * location if the line names one and not known from levels read lately to fall short; null if
     * any line is not such a line.
     */
    private @Nullable List<AllocatedLine> soleLocationLines(List<ReservationLine> lines) {
        int n = lines.size();
        if (n == 1) {
            ReservationLine line = lines.get(0);
            StockKey key = soleLocation(line);
            return key == null ? null : List.of(new AllocatedLine(key, line.quantity()));
        }
        AllocatedLine[] out = new AllocatedLine[n];
        for (int i = 0; i < n; i++) {
            ReservationLine line = lines.get(i);
            StockKey key = soleLocation(line);
            if (key == null) {
                return null;
            }
            for (int j = 0; j < i; j++) {
                if (out[j].key().sku().equals(line.sku())) {
                    return null; // the SKU twice (with and without its location): the general path merges
                }
            }
            out[i] = new AllocatedLine(key, line.quantity());
        }
        Arrays.sort(out, BY_KEY);
        return Arrays.asList(out);
    }

    private @Nullable StockKey soleLocation(ReservationLine line) {
        Locations l = locationCache.get(line.sku());
        if (l == null || System.nanoTime() - l.readAt() > LOCATIONS_CACHE_NANOS) {
            return null;
        }
        StockKey key = l.sole();
        if (key == null || (line.location() != null && !line.location().equals(key.location()))) {
            return null;
        }
        // levels read lately that show too little (e.g. sold out): the general path confirms on a
        // fresh read without a refused write first, as before the fast path
        List<StockLevel> cached = cachedLevels(line.sku());
        return cached != null && cached.size() == 1 && cached.get(0).reservable(clock.instant()) < line.quantity()
                ? null
                : key;
    }

    private static final Comparator<AllocatedLine> BY_KEY = (a, b) -> a.key().compareTo(b.key());

    private @Nullable List<StockLevel> cachedLevels(String sku) {
        CachedLevels c = levelCache.get(sku);
        return c == null || System.nanoTime() - c.readAt() > LEVEL_CACHE_NANOS ? null : c.levels();
    }

    private void cacheLevels(String sku, List<StockLevel> ls) {
        if (ls.isEmpty()) {
            return; // unknown SKUs are never cached: they may be created at any time
        }
        if (levelCache.size() >= LEVEL_CACHE_MAX) {
            levelCache.clear();
        }
        long now = System.nanoTime();
        levelCache.put(sku, new CachedLevels(ls, now));
        if (soleLocationFastPath) {
            Locations known = locationCache.get(sku);
            StockKey sole = ls.size() == 1 ? ls.get(0).key() : null;
            if (known == null
                    || !Objects.equals(known.sole(), sole)
                    || now - known.readAt() > LOCATIONS_CACHE_NANOS / 2) {
                locationCache.put(sku, new Locations(sole, now));
            }
        }
    }

    /** Checks that every SKU is known without reserving anything. */
    public void requireKnown(List<ReservationLine> lines) {
        for (int i = 0; i < lines.size(); i++) {
            if (!seenBefore(lines.get(i))) {
                retries.backend(() -> readLevels(lines, false));
                return;
            }
        }
    }

    /**
     * Whether a read through this ledger already saw the line's SKU (and location, if it names
     * one). Levels are never removed, so a level once seen stays known however old the reading:
     * {@code place()} skips the round trip of its up-front check for the SKUs it already served.
     */
    private boolean seenBefore(ReservationLine line) {
        Locations l = locationCache.get(line.sku());
        if (l != null) {
            StockKey sole = l.sole();
            if (line.location() == null || (sole != null && sole.location().equals(line.location()))) {
                return true;
            }
        }
        List<StockLevel> cached = cachedLevels(line.sku());
        return cached != null && covers(cached, line);
    }

    /** The lines merged by key, in key order (the storage's lock order). */
    private static List<AllocatedLine> canonical(List<AllocatedLine> lines) {
        if (lines.size() == 1) {
            return lines;
        }
        AllocatedLine[] sorted = lines.toArray(new AllocatedLine[0]);
        Arrays.sort(sorted, BY_KEY);
        List<AllocatedLine> out = new ArrayList<>(sorted.length);
        for (AllocatedLine l : sorted) {
            int last = out.size() - 1;
            if (last >= 0 && out.get(last).key().equals(l.key())) {
                out.set(
                        last,
                        new AllocatedLine(l.key(), Math.addExact(out.get(last).quantity(), l.quantity())));
            } else {
                out.add(l);
            }
        }
        return out;
    }

    @Override
    public Reservation commit(String reservationId) {
        return transition(reservationId, ReservationTransition.COMMIT).reservationOrThrow();
    }

    @Override
    public Reservation release(String reservationId) {
        return transition(reservationId, ReservationTransition.RELEASE).reservationOrThrow();
    }

    @Override
    public Reservation fulfil(String reservationId) {
        return transition(reservationId, ReservationTransition.FULFIL).reservationOrThrow();
    }

    /**
     * Applies a lifecycle action; a {@code Conflict} (the reservation changed under the storage's
     * write) is re-run by the conflict policy, so the answer is never a conflict: it is
     * {@code Applied}, {@code Unchanged}, {@code Refused} or {@code NotFound}, for the caller to
     * read. A transition this call applied sends its stock event (recorded by the storage with the
     * change, or here).
     *
     * @param reservationId the id
     * @param transition the action
     * @return the settled result
     * @throws ConcurrencyConflictException if every attempt lost its race
     */
    public TransitionResult transition(String reservationId, ReservationTransition transition) {
        Check.identifier(reservationId, "reservationId", 128);
        TransitionResult result =
                retries.racing(() -> settled(reservationId, transition, clock.instant()), UnaryOperator.identity());
        if (result instanceof TransitionResult.Applied a) {
            publish(() -> StockEvents.transitioned(
                    reservationId, transition, a.reservation().updatedAt()));
        }
        return result;
    }

    /** One attempt of a transition: its settled result, or a lost race as a conflict to re-run. */
    private TransitionResult settled(String reservationId, ReservationTransition transition, Instant now) {
        TransitionResult r = storage.transition(reservationId, transition, now);
        if (r instanceof TransitionResult.Conflict c) {
            throw new ConcurrencyConflictException(
                    transition.verb() + " of reservation " + reservationId + ": " + c.reason());
        }
        return r;
    }

    @Override
    public Reservation extend(String reservationId, Instant newExpiry) {
        return extended(reservationId, newExpiry).reservation();
    }

    /** What an extension settled on: the reservation and whether this call moved its expiry. */
    public record Extension(Reservation reservation, boolean applied) {}

    /**
     * Extends a hold (validation, the storage's atomic primitive, conflict retries); an extension
     * this call applied sends {@code HOLD_EXTENDED} (recorded by the storage with the change, or
     * here).
     *
     * @param reservationId the id
     * @param newExpiry the new expiry
     * @return the reservation and whether this call applied the extension
     * @throws NotFoundException if unknown
     * @throws ReservationExpiredException if EXPIRED or due
     * @throws IllegalStateTransitionException if COMMITTED, RELEASED or FULFILLED
     * @throws InvalidRequestException if {@code newExpiry} is not after now or more than
     *     {@link ReservationRequest#MAX_TTL} ahead
     */
    public Extension extended(String reservationId, Instant newExpiry) {
        Check.identifier(reservationId, "reservationId", 128);
        Check.notNull(newExpiry, "newExpiry");
        Instant asked = clock.instant();
        if (!newExpiry.isAfter(asked)) {
            throw new InvalidRequestException("newExpiry", newExpiry, "must be after now (" + asked + ")");
        }
        if (newExpiry.isAfter(asked.plus(ReservationRequest.MAX_TTL))) {
            throw new InvalidRequestException(
                    "newExpiry",
                    newExpiry,
                    "must be at most " + ReservationRequest.MAX_TTL + " from now (" + asked + ")");
        }
        ExtendResult result = retries.racing(
                () -> {
                    ExtendResult r = storage.extend(reservationId, newExpiry, clock.instant());
                    if (r instanceof ExtendResult.Conflict c) {
                        throw new ConcurrencyConflictException(
                                "extend of reservation " + reservationId + ": " + c.reason());
                    }
                    return r;
                },
                UnaryOperator.identity());
        if (result instanceof ExtendResult.Extended e) {
            publish(() -> StockEvents.extended(reservationId, newExpiry, clock.instant()));
            return new Extension(e.reservation(), true);
        }
        if (result instanceof ExtendResult.Unchanged u) {
            return new Extension(u.reservation(), false);
        }
        if (result instanceof ExtendResult.Refused f) {
            Reservation r = f.reservation();
            if (f.due()) {
                throw new ReservationExpiredException(
                        reservationId,
                        r.state() == ReservationState.HELD
                                ? "HELD (expired)"
                                : r.state().name(),
                        r.expiresAt(),
                        "extend");
            }
            throw new IllegalStateTransitionException(reservationId, r.state().name(), "extend");
        }
        throw new NotFoundException("reservation", ((ExtendResult.NotFound) result).reservationId());
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference) {
        Check.notNull(key, "key");
        if (delta == 0 || delta < -Check.MAX_QUANTITY || delta > Check.MAX_QUANTITY) {
            throw new InvalidRequestException("delta", delta, "must be non-zero with |delta| <= " + Check.MAX_QUANTITY);
        }
        Check.identifier(reference, "reference", 255);
        Instant now = clock.instant();
        StockLevel level = retries.backend(() -> storage.adjust(key, delta, reference, now));
        publish(() -> StockEvents.adjusted(key, false, level.onHand(), reference, now));
        forgetLocations(key.sku()); // it may have added a location
        return level;
    }

    @Override
    public StockLevel setOnHand(StockKey key, long onHand, long expectedVersion, String reference) {
        Check.notNull(key, "key");
        Check.nonNegative(onHand, "onHand", Check.MAX_ON_HAND);
        if (expectedVersion < -1) {
            throw new InvalidRequestException("expectedVersion", expectedVersion, "must be >= -1");
        }
        Check.identifier(reference, "reference", 255);
        // no conflict retry: the caller's expected version is the point of this call
        Instant now = clock.instant();
        StockLevel level = retries.transientOnly(() -> storage.setOnHand(key, onHand, expectedVersion, reference, now));
        publish(() -> StockEvents.adjusted(key, true, level.onHand(), reference, now));
        forgetLocations(key.sku()); // it may have added a location
        return level;
    }

    @Override
    public StockLevel setPolicy(StockKey key, StockPolicy policy, String reference) {
        Check.notNull(key, "key");
        Check.notNull(policy, "policy");
        Check.identifier(reference, "reference", 255);
        Instant now = clock.instant();
        StockLevel level = retries.backend(() -> storage.setPolicy(key, policy, reference, now));
        forgetLocations(key.sku()); // it may have added a location, and cached levels carry the policy
        return level;
    }

    /** After a write through this ledger that may have added a location: the next reserve reads. */
    private void forgetLocations(String sku) {
        levelCache.remove(sku);
        locationCache.remove(sku);
    }

    @Override
    public Optional<StockLevel> level(StockKey key) {
        Check.notNull(key, "key");
        return retries.backend(() -> storage.level(key));
    }

    @Override
    public List<StockLevel> levels(String sku) {
        Check.identifier(sku, "sku", StockKey.MAX_LENGTH);
        return retries.backend(() -> storage.levels(sku));
    }

    @Override
    public MovementPage movements(StockKey key, @Nullable String cursor, int limit) {
        return new LedgerAudit(storage, retries).movements(key, cursor, limit);
    }

    @Override
    public DriftReport verify(Collection<StockKey> keys) {
        return new LedgerAudit(storage, retries).verify(keys);
    }

    /**
     * What a fulfil of the reservation would be short of right now, read outside any lock: a
     * pre-check so that an order is not moved to FULFILLING (and its payment captured) for a
     * backorder no restock has covered. The storage's transition decides again atomically.
     *
     * @param reservationId the id
     * @return the shortfalls; empty when covered, unknown or not committed
     */
    public List<Shortfall> fulfilShortfalls(String reservationId) {
        Optional<Reservation> r = reservation(reservationId);
        if (r.isEmpty() || r.get().state() != ReservationState.COMMITTED) {
            return List.of();
        }
        return ReservationTransition.FULFIL.shortfalls(
                r.get(), key -> level(key).map(StockLevel::onHand).orElse(0L));
    }

    @Override
    public Optional<Reservation> reservation(String reservationId) {
        Check.identifier(reservationId, "reservationId", 128);
        return retries.backend(() -> storage.reservation(reservationId));
    }

    @Override
    public int expireDue(int maxBatches) {
        if (maxBatches < 1) {
            throw new InvalidRequestException("maxBatches", maxBatches, "must be >= 1");
        }
        Timing timing = retries.instrumentation().start(Operation.EXPIRE);
        int expired;
        try {
            expired = expireBatches(maxBatches);
        } catch (RuntimeException | Error e) {
            timing.failure(e);
            throw e;
        }
        timing.success(Outcomes.DONE);
        return expired;
    }

    private int expireBatches(int maxBatches) {
        int total = 0;
        for (int b = 0; b < maxBatches; b++) {
            int n = expireBatch();
            total += n;
            if (n == 0) {
                break;
            }
        }
        return total;
    }

    /**
     * The sweeper: expires one batch of due holds (the earliest {@link #EXPIRY_BATCH}) with the
     * storage's batch primitive (one statement per batch on JDBC, one script per slot on Redis),
     * retried by the backend policy; a hold a concurrent writer moved is left to that writer (a
     * racing commit wins or loses cleanly inside the primitive), one still due comes back in the
     * next batch.
     */
    private int expireBatch() {
        Instant now = clock.instant();
        List<String> due = retries.backend(() -> storage.dueReservations(now, EXPIRY_BATCH));
        if (due.isEmpty()) {
            return 0;
        }
        List<Reservation> expired = retries.backend(() -> storage.expireAll(due, now));
        published(expired, now);
        return expired.size();
    }

    /** Sends {@code RESERVATION_EXPIRED} for holds this ledger expired. */
    private void published(List<Reservation> expired, Instant now) {
        if (!expired.isEmpty()) {
            retries.instrumentation().reservationsExpired(expired.size());
        }
        for (Reservation r : expired) {
            publish(() -> StockEvents.transitioned(r.id(), ReservationTransition.EXPIRE, now));
        }
    }

    /**
     * Records a stock change's event in the in-process outbox and delivers it, when the storage
     * does not record its events itself (else the storage wrote it with the change already) and
     * the sink keeps events. The event is built only then: with a discarding sink, or a storage
     * that records its own events, {@code event} is never called, so no event object exists. A
     * sink failure leaves the event in the outbox for a later retry; it never undoes the change.
     */
    private void publish(Supplier<OrderKitEvent> event) {
        InMemoryOutbox outbox = publishTo;
        if (outbox != null) {
            outbox.append(event.get());
            outbox.flush();
        }
    }
}
