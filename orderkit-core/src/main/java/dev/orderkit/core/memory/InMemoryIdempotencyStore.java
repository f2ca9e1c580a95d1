package dev.orderkit.core.memory;

import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.locks.StampedLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default {@link IdempotencyStore}: thread-safe and <b>linearizable</b> without a
 * global lock — every primitive, {@link #purgeExpired} included, takes effect at one instant between
 * its call and its return (a Lincheck test checks this, with core's {@link
 * dev.orderkit.core.spi.IdempotencyClaims} on top, in stress and model-checking modes).
 *
 * <p>How: each key maps to one of 64 striped {@link java.util.concurrent.locks.StampedLock}s;
 * {@link #insert} and {@link #replace} change the key's record, and its entry in the index of
 * completed records by retention end, under the stripe's write lock; {@link #read} validates an
 * optimistic read against it. A purge picks the earliest-expiring completed records from that index
 * without locks, then write-locks their stripes only if no stripe changed meanwhile (retrying, and
 * after a few attempts holding every stripe), so no reader can see some of its deletions and not
 * others. State lives in this JVM only.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    /** A completed record in the purge index, ordered by retention end, then key. */
    private record Retained(Instant until, ScopedKey key) implements Comparable<Retained> {
        @Override
        public int compareTo(Retained o) {
            int c = until.compareTo(o.until);
            if (c == 0) {
                c = key.scope().value().compareTo(o.key.scope().value());
            }
            return c != 0 ? c : key.key().value().compareTo(o.key.key().value());
        }
    }

    private final ConcurrentHashMap<ScopedKey, KeyRecord> records = new ConcurrentHashMap<>();
    private final ConcurrentSkipListSet<Retained> retained = new ConcurrentSkipListSet<>();
    private final Stripes stripes = new Stripes(64);
    private final Function<ScopedKey, KeyRecord> recordOf = records::get;

    /** Creates an empty store. */
    public InMemoryIdempotencyStore() {}

    @Override
    public Optional<KeyRecord> read(ScopedKey key) {
        Objects.requireNonNull(key, "key");
        return Optional.ofNullable(stripes.read(key, recordOf));
    }

    @Override
    public boolean insert(ScopedKey key, KeyRecord record) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(record, "record");
        StampedLock lock = stripes.lockOf(key);
        long stamp = lock.writeLock();
        try {
            if (records.containsKey(key)) {
                return false;
            }
            put(key, null, record);
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    @Override
    public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(next, "next");
        StampedLock lock = stripes.lockOf(key);
        long stamp = lock.writeLock();
        try {
            KeyRecord current = records.get(key);
            if (current == null || current.version() != expectedVersion) {
                return false;
            }
            put(key, current, next);
            return true;
        } finally {
            lock.unlockWrite(stamp);
        }
    }

    /** Stores a record and keeps the purge index in step; called under the key's stripe. */
    private void put(ScopedKey key, @Nullable KeyRecord previous, KeyRecord next) {
        // a completed record always has retainUntil (KeyRecord's constructor checks it)
        if (previous != null && previous.completed()) {
            retained.remove(new Retained(Objects.requireNonNull(previous.retainUntil(), "completed retainUntil"), key));
        }
        records.put(key, next);
        if (next.completed()) {
            retained.add(new Retained(Objects.requireNonNull(next.retainUntil(), "completed retainUntil"), key));
        }
    }

    @Override
    public int purgeExpired(Instant now, int limit) {
        return stripes.purge(
                () -> {
                    List<ScopedKey> victims = new ArrayList<>();
                    for (Retained r : retained) {
                        if (victims.size() >= limit || r.until().isAfter(now)) {
                            break;
                        }
                        victims.add(r.key());
                    }
                    return victims;
                },
                key -> {
                    // a victim came from the retention index under its stripe lock: it is there, completed
                    KeyRecord rec = Objects.requireNonNull(records.remove(key), "purged key has a record");
                    retained.remove(
                            new Retained(Objects.requireNonNull(rec.retainUntil(), "purged key is retained"), key));
                });
    }

    /**
     * Number of records held.
     *
     * @return the count
     */
    public int size() {
        return stripes.readAll(records::size);
    }
}
