package dev.orderkit.redis;

import dev.orderkit.redis.internal.Redis;
import java.util.Map;
import java.util.TreeMap;
import redis.clients.jedis.UnifiedJedis;

/**
 * What a Redis fixture stores, by key kind ({@code <tag kind>:<key kind>}, e.g. {@code s:m} for
 * movement lists, {@code r:h} for reservation headers): the number of keys (sorted-set indexes,
 * one per bucket or SKU, are counted by their entries only), and for lists, sorted sets and the
 * applied-writes hashes the number of their entries (what grows inside a key).
 */
final class RedisBoundedStorage {
    private RedisBoundedStorage() {}

    static Map<String, Long> footprint(RedisFixture f) {
        UnifiedJedis client = f.client();
        String prefix = f.backend().keyPrefix();
        Map<String, Long> out = new TreeMap<>();
        for (String key : new Redis(client, f.backend().clusterMode()).scan(prefix + "{*")) {
            String rest = key.substring(prefix.length() + 1); // after "{"
            int close = rest.indexOf('}');
            String tag = rest.substring(0, rest.indexOf(':'));
            String tail = rest.substring(close + 2);
            int colon = tail.indexOf(':');
            String kind = tag + ":" + (colon < 0 ? tail : tail.substring(0, colon));
            String type = client.type(key);
            if (!type.equals("zset")) {
                // an index (sorted set) exists per bucket while not empty: at most one per bucket, so
                // its key count jitters with the bucket spread; its entries are what could grow
                out.merge(kind + " keys", 1L, Long::sum);
            }
            long entries = switch (type) {
                case "list" -> client.llen(key);
                case "zset" -> client.zcard(key);
                case "hash" -> kind.equals("s:w") ? client.hlen(key) : 0;
                case "set" -> client.scard(key);
                default -> 0;
            };
            if (!type.equals("hash") || kind.equals("s:w")) {
                out.merge(kind + " entries", entries, Long::sum);
            }
        }
        return out;
    }
}
