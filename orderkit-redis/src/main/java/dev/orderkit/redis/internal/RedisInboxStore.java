package dev.orderkit.redis.internal;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.spi.InboxStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * {@link InboxStore} on Redis / Redis Cluster: one hash per message
 * ({@code P{in:B}:m:ID}, B = bucket of the id, so the record and its bucket's done index share a
 * hash slot), one Lua script per operation ({@code inbox_*.lua}), each atomic on the server. Times
 * come from the caller's {@code now} (fixed-width strings, compared as strings), never from Redis
 * {@code TIME}. Completed records have no TTL: they are kept until {@link #purgeCompleted} deletes
 * them through the per-bucket sorted-set index. Every script is atomic, so a claim never answers
 * {@link InboxStore.Claim#CONFLICT} and nothing here retries. Thread-safe; every client on the same key prefix and
 * bucket count shares the state.
 */
public final class RedisInboxStore implements InboxStore {
    private final Redis redis;
    private final Keys keys;

    /**
     * Creates the store.
     *
     * @param redis script runner
     * @param keys key layout
     */
    public RedisInboxStore(Redis redis, Keys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    @Override
    public Claim claim(String messageId, Instant now, Duration lease) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        InboxStore.checkLease(lease);
        List<String> r = redis.evalList(
                Redis.Script.INBOX_CLAIM,
                List.of(keys.inboxMessage(messageId)),
                List.of(
                        Codec.time(now),
                        Codec.time(now.plus(lease)),
                        UUID.randomUUID().toString()));
        return switch (r.get(0)) {
            case "ACQUIRED" -> Claim.ACQUIRED;
            case "IN_PROGRESS" -> Claim.IN_PROGRESS;
            case "DONE" -> Claim.DONE;
            default -> throw new BackendUnavailableException("unexpected inbox claim reply " + r, null);
        };
    }

    @Override
    public void complete(String messageId, Instant now) {
        InboxStore.checkMessageId(messageId);
        Objects.requireNonNull(now, "now must not be null");
        redis.eval(
                Redis.Script.INBOX_COMPLETE,
                List.of(keys.inboxMessage(messageId), keys.inboxDone(keys.inboxBucket(messageId))),
                List.of(Codec.time(now), Codec.millis(now)));
    }

    @Override
    public void release(String messageId) {
        InboxStore.checkMessageId(messageId);
        redis.eval(Redis.Script.INBOX_RELEASE, List.of(keys.inboxMessage(messageId)), List.of());
    }

    @Override
    public int purgeCompleted(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan must not be null");
        InboxStore.checkLimit(limit);
        int total = 0;
        for (int b = 0; b < keys.buckets() && total < limit; b++) {
            Object n = redis.eval(
                    Redis.Script.INBOX_PURGE,
                    List.of(keys.inboxDone(b)),
                    List.of(Codec.millis(olderThan), Codec.time(olderThan), Integer.toString(limit - total)));
            total += ((Number) n).intValue();
        }
        return total;
    }
}
