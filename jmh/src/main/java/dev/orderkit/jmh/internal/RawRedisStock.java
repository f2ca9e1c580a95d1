package dev.orderkit.jmh.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisNoScriptException;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * The Redis raw baseline: one small Lua script per reservation that checks
 * {@code on_hand - reserved >= q} for every line, then {@code HINCRBY reserved} per line and writes
 * the reservation hash (all or nothing, like orderkit, but without movements, expiry indexes,
 * headers/parts or the read-before-write that orderkit's core does). Called with EVALSHA, falling
 * back to EVAL on NOSCRIPT, as orderkit-redis does. Thread-safe (the client is a pool).
 */
public final class RawRedisStock {
    /** The script: KEYS[1] reservation, KEYS[2..] levels; ARGV[1] now, ARGV[2..] quantities. */
    static final String SCRIPT = String.join(
            "\n",
            "if redis.call('EXISTS', KEYS[1]) == 1 then return -1 end",
            "for i = 2, #KEYS do",
            "  local v = redis.call('HMGET', KEYS[i], 'oh', 'rs')",
            "  if not v[1] or tonumber(v[1]) - tonumber(v[2]) < tonumber(ARGV[i]) then return 0 end",
            "end",
            "for i = 2, #KEYS do redis.call('HINCRBY', KEYS[i], 'rs', ARGV[i]) end",
            "redis.call('HSET', KEYS[1], 'st', 'HELD', 'cr', ARGV[1], 'n', #KEYS - 1)",
            "return 1");

    private final UnifiedJedis client;
    private final String prefix;
    private final Workload workload;
    private final String sha;

    /**
     * Creates the baseline and stocks every catalog SKU.
     *
     * @param client the Redis client (not owned)
     * @param prefix key prefix of this trial
     * @param workload the workload
     */
    public RawRedisStock(UnifiedJedis client, String prefix, Workload workload) {
        this.client = client;
        this.prefix = prefix;
        this.workload = workload;
        this.sha = client.scriptLoad(SCRIPT);
        for (String sku : workload.catalog()) {
            client.hset(prefix + "l:" + sku, Map.of("oh", Long.toString(Workload.ON_HAND), "rs", "0"));
        }
    }

    /**
     * Reserves one unit of each picked SKU in one script call.
     *
     * @param reservationId a fresh id
     * @return 1 held, 0 short (nothing written), -1 id already used
     */
    public long reserve(String reservationId) {
        int[] idx = workload.pick();
        List<String> keys = new ArrayList<>(idx.length + 1);
        List<String> args = new ArrayList<>(idx.length + 1);
        keys.add(prefix + "r:" + reservationId);
        args.add(Long.toString(System.currentTimeMillis()));
        for (int i : idx) {
            keys.add(prefix + "l:" + workload.sku(i));
            args.add("1");
        }
        Object r;
        try {
            r = client.evalsha(sha, keys, args);
        } catch (JedisNoScriptException e) {
            r = client.eval(SCRIPT, keys, args);
        }
        return (Long) r;
    }

    /**
     * Reserved units of a SKU.
     *
     * @param sku the SKU
     * @return the reserved count
     */
    public long reserved(String sku) {
        return Long.parseLong(client.hget(prefix + "l:" + sku, "rs"));
    }

    /**
     * What the invariant check needs: reserved units over all catalog SKUs and SKUs reserved above
     * their on-hand (one HMGET per SKU).
     *
     * @return {@code {reservedUnits, overReserved}} (call when no reservation runs)
     */
    public long[] totals() {
        long reserved = 0;
        long over = 0;
        for (String sku : workload.catalog()) {
            List<String> v = client.hmget(prefix + "l:" + sku, "oh", "rs");
            long oh = Long.parseLong(v.get(0));
            long rs = Long.parseLong(v.get(1));
            reserved += rs;
            over += rs > oh || rs < 0 ? 1 : 0;
        }
        return new long[] {reserved, over};
    }

    /**
     * Deletes every key under a prefix (SCAN + UNLINK).
     *
     * @param client the client
     * @param prefix the prefix (no glob characters)
     * @return keys deleted
     */
    public static long deleteAll(UnifiedJedis client, String prefix) {
        long n = 0;
        String cursor = ScanParams.SCAN_POINTER_START;
        ScanParams p = new ScanParams().match(prefix + "*").count(1000);
        do {
            ScanResult<String> page = client.scan(cursor, p);
            List<String> keys = page.getResult();
            if (!keys.isEmpty()) {
                n += client.unlink(keys.toArray(String[]::new));
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return n;
    }
}
