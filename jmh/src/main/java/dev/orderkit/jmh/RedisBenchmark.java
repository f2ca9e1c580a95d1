package dev.orderkit.jmh;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jmh.internal.Checks;
import dev.orderkit.jmh.internal.Kits;
import dev.orderkit.jmh.internal.RawRedisStock;
import dev.orderkit.jmh.internal.Services;
import dev.orderkit.jmh.internal.Tally;
import dev.orderkit.jmh.internal.TrialDatabase;
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
 * orderkit-redis (standalone) next to {@link RawRedisStock} (raw Jedis: one EVALSHA
 * check-and-decrement script per reservation). {@code reserveOrderkit} and {@code placeOrderkit} use
 * what {@link RedisBackend} offers: Redis stock and idempotency keys, and the in-memory order store
 * (there is no Redis {@code OrderStore}); {@code placeOrderkitPgOrders} is the mixed combination,
 * Redis stock with idempotency keys and orders on PostgreSQL ({@code JdbcBackend}, no step
 * transactions since stock lives elsewhere). Each trial uses its own key prefix (and PostgreSQL
 * schema); its tear-down runs the invariant check, then deletes them. The Redis client has a
 * 64-connection pool; the PostgreSQL pool is sized like the JDBC benchmarks'. Stock never runs out
 * ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RedisBenchmark extends WorkloadParams {

    private String method;
    private Workload workload;
    private Tally tally;
    private RedisClient client;
    private String prefix;
    private OrderKit kit;
    private RawRedisStock raw;
    private TrialDatabase database;
    private HikariDataSource dataSource;

    /**
     * Connects, creates this trial's prefix (and schema) and stocks the SKUs of the side being measured.
     *
     * @param params which benchmark method runs
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) {
        method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        workload = newWorkload();
        tally = new Tally();
        ConnectionPoolConfig redisPool = new ConnectionPoolConfig();
        redisPool.setMaxTotal(64);
        redisPool.setMaxIdle(64);
        client = RedisClient.builder()
                .fromURI(URI.create(Services.redisUrl()))
                .poolConfig(redisPool)
                .build();
        prefix = Services.uniqueName("okbench") + ":";
        if (method.equals("reserveRawEvalsha")) {
            raw = new RawRedisStock(client, prefix, workload);
            return;
        }
        RedisBackend backend =
                RedisBackend.builder().client(client).keyPrefix(prefix).build();
        OrderKit.Builder b = Kits.builder(combine).stockStorage(backend.stockStorage());
        if (method.equals("placeOrderkitPgOrders")) {
            database = TrialDatabase.create(TrialDatabase.Kind.POSTGRES);
            int size = poolSize(params.getThreads());
            HikariConfig config = HikariPools.recommendedConfig(database.url(), null, null, size);
            config.setMinimumIdle(size);
            config.setPoolName("okbench-redis-pg");
            dataSource = new HikariDataSource(config);
            JdbcBackend db = JdbcBackend.builder()
                    .dataSource(dataSource)
                    .migrateOnBuild(true)
                    .build();
            b.idempotencyStore(db.idempotencyStore()).orderStore(db.orderStore());
        } else {
            b.idempotencyStore(backend.idempotencyStore());
        }
        kit = b.build();
        Kits.stock(kit, workload);
    }

    /**
     * Runs the invariant check, then deletes every key (and the schema) of this trial and closes the clients.
     *
     * @throws IllegalStateException on an oversell, a lost or doubled reservation or a duplicate order
     */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            String what = "RedisBenchmark." + method;
            if (raw != null) {
                long[] t = raw.totals();
                long records = RawRedisStock.deleteAll(client, prefix) - workload.catalog().length;
                Checks.raw(what, tally, lines, t[0], t[1], records);
            } else if (method.startsWith("place")) {
                Checks.orders(what, kit.config().stockStorage(), kit.config().orderStore(), workload, tally);
            } else {
                Checks.stock(what, kit.config().stockStorage(), workload, tally);
            }
        } finally {
            try {
                RawRedisStock.deleteAll(client, prefix);
                client.close();
            } finally {
                if (dataSource != null) {
                    try {
                        dataSource.close();
                    } finally {
                        database.drop();
                    }
                }
            }
        }
    }

    /**
     * orderkit-redis: core allocates, then one Lua script holds the lines.
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return t.done(Checks.held(kit.stock().reserve(workload.request(t.next(tally)))));
    }

    /**
     * Raw Jedis baseline: one EVALSHA check-and-decrement script per reservation (checks
     * {@code on_hand - reserved >= q} for every line, then {@code HINCRBY} per line and the
     * reservation hash).
     *
     * @param t the thread's ids
     * @return the script's answer (1 = held)
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public long reserveRawEvalsha(ThreadIds t) {
        long r = raw.reserve(t.next(tally));
        if (r != 1) {
            throw new IllegalStateException("raw reservation not held: " + r);
        }
        t.done(null);
        return r;
    }

    /**
     * Full {@code OrderService.place}: Redis stock and idempotency keys, in-memory orders, simulated
     * payment. Unique key per op.
     *
     * @param t the thread's ids
     * @return the result
     * @throws IllegalStateException if the order was not placed
     */
    @Benchmark
    public PlaceOrderResult placeOrderkit(ThreadIds t) {
        return t.done(Checks.placed(kit.orders().place(workload.order(t.next(tally)))));
    }

    /**
     * Full {@code OrderService.place}, the mixed combination: Redis stock, idempotency keys and
     * orders on PostgreSQL, simulated payment. Unique key per op.
     *
     * @param t the thread's ids
     * @return the result
     * @throws IllegalStateException if the order was not placed
     */
    @Benchmark
    public PlaceOrderResult placeOrderkitPgOrders(ThreadIds t) {
        return t.done(Checks.placed(kit.orders().place(workload.order(t.next(tally)))));
    }
}
