package dev.orderkit.spring.boot.internal;

import dev.orderkit.redis.RedisBackend;
import java.util.LinkedHashMap;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;

/** Health of the Redis backend: the server answers PING. */
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
            return new Probe("PONG".equalsIgnoreCase(pong), details);
        } catch (RuntimeException e) {
            return Probe.down(e);
        }
    }
}
