package dev.orderkit.redis.internal;

import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * {@link IdempotencyStore} on Redis: one hash per record, read with {@code HGETALL}; insert-if-absent,
 * compare-and-set on the version and purge are each one Lua script ({@code idempotency.lua}) that
 * holds no decision: what a record means is core's ({@link dev.orderkit.core.spi.ClaimTable}). A
 * record and its bucket's retention index share a hash slot. Thread-safe.
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
    public Optional<KeyRecord> read(ScopedKey key) {
        Objects.requireNonNull(key, "key");
        String name = keys.idempotency(key);
        Map<String, String> h = redis.call(() -> redis.client().hgetAll(name));
        if (h == null || h.isEmpty()) {
            return Optional.empty();
        }
        String token = h.get("tok");
        String lease = h.get("lease"); // '' or absent: none (records before versions wrote '' on release)
        String response = h.get("resp");
        return Optional.of(new KeyRecord(
                Codec.field(h, "fp"),
                Codec.field(h, "rid"),
                h.getOrDefault("cl", ""),
                Long.parseLong(token),
                "1".equals(h.get("rs")),
                response != null || lease == null || lease.isEmpty() ? null : Codec.time(lease),
                response,
                response == null ? null : Codec.time(Codec.field(h, "ret")),
                Long.parseLong(h.getOrDefault("ver", token))));
    }

    @Override
    public boolean insert(ScopedKey key, KeyRecord record) {
        return write(key, "insert", null, record);
    }

    @Override
    public boolean replace(ScopedKey key, long expectedVersion, KeyRecord next) {
        return write(key, "replace", expectedVersion, next);
    }

    private boolean write(ScopedKey key, String op, @Nullable Long expectedVersion, KeyRecord r) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(r, "record");
        Instant leaseUntil = r.leaseUntil();
        Instant retainUntil = r.retainUntil(); // set exactly when completed (KeyRecord checks it)
        List<String> args = new ArrayList<>(14);
        args.add(op);
        if (expectedVersion != null) {
            args.add(Long.toString(expectedVersion));
        }
        args.addAll(List.of(
                r.fingerprint(),
                r.resourceId(),
                r.claimant(),
                Long.toString(r.token()),
                r.resumed() ? "1" : "0",
                Long.toString(r.version()),
                leaseUntil == null ? "" : Codec.time(leaseUntil),
                r.completed() ? "1" : "0",
                Objects.requireNonNullElse(r.response(), ""),
                retainUntil != null ? Codec.time(retainUntil) : "",
                retainUntil != null ? Codec.millis(retainUntil) : ""));
        return ((Number) redis.eval(Redis.Script.IDEMPOTENCY, keysOf(key), args)).longValue() == 1;
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
