package dev.orderkit.core.memory;

import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The embedded default {@link IdempotencyStore}. Each operation is one atomic
 * {@link ConcurrentHashMap#compute} on the record, so it is thread-safe without a global lock.
 * State lives in this JVM only.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {

    private record Rec(String fingerprint, String resourceId, long token, Instant leaseUntil, String response,
                       Instant retainUntil) {
        boolean completed() {
            return response != null;
        }
    }

    private final ConcurrentHashMap<ScopedKey, Rec> records = new ConcurrentHashMap<>();

    /** Creates an empty store. */
    public InMemoryIdempotencyStore() {
    }

    @Override
    public ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease) {
        ClaimResult[] out = new ClaimResult[1];
        records.compute(key, (k, rec) -> {
            if (rec == null || (rec.completed() && !rec.retainUntil().isAfter(now))) {
                out[0] = new ClaimResult.Acquired(1, newResourceId, false);
                return new Rec(fingerprint, newResourceId, 1, now.plus(lease), null, null);
            }
            if (!rec.fingerprint().equals(fingerprint)) {
                out[0] = new ClaimResult.Mismatch(rec.fingerprint());
                return rec;
            }
            if (rec.completed()) {
                out[0] = new ClaimResult.Completed(rec.resourceId(), rec.response());
                return rec;
            }
            if (rec.leaseUntil().isAfter(now)) {
                out[0] = new ClaimResult.InProgress(rec.leaseUntil());
                return rec;
            }
            long token = rec.token() + 1;
            out[0] = new ClaimResult.Acquired(token, rec.resourceId(), true);
            return new Rec(rec.fingerprint(), rec.resourceId(), token, now.plus(lease), null, null);
        });
        return out[0];
    }

    @Override
    public void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil) {
        records.compute(key, (k, rec) -> {
            if (rec == null || rec.completed() || rec.token() != fencingToken) {
                throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
            }
            return new Rec(rec.fingerprint(), rec.resourceId(), rec.token(), now, response, retainUntil);
        });
    }

    @Override
    public void release(ScopedKey key, long fencingToken) {
        records.compute(key, (k, rec) -> {
            if (rec == null || rec.completed() || rec.token() != fencingToken) {
                throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
            }
            return new Rec(rec.fingerprint(), rec.resourceId(), rec.token(), Instant.MIN, null, null);
        });
    }

    @Override
    public int purgeExpired(Instant now, int limit) {
        List<ScopedKey> victims = new ArrayList<>();
        for (Map.Entry<ScopedKey, Rec> e : records.entrySet()) {
            if (victims.size() >= limit) {
                break;
            }
            if (e.getValue().completed() && !e.getValue().retainUntil().isAfter(now)) {
                victims.add(e.getKey());
            }
        }
        int n = 0;
        for (ScopedKey k : victims) {
            if (records.computeIfPresent(k, (kk, rec) -> rec.completed() && !rec.retainUntil().isAfter(now)
                    ? null : rec) == null) {
                n++;
            }
        }
        return n;
    }

    /**
     * Number of records held.
     *
     * @return the count
     */
    public int size() {
        return records.size();
    }
}
