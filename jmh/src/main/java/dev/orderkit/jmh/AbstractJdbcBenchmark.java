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
import dev.orderkit.jmh.internal.RawJdbcStock;
import dev.orderkit.jmh.internal.Tally;
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
 * {@code OrderService.place} over orderkit-jdbc next to the two raw shapes of {@link RawJdbcStock}
 * (the hand-written reservation transaction, and the single-statement conditional UPDATE in
 * autocommit). Each trial gets its own schema / database; its tear-down runs the invariant check,
 * then drops it. Both sides use a HikariCP pool with {@link HikariPools#recommendedConfig} settings
 * (READ COMMITTED) and {@link #poolSize} connections, so with more threads than connections both
 * wait for the pool alike. Stock never runs out ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class AbstractJdbcBenchmark extends WorkloadParams {
    private String method;
    private Workload workload;
    private Tally tally;
    private TrialDatabase database;
    private HikariDataSource dataSource;
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
     * every SKU. The orderkit side is stock, idempotency and orders on this database with its step
     * transactions ({@code JdbcBackend.stepTransactions()}), as the README recommends.
     *
     * @param params which benchmark method runs
     * @throws SQLException if the raw tables cannot be created
     */
    @Setup(Level.Trial)
    public void setUp(BenchmarkParams params) throws SQLException {
        method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        workload = newWorkload();
        tally = new Tally();
        database = TrialDatabase.create(kind());
        int size = poolSize(params.getThreads());
        HikariConfig config = HikariPools.recommendedConfig(database.url(), null, null, size);
        config.setMinimumIdle(size);
        config.setPoolName("okbench-" + kind().name().toLowerCase(Locale.ROOT));
        dataSource = new HikariDataSource(config);
        if (method.startsWith("reserveRaw")) {
            raw = new RawJdbcStock(dataSource, workload);
        } else {
            JdbcBackend backend = JdbcBackend.builder()
                    .dataSource(dataSource)
                    .migrateOnBuild(true)
                    .build();
            kit = Kits.builder(combine)
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .stepTransactions(backend.stepTransactions())
                    .build();
            Kits.stock(kit, workload);
        }
    }

    /**
     * Runs the invariant check, then closes the pool and drops the trial database.
     *
     * @throws SQLException if the raw tables cannot be read
     * @throws IllegalStateException on an oversell, a lost or doubled reservation or a duplicate order
     */
    @TearDown(Level.Trial)
    public void tearDown() throws SQLException {
        try {
            String what = getClass().getSimpleName() + "." + method;
            if (raw != null) {
                long[] t = raw.totals();
                Checks.raw(what, tally, lines, t[0], t[1], method.equals("reserveRawTxn") ? t[2] : -1);
            } else if (method.equals("placeOrderkit")) {
                Checks.orders(what, kit.config().stockStorage(), kit.config().orderStore(), workload, tally);
            } else {
                Checks.stock(what, kit.config().stockStorage(), workload, tally);
            }
            if (kit != null) { // how far the hot-SKU combiner batched this trial (JMH prints it)
                System.out.println(what + " " + kit.combinerStats());
            }
        } finally {
            try {
                dataSource.close();
            } finally {
                database.drop();
            }
        }
    }

    /**
     * orderkit-jdbc reserve: core allocates, then the storage holds the lines atomically
     * (guarded updates, reservation + line rows and movements).
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return t.done(Checks.held(kit.stock().reserve(workload.request(t.next(tally)))));
    }

    /**
     * Raw JDBC, the hand-written reservation transaction: guarded UPDATE per line plus a
     * reservation INSERT, one commit.
     *
     * @param t the thread's ids
     * @return true
     * @throws SQLException if the database fails
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public boolean reserveRawTxn(ThreadIds t) throws SQLException {
        if (!raw.reserveTxn(t.next(tally))) {
            throw new IllegalStateException("raw reservation not held");
        }
        return t.done(true);
    }

    /**
     * Raw JDBC, the single-statement conditional UPDATE in autocommit (what pgbench runs against a
     * hot row): {@code UPDATE raw_stock SET reserved = reserved + 1 WHERE ... AND on_hand - reserved >= 1}.
     *
     * @param t the thread's ids
     * @return true
     * @throws SQLException if the database fails
     * @throws IllegalStateException if a row was short
     */
    @Benchmark
    public boolean reserveRawUpdate(ThreadIds t) throws SQLException {
        t.next(tally);
        if (!raw.reserveUpdate()) {
            throw new IllegalStateException("raw conditional update changed too few rows");
        }
        return t.done(true);
    }

    /**
     * Full {@code OrderService.place} with every store on this database and its step transactions
     * (simulated payment): idempotency claim, order create, reserve, authorize, confirm, complete.
     * Unique key per op.
     *
     * @param t the thread's ids
     * @return the result
     * @throws IllegalStateException if the order was not placed
     */
    @Benchmark
    public PlaceOrderResult placeOrderkit(ThreadIds t) {
        return t.done(Checks.placed(kit.orders().place(workload.order(t.next(tally)))));
    }
}
