package dev.orderkit.core.memory;

import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import org.jspecify.annotations.Nullable;

/**
 * The embedded default {@link IdempotencyStore}: thread-safe and <b>linearizable</b> without a
 * global lock — every operation, {@link #purgeExpired} included, takes effect at one instant between
 * its call and its return (a Lincheck test checks this in stress and model-checking modes).
 *
 * <p>How: each key maps to one of 64 striped {@link java.util.concurrent.locks.StampedLock}s;
 * {@link #claim}, {@link #complete} and {@link #release} change the key's record, and its entry in
 * the index of completed records by retention end, under the stripe's write lock. A purge picks the
 * earliest-expiring completed records from that index without locks, then write-locks their stripes
 * only if no stripe changed meanwhile (retrying, and after a few attempts holding every stripe), so
 * no claim can see some of its deletions and not others. State lives in this JVM only.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private record KeyRecord(
            String fingerprint,
            String resourceId,
            long token,
            Instant leaseUntil,
            @Nullable String response,
            @Nullable Instant retainUntil) {
        boolean completed() {
            return response != null;
        }

        /** Completed, and retained until no later than {@code now}. */
        boolean retentionOver(Instant now) {
            return response != null && retainUntil != null && !retainUntil.isAfter(now);
        }
    }

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

    /** Creates an empty store. */
    public InMemoryIdempotencyStore() {}

    @Override
    public ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease) {
        return stripes.write(key, () -> {
            KeyRecord rec = records.get(key);
            if (rec == null || rec.retentionOver(now)) {
                if (rec != null && rec.retainUntil() != null) {
                    retained.remove(new Retained(rec.retainUntil(), key));
                }
                records.put(key, new KeyRecord(fingerprint, newResourceId, 1, now.plus(lease), null, null));
                return new ClaimResult.Acquired(1, newResourceId, false);
            }
            if (!rec.fingerprint().equals(fingerprint)) {
                return new ClaimResult.Mismatch(rec.fingerprint());
            }
            String response = rec.response();
            if (response != null) { // completed
                return new ClaimResult.Completed(rec.resourceId(), response);
            }
            if (rec.leaseUntil().isAfter(now)) {
                return new ClaimResult.InProgress(rec.leaseUntil());
            }
            long token = rec.token() + 1;
            records.put(key, new KeyRecord(rec.fingerprint(), rec.resourceId(), token, now.plus(lease), null, null));
            return new ClaimResult.Acquired(token, rec.resourceId(), true);
        });
    }

    /** The current in-progress record holding the token, or a {@link LeaseLostException}. */
    private KeyRecord current(ScopedKey key, long fencingToken) {
        KeyRecord rec = records.get(key);
        if (rec == null || rec.completed() || rec.token() != fencingToken) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
        return rec;
    }

    @Override
    public void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil) {
        stripes.write(key, () -> {
            KeyRecord rec = current(key, fencingToken);
            records.put(
                    key, new KeyRecord(rec.fingerprint(), rec.resourceId(), rec.token(), now, response, retainUntil));
            retained.add(new Retained(retainUntil, key));
            return null;
        });
    }

    @Override
    public void release(ScopedKey key, long fencingToken) {
        stripes.write(key, () -> {
            KeyRecord rec = current(key, fencingToken);
            records.put(key, new KeyRecord(rec.fingerprint(), rec.resourceId(), rec.token(), Instant.MIN, null, null));
            return null;
        });
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
