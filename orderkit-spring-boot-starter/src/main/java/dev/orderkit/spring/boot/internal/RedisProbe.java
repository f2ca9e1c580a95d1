package dev.orderkit.spring.boot.internal;

import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.redis.RedisBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/**
 * Health of the Redis backend: the server answers PING; details also count the outbox's pending
 * and dead stock events (one read per outbox stream).
 */
public final class RedisProbe {
    private final RedisBackend redis;
    private final UnifiedJedis client;

    /**
     * Creates the probe.
     *
     * @param redis the backend
     * @param client its client
     */
    public RedisProbe(RedisBackend redis, UnifiedJedis client) {
        this.redis = redis;
        this.client = client;
    }

    /**
     * Reads the backend.
     *
     * @return the reading
     */
    public Probe read() {
        try {
            String pong = client.ping();
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("ping", pong);
            details.put("keyPrefix", redis.keyPrefix());
            details.put("cluster", redis.clusterMode());
            details.put("outboxPending", redis.outboxStore().count(OutboxStore.Status.PENDING));
            details.put("outboxDead", redis.outboxStore().count(OutboxStore.Status.DEAD));
            return new Probe("PONG".equalsIgnoreCase(pong), details);
        } catch (RuntimeException e) {
            return Probe.down(e);
        }
    }
}
