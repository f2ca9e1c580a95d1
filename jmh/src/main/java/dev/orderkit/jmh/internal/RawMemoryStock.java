package dev.orderkit.jmh.internal;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The in-memory raw baseline: a {@link ConcurrentHashMap} of {@link AtomicLong} available counts,
 * one guarded compare-and-set decrement per line (undone if a later line is short), plus a put of
 * the reservation record. This is the least a correct, all-or-nothing, no-oversell reservation
 * must write; it keeps no movements, states or expiries. Thread-safe.
 */
public final class RawMemoryStock {
    private final ConcurrentHashMap<String, AtomicLong> available = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, int[]> reservations = new ConcurrentHashMap<>();
    private final Workload workload;

    /**
     * Creates the baseline with every catalog SKU at {@link Workload#ON_HAND}.
     *
     * @param workload the workload
     */
    public RawMemoryStock(Workload workload) {
        this.workload = workload;
        for (String sku : workload.catalog()) {
            available.put(sku, new AtomicLong(Workload.ON_HAND));
        }
    }

    /**
     * Reserves one unit of each picked SKU, all or nothing.
     *
     * @param reservationId a fresh id
     * @return true if held, false if some line was short (nothing held then)
     */
    public boolean reserve(String reservationId) {
        int[] idx = workload.pick();
        for (int i = 0; i < idx.length; i++) {
            if (!take(available.get(workload.sku(idx[i])), 1)) {
                for (int j = 0; j < i; j++) {
                    available.get(workload.sku(idx[j])).addAndGet(1);
                }
                return false;
            }
        }
        reservations.put(reservationId, idx);
        return true;
    }

    private static boolean take(AtomicLong counter, long q) {
        for (; ; ) {
            long v = counter.get();
            if (v < q) {
                return false;
            }
            if (counter.compareAndSet(v, v - q)) {
                return true;
            }
        }
    }

    /**
     * Units still available for a SKU.
     *
     * @param sku the SKU
     * @return the count
     */
    public long available(String sku) {
        return available.get(sku).get();
    }

    /**
     * What the invariant check needs: units taken over all SKUs, SKUs whose available count went
     * negative, reservation records.
     *
     * @return {@code {reservedUnits, overReserved, reservations}} (call when no reservation runs)
     */
    public long[] totals() {
        long taken = 0;
        long negative = 0;
        for (AtomicLong a : available.values()) {
            taken += Workload.ON_HAND - a.get();
            negative += a.get() < 0 ? 1 : 0;
        }
        return new long[] {taken, negative, reservations.size()};
    }
}
