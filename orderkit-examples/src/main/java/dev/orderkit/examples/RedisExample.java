package dev.orderkit.examples;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.payment.PaymentPort;
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
     * @param payments the payment gateway
     * @return the kit
     */
    public static OrderKit redisKit(UnifiedJedis redis, String keyPrefix, OrderStore orders, PaymentPort payments) {
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
                .build();
        // END
    }
}
