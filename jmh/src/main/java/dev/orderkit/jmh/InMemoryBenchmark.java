package dev.orderkit.jmh;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.jmh.internal.Checks;
import dev.orderkit.jmh.internal.Kits;
import dev.orderkit.jmh.internal.RawMemoryStock;
import dev.orderkit.jmh.internal.Tally;
import dev.orderkit.jmh.internal.Workload;
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
 * In-memory: {@code StockLedger.reserve} and {@code OrderService.place} on the in-memory default
 * ({@link Kits#builder} with no stores) next to {@link RawMemoryStock} (guarded CAS decrement per
 * line plus a map put). The side being measured starts from a fresh store every iteration, so the
 * millions of reservations an iteration creates do not pile up in the heap; the invariant check
 * runs on every iteration's store before it is dropped (and the trial tear-down fails if none was
 * checked). Stock never runs out ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InMemoryBenchmark extends WorkloadParams {

    private String method;
    private Workload workload;
    private Tally tally;
    private OrderKit kit;
    private RawMemoryStock raw;
    private int checked;

    /**
     * Notes which benchmark runs and starts the trial's tally.
     *
     * @param params which benchmark method runs
     */
    @Setup(Level.Trial)
    public void setUpTrial(BenchmarkParams params) {
        method = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
        workload = newWorkload();
        tally = new Tally();
    }

    /** A fresh store of the side being measured, every SKU stocked. */
    @Setup(Level.Iteration)
    public void setUp() {
        if (method.equals("reserveRawCas")) {
            raw = new RawMemoryStock(workload);
        } else {
            kit = Kits.builder(combine).build();
            Kits.stock(kit, workload);
        }
    }

    /**
     * Runs the invariant check on this iteration's store, then drops it.
     *
     * @throws IllegalStateException on an oversell, a lost or doubled reservation or a duplicate order
     */
    @TearDown(Level.Iteration)
    public void tearDown() {
        String what = "InMemoryBenchmark." + method;
        if (raw != null) {
            long[] t = raw.totals();
            Checks.raw(what, tally, lines, t[0], t[1], t[2]);
        } else if (method.equals("placeOrderkit")) {
            Checks.orders(what, kit.config().stockStorage(), kit.config().orderStore(), workload, tally);
        } else {
            Checks.stock(what, kit.config().stockStorage(), workload, tally);
        }
        checked++;
        tally.mark();
        kit = null;
        raw = null;
    }

    /**
     * Requires that every iteration's store was checked.
     *
     * @throws IllegalStateException if no iteration was checked
     */
    @TearDown(Level.Trial)
    public void tearDownTrial() {
        if (checked == 0) {
            throw new IllegalStateException("InMemoryBenchmark." + method + ": no iteration was checked");
        }
    }

    /**
     * orderkit: validate, read levels, allocate, reserve (level locks, movements, expiry index).
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return t.done(Checks.held(kit.stock().reserve(workload.request(t.next(tally)))));
    }

    /**
     * Raw baseline: guarded CAS decrement per line plus a map put of the reservation.
     *
     * @param t the thread's ids
     * @return true
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public boolean reserveRawCas(ThreadIds t) {
        if (!raw.reserve(t.next(tally))) {
            throw new IllegalStateException("raw reservation not held");
        }
        return t.done(true);
    }

    /**
     * Full {@code OrderService.place} on the in-memory default (simulated payment, no latency):
     * idempotency claim, order create, reserve, authorize, confirm, complete. Unique key per op.
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
