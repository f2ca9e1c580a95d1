package dev.orderkit.jmh.internal;

import dev.orderkit.core.Combining;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.StockKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The one place where every orderkit benchmark gets its {@link OrderKit.Builder}, so settings that
 * apply to all of them (the hot-SKU combiner) are wired once. Stateless apart from a warn-once flag;
 * thread-safe.
 */
public final class Kits {
    /** Value of the {@code combine} parameter: leave the builder's default. */
    public static final String DEFAULT = "default";
    /** Value of the {@code combine} parameter: hot-SKU combining on. */
    public static final String ON = "on";
    /** Value of the {@code combine} parameter: hot-SKU combining off. */
    public static final String OFF = "off";

    private Kits() {}

    /**
     * A builder with the benchmark-wide settings applied.
     *
     * @param combine {@link #DEFAULT}, {@link #ON} or {@link #OFF} (the {@code combine} JMH parameter)
     * @return a fresh builder; the caller adds the stores
     * @throws IllegalArgumentException on another value
     */
    public static OrderKit.Builder builder(String combine) {
        OrderKit.Builder b = OrderKit.builder();
        switch (combine.toLowerCase(Locale.ROOT)) {
            case DEFAULT:
                break;
            case ON:
                b.combining(Combining.on());
                break;
            case OFF:
                b.combining(Combining.off());
                break;
            default:
                throw new IllegalArgumentException("combine must be default, on or off, not " + combine);
        }
        return b;
    }

    /**
     * Sets every catalog SKU's on-hand to {@link Workload#ON_HAND} through the kit, on 16 threads
     * (each call is one durable commit on a database; in parallel they share group commits, which
     * keeps a trial's set-up short).
     *
     * @param kit the kit
     * @param workload the workload
     * @throws IllegalStateException if a call fails
     */
    public static void stock(OrderKit kit, Workload workload) {
        String[] catalog = workload.catalog();
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(16, catalog.length));
        try {
            List<Future<?>> calls = new ArrayList<>(catalog.length);
            for (String sku : catalog) {
                calls.add(pool.submit(() -> kit.stock().setOnHand(StockKey.of(sku), Workload.ON_HAND, -1, "bench")));
            }
            for (Future<?> f : calls) {
                f.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while stocking", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("stocking failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
