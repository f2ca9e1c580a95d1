package dev.orderkit.jmh;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.StockKey;
import dev.orderkit.jmh.internal.RawRedisStock;
import dev.orderkit.jmh.internal.Services;
import dev.orderkit.jmh.internal.Workload;
import dev.orderkit.redis.RedisBackend;
import java.net.URI;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.RedisClient;

/**
 * {@code StockLedger.reserve} over orderkit-redis (standalone, {@code reserve_local.lua}) next to
 * {@link RawRedisStock} (raw Jedis, one small guarded Lua script). Each trial uses its own key
 * prefix, deleted in the tear-down. Both sides use a {@link RedisClient} with a 64-connection pool.
 * Stock never runs out ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisBenchmark extends WorkloadParams {

    private Workload workload;
    private RedisClient client;
    private String prefix;
    private RedisBackend backend;
    private OrderKit kit;
    private RawRedisStock raw;

    /**
     * Connects, creates this trial's prefix and stocks the SKUs of the side being measured.
     *
     * @param params which benchmark method runs
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        workload = newWorkload();
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(64);
        pool.setMaxIdle(64);
        client = RedisClient.builder()
                .fromURI(URI.create(Services.redisUrl()))
                .poolConfig(pool)
                .build();
        prefix = Services.uniqueName("okbench") + ":";
        if (params.getBenchmark().endsWith(".reserveRaw")) {
            raw = new RawRedisStock(client, prefix, workload);
        } else {
            backend = RedisBackend.builder().client(client).keyPrefix(prefix).build();
            kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .build();
            for (String sku : workload.catalog()) {
                kit.stock().setOnHand(StockKey.of(sku), Workload.ON_HAND, -1, "bench");
            }
        }
    }

    /** Deletes every key of this trial and closes the client. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            RawRedisStock.deleteAll(client, prefix);
        } finally {
            client.close();
        }
    }

    /**
     * orderkit-redis: core reads the reservation and levels, allocates, then one Lua script holds.
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return kit.stock().reserve(workload.request(t.next()));
    }

    /**
     * Raw Jedis baseline: one guarded Lua script per reservation.
     *
     * @param t the thread's ids
     * @return the script's answer (1 = held)
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public long reserveRaw(ThreadIds t) {
        long r = raw.reserve(t.next());
        if (r != 1) {
            throw new IllegalStateException("raw reservation not held: " + r);
        }
        return r;
    }
}
