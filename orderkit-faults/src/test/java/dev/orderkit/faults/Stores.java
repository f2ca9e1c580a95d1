package dev.orderkit.faults;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.redis.RedisBackend;
import dev.orderkit.testkit.FaultInjectingDataSource;
import dev.orderkit.testkit.FaultInjection;
import dev.orderkit.testkit.FaultPlan;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * The backends of one process of a run: the kit's pool on the orders database (wrapped in a
 * {@link FaultInjectingDataSource} when the run loses commit acknowledgements), the JDBC backend on
 * it, the Redis backend for the Redis scenarios, and a separate small pool on PostgreSQL for the
 * simulated gateway (an outside service: its connections are not the ones the suite terminates).
 */
final class Stores implements AutoCloseable {
    /** PostgreSQL {@code application_name} of the kit's connections of every worker of a run. */
    static String applicationName(String prefix) {
        return "okf-" + prefix;
    }

    private final FaultConfig config;
    private final HikariDataSource pool;
    private final HikariDataSource gatewayPool;
    private final HikariDataSource sinkPool;
    private final FaultPlan plan = new FaultPlan();
    private final JdbcBackend jdbc;
    private final @Nullable UnifiedJedis client;
    private final @Nullable RedisBackend redis;

    /**
     * Opens the backends.
     *
     * @param config the run
     * @param application application name of the kit's PostgreSQL connections
     * @param poolSize the kit pool's size
     * @param sinkPoolSize the recording event sink's pool size
     * @param migrate whether to create the tables (the driver does, once, before the workers start)
     */
    Stores(FaultConfig config, String application, int poolSize, int sinkPoolSize, boolean migrate) {
        this.config = config;
        this.pool = pool(config.ordersUrl(), application, poolSize);
        this.gatewayPool = pool(config.gatewayUrl(), "okg-" + config.prefix(), 3);
        // the recording event sink: an outside service too. Its commits do not wait for the WAL
        // flush: the suite kills processes and connections, never PostgreSQL, so a committed row
        // is what "acknowledged by the sink" needs, at half the fsyncs per delivered event
        this.sinkPool =
                pool(config.gatewayUrl(), "oks-" + config.prefix(), sinkPoolSize, "SET synchronous_commit TO off");
        DataSource kitSource = config.lostCommitRate() > 0 ? new FaultInjectingDataSource(pool, plan) : pool;
        this.jdbc = JdbcBackend.builder()
                .dataSource(kitSource)
                .tablePrefix(config.prefix())
                .migrateOnBuild(migrate)
                .build();
        if (config.stock().redis()) {
            this.client = config.stock() == FaultConfig.Store.REDIS_CLUSTER
                    ? cluster(config.redis())
                    : RedisClient.create(HostAndPort.from(config.redis()));
            this.redis = RedisBackend.builder()
                    .client(client)
                    .keyPrefix(config.prefix() + ":")
                    .build();
        } else {
            this.client = null;
            this.redis = null;
        }
    }

    private static JedisCluster cluster(String nodes) {
        Set<HostAndPort> hp = Arrays.stream(nodes.split(","))
                .map(String::trim)
                .map(HostAndPort::from)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return new JedisCluster(hp, 2000, 5);
    }

    private static HikariDataSource pool(String url, String application, int size) {
        return pool(url, application, size, null);
    }

    private static HikariDataSource pool(String url, String application, int size, @Nullable String initSql) {
        HikariConfig c = HikariPools.recommendedConfig(url, null, null, size);
        if (initSql != null) {
            c.setConnectionInitSql(initSql);
        }
        c.setPoolName(application);
        c.setConnectionTimeout(5_000);
        c.setInitializationFailTimeout(-1); // a worker may start while its connections are being terminated
        if (url.startsWith("jdbc:postgresql:")) {
            c.addDataSourceProperty("ApplicationName", application);
        }
        return new HikariDataSource(c);
    }

    /** Arms the lost-acknowledgement faults of the kit's commits, if the run has them. */
    void armLostCommits(long seed) {
        if (config.lostCommitRate() > 0) {
            plan.armRandomly(FaultInjection.Fault.LOSE_ACK, config.lostCommitRate(), seed);
        }
    }

    /** Commits whose acknowledgement was lost so far. */
    int lostCommits() {
        return plan.injected();
    }

    StockStorage stock() {
        return redis != null ? redis.stockStorage() : jdbc.stockStorage();
    }

    IdempotencyStore keys() {
        return redis != null ? redis.idempotencyStore() : jdbc.idempotencyStore();
    }

    OrderStore orders() {
        return jdbc.orderStore();
    }

    StepTransactions steps() {
        return config.atomicPhases() ? jdbc.stepTransactions() : StepTransactions.NONE;
    }

    /**
     * The durable outboxes of this run, delivered by every worker and drained at the end: the JDBC
     * outbox table (order events; stock events too when stock is JDBC) and, in the Redis scenarios,
     * the Redis outbox (the stock events, recorded by the Redis scripts with each change).
     *
     * @throws IllegalStateException if the Redis storage records its events but its outbox is not
     *     listed here (the suite would report all of them lost)
     */
    List<SuiteOutbox> outboxes() {
        List<SuiteOutbox> out = new ArrayList<>();
        out.add(SuiteOutbox.jdbc(jdbc.outboxStore(), pool, config.prefix()));
        if (redis != null) {
            out.add(SuiteOutbox.of("redis", redis.outboxStore())); // stock events of the Redis scenarios
        }
        if (redis != null
                && redis.stockStorage().recordsEvents()
                && out.stream().noneMatch(o -> o.name().equals("redis"))) {
            throw new IllegalStateException("the Redis stock storage records its events now: add its outbox to "
                    + "Stores.outboxes() so that the suite delivers and checks them");
        }
        return out;
    }

    /**
     * Whether the stock storage writes its events to one of {@link #outboxes()} (then every
     * reservation and adjustment implies events the suite expects delivered).
     */
    boolean stockEventsInOutbox() {
        return stock().recordsEvents();
    }

    JdbcBackend jdbc() {
        return jdbc;
    }

    /** The kit pool, unwrapped (the driver's reads and DDL; never fault-injected). */
    DataSource pool() {
        return pool;
    }

    DataSource gatewayPool() {
        return gatewayPool;
    }

    /** PostgreSQL (the run's schema) for the {@link RecordingSink}. */
    DataSource sinkPool() {
        return sinkPool;
    }

    @Nullable
    RedisBackend redis() {
        return redis;
    }

    @Override
    public void close() {
        try {
            if (client != null) {
                client.close();
            }
        } finally {
            pool.close();
            gatewayPool.close();
            sinkPool.close();
        }
    }
}
