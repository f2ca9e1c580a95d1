package dev.orderkit.examples;

import dev.orderkit.core.Background;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.redis.RedisBackend;
import redis.clients.jedis.UnifiedJedis;

/** Template: stock and idempotency keys in Redis (standalone or cluster), orders elsewhere. */
public final class RedisExample {
    private RedisExample() {}

    /**
     * Wires an {@link OrderKit} whose stock and idempotency records live in Redis.
     *
     * @param redis a {@code RedisClient} (Jedis 8) for standalone, or a cluster client
     * @param keyPrefix prefix of every key this shop writes
     * @param orders where orders live (JDBC in production; in-memory for a single instance)
     * @param events where the stock events go (the Redis scripts record them in Redis with each
     *     change; the kit's background work delivers them)
     * @param payments the payment gateway
     * @return the kit (close it on shutdown: it runs background work)
     */
    public static OrderKit redisKit(
            UnifiedJedis redis, String keyPrefix, OrderStore orders, EventSink events, PaymentPort payments) {
        // README:redis
        RedisBackend backend = RedisBackend.builder()
                .client(redis) // standalone or cluster: one UnifiedJedis
                .keyPrefix(keyPrefix) // e.g. "shop1:"; every key starts with it
                .build();
        return OrderKit.builder()
                .stockStorage(backend.stockStorage())
                .idempotencyStore(backend.idempotencyStore())
                .orderStore(orders)
                .paymentPort(payments)
                .background(Background.on()) // recovery, expiry, purge and ...
                .outboxPublishing(backend.outboxPublisher(events)) // ... the stock events, at least once
                .build();
        // END
    }
}
