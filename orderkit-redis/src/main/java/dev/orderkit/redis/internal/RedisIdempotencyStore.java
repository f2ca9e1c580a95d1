package dev.orderkit.redis.internal;

import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@link IdempotencyStore} on Redis: one hash per record, every method one Lua script (see
 * {@code idempotency.lua}). Times come from the caller's {@code now}, never from Redis. Thread-safe.
 */
public final class RedisIdempotencyStore implements IdempotencyStore {
    private final Redis redis;
    private final Keys keys;

    /**
     * Creates the store.
     *
     * @param redis script runner
     * @param keys key layout
     */
    public RedisIdempotencyStore(Redis redis, Keys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    private List<String> keysOf(ScopedKey key) {
        return List.of(keys.idempotency(key), keys.retainIndex(keys.idempotencyBucket(key)));
    }

    @Override
    public ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(newResourceId, "newResourceId");
        List<String> r = redis.evalList(
                Redis.Script.IDEMPOTENCY,
                keysOf(key),
                List.of(
                        "claim",
                        fingerprint,
                        newResourceId,
                        Codec.time(now),
                        Codec.time(now.plus(lease)),
                        UUID.randomUUID().toString()));
        return switch (r.get(0)) {
            case "ACQUIRED" -> new ClaimResult.Acquired(Long.parseLong(r.get(1)), r.get(2), "1".equals(r.get(3)));
            case "MISMATCH" -> new ClaimResult.Mismatch(r.get(1));
            case "COMPLETED" -> new ClaimResult.Completed(r.get(1), r.get(2));
            case "INPROGRESS" -> new ClaimResult.InProgress(Codec.time(r.get(1)));
            default -> throw new IllegalStateException("unexpected claim reply " + r);
        };
    }

    @Override
    public void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil) {
        Objects.requireNonNull(response, "response");
        List<String> r = redis.evalList(
                Redis.Script.IDEMPOTENCY,
                keysOf(key),
                List.of(
                        "complete",
                        Long.toString(fencingToken),
                        response,
                        Codec.time(now),
                        Codec.time(retainUntil),
                        Codec.millis(retainUntil)));
        if (!"OK".equals(r.get(0))) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
    }

    @Override
    public void release(ScopedKey key, long fencingToken) {
        List<String> r =
                redis.evalList(Redis.Script.IDEMPOTENCY, keysOf(key), List.of("release", Long.toString(fencingToken)));
        if (!"OK".equals(r.get(0))) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
    }

    @Override
    public int purgeExpired(Instant now, int limit) {
        int total = 0;
        for (int b = 0; b < keys.buckets() && total < limit; b++) {
            Object n = redis.eval(
                    Redis.Script.IDEMPOTENCY,
                    List.of(keys.retainIndex(b)),
                    List.of("purge", Codec.millis(now), Codec.time(now), Integer.toString(limit - total)));
            total += ((Number) n).intValue();
        }
        return total;
    }
}
