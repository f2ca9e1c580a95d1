package dev.orderkit.jmh;

import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.StockKey;
import dev.orderkit.jmh.internal.Checks;
import dev.orderkit.jmh.internal.RawMemoryStock;
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

/**
 * In-memory: {@code StockLedger.reserve} on the in-memory default ({@code OrderKit.builder().build()}) next to
 * {@link RawMemoryStock} (guarded CAS decrement per line plus a map put). Both start from a fresh
 * store every iteration so the millions of reservations an iteration creates do not pile up in
 * the heap across iterations; {@link #placeOrderkit} measures the whole placement on the same
 * default kit. Stock never runs out ({@link Workload#ON_HAND} units per SKU).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class InMemoryBenchmark extends WorkloadParams {

    private Workload workload;
    private OrderKit kit;
    private RawMemoryStock raw;

    /** Fresh stores with every SKU stocked. */
    @Setup(Level.Iteration)
    public void setUp() {
        workload = newWorkload();
        kit = OrderKit.builder().build();
        for (String sku : workload.catalog()) {
            kit.stock().setOnHand(StockKey.of(sku), Workload.ON_HAND, -1, "bench");
        }
        raw = new RawMemoryStock(workload);
    }

    /** Drops the stores. */
    @TearDown(Level.Iteration)
    public void tearDown() {
        kit = null;
        raw = null;
    }

    /**
     * orderkit: validate, read levels, allocate, reserve (level locks, movements, expiry index).
     *
     * @param t the thread's ids
     * @return the reservation
     */
    @Benchmark
    public Reservation reserveOrderkit(ThreadIds t) {
        return kit.stock().reserve(workload.request(t.next()));
    }

    /**
     * Raw baseline: guarded CAS decrement per line plus a map put.
     *
     * @param t the thread's ids
     * @return true
     * @throws IllegalStateException if the reservation was not held
     */
    @Benchmark
    public boolean reserveRaw(ThreadIds t) {
        if (!raw.reserve(t.next())) {
            throw new IllegalStateException("raw reservation not held");
        }
        return true;
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
        return Checks.placed(kit.orders().place(workload.order(t.next())));
    }
}
