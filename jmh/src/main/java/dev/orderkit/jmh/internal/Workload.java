package dev.orderkit.jmh.internal;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.Scope;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The SKU catalog and the shape of one reservation. {@code spread}: {@code lines} distinct SKUs
 * drawn uniformly from the catalog; {@code hot}: always the first {@code lines} SKUs of the catalog
 * (one SKU for single-line reservations), so every operation contends on the same rows/keys.
 * Line indexes are returned sorted (canonical order, as orderkit locks them), and every line
 * reserves one unit. Immutable and thread-safe.
 */
public final class Workload {
    /** On-hand of every benchmark SKU: orderkit's maximum, so stock never runs out during a run. */
    public static final long ON_HAND = 1_000_000_000_000L;
    /** Hold of every benchmark reservation: long enough that nothing expires during a run. */
    public static final Duration TTL = Duration.ofMinutes(30);

    private final String[] skus;
    private final int lines;
    private final boolean hot;

    /**
     * Creates a workload.
     *
     * @param catalog number of SKUs, at least {@code lines}
     * @param lines lines per reservation, 1..{@code catalog}
     * @param mode {@code spread} or {@code hot}
     * @throws IllegalArgumentException on a bad combination
     */
    public Workload(int catalog, int lines, String mode) {
        if (lines < 1 || catalog < lines) {
            throw new IllegalArgumentException("need 1 <= lines (" + lines + ") <= catalog (" + catalog + ")");
        }
        if (!mode.equals("spread") && !mode.equals("hot")) {
            throw new IllegalArgumentException("skus must be 'spread' or 'hot', not " + mode);
        }
        this.skus = new String[catalog];
        for (int i = 0; i < catalog; i++) {
            skus[i] = String.format("sku-%05d", i);
        }
        this.lines = lines;
        this.hot = mode.equals("hot");
    }

    /**
     * Every SKU of the catalog, in canonical (sorted) order.
     *
     * @return the SKU names (a copy)
     */
    public String[] catalog() {
        return skus.clone();
    }

    /**
     * Lines per reservation.
     *
     * @return the count
     */
    public int lines() {
        return lines;
    }

    /**
     * The SKU indexes of the next reservation, ascending, distinct.
     *
     * @return {@code lines} indexes into {@link #catalog()}
     */
    public int[] pick() {
        int[] out = new int[lines];
        if (hot) {
            for (int i = 0; i < lines; i++) {
                out[i] = i;
            }
            return out;
        }
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        int n = 0;
        while (n < lines) {
            int c = rnd.nextInt(skus.length);
            boolean dup = false;
            for (int i = 0; i < n; i++) {
                dup |= out[i] == c;
            }
            if (!dup) {
                out[n++] = c;
            }
        }
        Arrays.sort(out);
        return out;
    }

    /**
     * The SKU name of an index.
     *
     * @param index index from {@link #pick()}
     * @return the SKU
     */
    public String sku(int index) {
        return skus[index];
    }

    /**
     * The next orderkit reservation request: one unit per picked SKU.
     *
     * @param reservationId a fresh id
     * @return the request
     */
    public ReservationRequest request(String reservationId) {
        int[] idx = pick();
        List<ReservationLine> ls = new ArrayList<>(idx.length);
        for (int i : idx) {
            ls.add(ReservationLine.of(skus[i], 1));
        }
        return new ReservationRequest(reservationId, ls, TTL);
    }

    /**
     * The next order: one unit of each picked SKU at 100 minor units, default scope.
     *
     * @param key a fresh idempotency key
     * @return the request
     */
    public PlaceOrderRequest order(String key) {
        PlaceOrderRequest.Builder b = PlaceOrderRequest.builder(Scope.DEFAULT, IdempotencyKey.of(key));
        for (int i : pick()) {
            b.line(skus[i], 1, 100);
        }
        return b.build();
    }
}
