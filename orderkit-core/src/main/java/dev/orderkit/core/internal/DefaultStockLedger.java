package dev.orderkit.core.internal;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.AllocationStrategy;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.InsufficientStockException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.OrderKitConfig;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLedger;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.UnknownSkuException;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Core's {@link StockLedger}: validation, allocation, retries and events over a {@link StockStorage}. */
public final class DefaultStockLedger implements StockLedger {
    private static final Logger LOG = LoggerFactory.getLogger(DefaultStockLedger.class);
    private static final int EXPIRY_BATCH = 500;

    private final StockStorage storage;
    private final AllocationStrategy strategy;
    private final Retries retries;
    private final EventSink events;
    private final Clock clock;
    private final int maxAllocationAttempts;
    /** How long a read of a SKU's levels may steer later allocations. */
    static final long LEVEL_CACHE_NANOS = 250_000_000L;

    private static final int LEVEL_CACHE_MAX = 100_000;

    private record CachedLevels(List<StockLevel> levels, long readAt) {}

    private final ConcurrentHashMap<String, CachedLevels> levelCache = new ConcurrentHashMap<>();

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
        this.maxAllocationAttempts = Math.max(1, config.retry().conflictMaxRetries() + 1);
    }

    public StockStorage storage() {
        return storage;
    }

    @Override
    public Reservation reserve(ReservationRequest request) {
        return reserve(request, true);
    }

    /**
     * Reserves; with {@code publish == false} no stock event is sent (the order step records its
     * own event with the order, transactionally where the backend allows).
     */
    public Reservation reserve(ReservationRequest request, boolean publish) {
        Check.notNull(request, "request");
        boolean fresh = false;
        boolean expiredOnce = false;
        int races = 0;
        while (true) {
            Map<String, List<StockLevel>> levels = readLevels(request.lines(), fresh);
            AllocationStrategy.Allocation allocation = strategy.allocate(request.lines(), levels);
            if (!allocation.isComplete()) {
                if (!fresh) {
                    fresh = true; // never turn a buyer away on cached numbers
                    continue;
                }
                // a repeated call whose first attempt succeeded sees its own hold as taken stock
                Optional<Reservation> existing = retries.backend(() -> storage.reservation(request.reservationId()));
                if (existing.isPresent()) {
                    return existing.get();
                }
                if (!expiredOnce) {
                    expiredOnce = true; // lazily expire due holds, then look again
                    if (expireBatch() > 0) {
                        continue;
                    }
                }
                throw new InsufficientStockException(allocation.shortfalls());
            }
            Instant now = clock.instant();
            List<AllocatedLine> lines = canonical(allocation.lines());
            ReserveResult result = retries.backend(
                    () -> storage.reserve(request.reservationId(), lines, now.plus(request.ttl()), now));
            if (result instanceof ReserveResult.Reserved r) {
                if (publish) {
                    publish(OrderKitEvent.of(
                            EventType.STOCK_RESERVED,
                            r.reservation().id(),
                            0,
                            null,
                            Map.of(
                                    "lines",
                                    String.valueOf(r.reservation().lines().size())),
                            now));
                }
                return r.reservation();
            }
            if (result instanceof ReserveResult.AlreadyExists a) {
                return a.reservation();
            }
            if (result instanceof ReserveResult.Insufficient i) {
                // lost a race against another reservation (or allocated on stale cached levels)
                if (++races >= maxAllocationAttempts) {
                    throw new InsufficientStockException(i.shortfalls());
                }
                fresh = true;
                backoff(races);
                continue;
            }
            // unknown stock appeared between read and write is impossible (levels are never deleted)
            throw new UnknownSkuException("lines", String.valueOf(((ReserveResult.UnknownStock) result).missing()));
        }
    }

    /**
     * Reads every level of the requested SKUs; unknown SKUs / locations are rejected. With
     * {@code fresh == false} levels read within the last {@link #LEVEL_CACHE_NANOS} may be reused:
     * they only steer the allocation (the storage re-checks availability atomically), and a
     * rejection is always confirmed by a fresh read.
     */
    Map<String, List<StockLevel>> readLevels(List<ReservationLine> lines, boolean fresh) {
        Map<String, List<StockLevel>> levels = new HashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            ReservationLine line = lines.get(i);
            List<StockLevel> ls = fresh ? null : cachedLevels(line.sku());
            if (ls == null || !covers(ls, line)) {
                ls = retries.backend(() -> storage.levels(line.sku()));
                cacheLevels(line.sku(), ls);
            }
            if (ls.isEmpty()) {
                throw new UnknownSkuException("lines[" + i + "].sku", line.sku());
            }
            if (!covers(ls, line)) {
                throw new UnknownSkuException("lines[" + i + "].location", line.sku() + "@" + line.location());
            }
            levels.put(line.sku(), ls);
        }
        return levels;
    }

    private static boolean covers(List<StockLevel> ls, ReservationLine line) {
        return !ls.isEmpty()
                && (line.location() == null
                        || ls.stream().anyMatch(l -> l.key().location().equals(line.location())));
    }

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
        levelCache.put(sku, new CachedLevels(ls, System.nanoTime()));
    }

    /** Checks that every SKU is known without reserving anything. */
    public void requireKnown(List<ReservationLine> lines) {
        readLevels(lines, false);
    }

    private static List<AllocatedLine> canonical(List<AllocatedLine> lines) {
        TreeMap<StockKey, Long> merged = new TreeMap<>();
        for (AllocatedLine l : lines) {
            merged.merge(l.key(), l.quantity(), Math::addExact);
        }
        List<AllocatedLine> out = new ArrayList<>(merged.size());
        merged.forEach((k, q) -> out.add(new AllocatedLine(k, q)));
        return out;
    }

    private void backoff(int attempt) {
        try {
            long cap = Math.min(20, 1L << Math.min(attempt, 4));
            Thread.sleep(ThreadLocalRandom.current().nextLong(cap + 1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ConcurrencyConflictException("interrupted while retrying an allocation");
        }
    }

    @Override
    public Reservation commit(String reservationId) {
        Check.identifier(reservationId, "reservationId", 128);
        return retries.backend(() -> storage.commit(reservationId, clock.instant()));
    }

    @Override
    public Reservation release(String reservationId) {
        return release(reservationId, true);
    }

    /** Releases; with {@code publish == false} no stock event is sent. */
    public Reservation release(String reservationId, boolean publish) {
        Check.identifier(reservationId, "reservationId", 128);
        Instant now = clock.instant();
        Reservation before =
                retries.backend(() -> storage.reservation(reservationId)).orElse(null);
        Reservation after = retries.backend(() -> storage.release(reservationId, now));
        if (publish && before != null && before.state().isActive()) {
            publish(OrderKitEvent.of(EventType.RESERVATION_RELEASED, reservationId, 1, null, Map.of(), now));
        }
        return after;
    }

    @Override
    public Reservation fulfil(String reservationId) {
        Check.identifier(reservationId, "reservationId", 128);
        return retries.backend(() -> storage.fulfil(reservationId, clock.instant()));
    }

    @Override
    public StockLevel adjust(StockKey key, long delta, String reference) {
        Check.notNull(key, "key");
        if (delta == 0 || delta < -Check.MAX_QUANTITY || delta > Check.MAX_QUANTITY) {
            throw new InvalidRequestException("delta", delta, "must be non-zero with |delta| <= " + Check.MAX_QUANTITY);
        }
        Check.identifier(reference, "reference", 255);
        Instant now = clock.instant();
        return retries.backend(() -> storage.adjust(key, delta, reference, now));
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
        return retries.transientOnly(() -> storage.setOnHand(key, onHand, expectedVersion, reference, now));
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
    public Optional<Reservation> reservation(String reservationId) {
        Check.identifier(reservationId, "reservationId", 128);
        return retries.backend(() -> storage.reservation(reservationId));
    }

    @Override
    public int expireDue(int maxBatches) {
        if (maxBatches < 1) {
            throw new InvalidRequestException("maxBatches", maxBatches, "must be >= 1");
        }
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

    private int expireBatch() {
        Instant now = clock.instant();
        List<String> due = retries.backend(() -> storage.dueReservations(now, EXPIRY_BATCH));
        int n = 0;
        for (String id : due) {
            Optional<Reservation> expired = retries.backend(() -> storage.expire(id, now));
            if (expired.isPresent()) {
                n++;
                publish(OrderKitEvent.of(EventType.RESERVATION_EXPIRED, id, 1, null, Map.of(), now));
            }
        }
        return n;
    }

    private void publish(OrderKitEvent event) {
        try {
            events.publish(event);
        } catch (RuntimeException e) {
            LOG.warn("event sink failed for {}", event.id(), e);
        }
    }
}
