package dev.orderkit.jmh;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.StockKey;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jmh.internal.Checks;
import dev.orderkit.jmh.internal.RawJdbcStock;
import dev.orderkit.jmh.internal.TrialDatabase;
import dev.orderkit.jmh.internal.Workload;
import java.sql.SQLException;
import java.util.Locale;
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

/**
 * JDBC benchmarks, one concrete subclass per database: {@code StockLedger.reserve} and
 * {@code OrderService.place} over orderkit-jdbc next to {@link RawJdbcStock} (plain JDBC: guarded
 * UPDATE per line plus a reservation INSERT in one transaction). Each trial gets its own schema /
 * database, dropped in the tear-down. Both sides use a HikariCP pool with
 * {@link HikariPools#recommendedConfig} settings (READ COMMITTED) and {@value #POOL_SIZE}
 * connections, so with more threads than connections both wait for the pool alike. Stock never
 * runs out ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class AbstractJdbcBenchmark extends WorkloadParams {
    /** Connections per pool. */
    public static final int POOL_SIZE = 16;

    private Workload workload;
    private TrialDatabase database;
    private HikariDataSource pool;
    private OrderKit kit;
    private RawJdbcStock raw;

    /**
     * The database of this subclass.
     *
     * @return the kind
     */
    protected abstract TrialDatabase.Kind kind();

    /**
     * Creates the trial database, the pool and the tables of the side being measured, and stocks
     * every SKU.
     *
     * @param params which benchmark method runs
     * @throws SQLException if the raw tables cannot be created
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
        workload = newWorkload();
        database = TrialDatabase.create(kind());
        HikariConfig config = HikariPools.recommendedConfig(database.url(), null, null, POOL_SIZE);
        config.setMinimumIdle(POOL_SIZE);
        config.setPoolName("okbench-" + kind().name().toLowerCase(Locale.ROOT));
        pool = new HikariDataSource(config);
        if (params.getBenchmark().endsWith(".reserveRaw")) {
            raw = new RawJdbcStock(pool, workload);
        } else {
            JdbcBackend backend =
                    JdbcBackend.builder().dataSource(pool).migrateOnBuild(true).build();
            kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .build();
            for (String sku : workload.catalog()) {
                kit.stock().setOnHand(StockKey.of(sku), Workload.ON_HAND, -1, "bench");
            }
        }
    }

    /** Closes the pool and drops the trial database. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            pool.close();
        } finally {
            database.drop();
        }
    }

    /**
     * orderkit-jdbc reserve: core reads the reservation and levels, allocates, then one transaction
     * of guarded updates, reservation + line rows and movements.
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return kit.stock().reserve(workload.request(t.next()));
    }

    /**
     * Raw JDBC baseline: guarded UPDATE per line plus a reservation INSERT, one transaction.
     *
     * @param t the thread's ids
     * @return true
     * @throws SQLException if the database fails
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public boolean reserveRaw(ThreadIds t) throws SQLException {
        if (!raw.reserve(t.next())) {
            throw new IllegalStateException("raw reservation not held");
        }
        return true;
    }

    /**
     * Full {@code OrderService.place} with every store on this database (simulated payment):
     * idempotency claim, order create, reserve, authorize, confirm, complete. Unique key per op.
     *
     * @param t the thread's ids
     * @return the result
     * @throws IllegalStateException if the order was not placed
     */
    @Benchmark
    public PlaceOrderResult placeOrderkit(ThreadIds t) {
        return Checks.placed(kit.orders().place(workload.order(t.next())));
    }
}
