/**
 * Redis backend of orderkit: {@link dev.orderkit.redis.RedisBackend} builds a stock storage and an
 * idempotency store over a Jedis {@code UnifiedJedis} (standalone {@code JedisPooled} or
 * {@code JedisCluster}). Every atomic step is one Lua script; see the module README for the key
 * layout, cluster semantics and the persistence settings the guarantees need.
 */
@NullMarked
package dev.orderkit.redis;

import org.jspecify.annotations.NullMarked;
