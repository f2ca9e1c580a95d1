package dev.orderkit.core;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Chooses the locations that serve each line of a reservation. Implementations must be pure
 * functions of their arguments (they may be called again after a concurrent writer changed levels)
 * and thread-safe.
 */
@FunctionalInterface
public interface AllocationStrategy {

    /**
     * Allocates the lines.
     *
     * @param lines requested lines (validated, no duplicates)
     * @param levels every known level of every requested SKU, keyed by SKU, sorted by location
     * @return the allocation, or the shortfalls if some line cannot be served
     */
    Allocation allocate(List<ReservationLine> lines, Map<String, List<StockLevel>> levels);

    /**
     * Allocates the lines at {@code now}, when levels may have a {@link StockPolicy} allowing
     * backorders or preorders: real stock first, the policies' allowance only for what real stock
     * cannot serve. The ledger calls this method. The default allocates on real stock with
     * {@link #allocate(List, Map)}; if that falls short and some level has an allowance at
     * {@code now}, it allocates again on levels whose on-hand is raised by their allowance. The
     * built-in strategies override it to take every location's real stock before any allowance.
     *
     * @param lines requested lines (validated, no duplicates)
     * @param levels every known level of every requested SKU, keyed by SKU, sorted by location
     * @param now the time of the reservation (a preorder's allowance ends at its date)
     * @return the allocation, or the shortfalls (counting the allowance) if some line cannot be served
     */
    default Allocation allocate(List<ReservationLine> lines, Map<String, List<StockLevel>> levels, Instant now) {
        Allocation real = allocate(lines, levels);
        if (real.isComplete() || !anyAllowance(levels, now)) {
            return real;
        }
        Map<String, List<StockLevel>> raised = new HashMap<>();
        levels.forEach((sku, ls) -> raised.put(
                sku,
                ls.stream()
                        .map(l -> new StockLevel(
                                l.key(),
                                l.onHand() + l.policy().allowance(now),
                                l.reserved(),
                                l.committed(),
                                l.version(),
                                l.updatedAt(),
                                l.policy()))
                        .toList()));
        return allocate(lines, raised);
    }

    /**
     * Whether some level has a backorder or preorder allowance at {@code now}.
     *
     * @param levels levels by SKU
     * @param now the time
     * @return true if some {@code policy().allowance(now) > 0}
     */
    static boolean anyAllowance(Map<String, List<StockLevel>> levels, Instant now) {
        for (List<StockLevel> ls : levels.values()) {
            for (int i = 0; i < ls.size(); i++) {
                if (ls.get(i).policy().allowance(now) > 0) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * Whether this strategy, for a SKU stocked at exactly one location, always allocates each line
     * of that SKU whole from that location when the location has the quantity available, and
     * otherwise reports that line as a shortfall (every built-in strategy does). When true, the
     * ledger may reserve lines of such SKUs without reading their levels first: the storage's
     * guarded write decides, and a refusal is confirmed on freshly read levels through
     * {@link #allocate} before a buyer is turned away. The default, {@code false}, always hands the
     * strategy the levels.
     *
     * @return true if lines of a single-location SKU may skip the level read
     */
    default boolean servesSoleLocationWhole() {
        return false;
    }

    /**
     * The outcome of an allocation: exactly one of {@code lines} and {@code shortfalls} is non-empty.
     *
     * @param lines the allocated lines
     * @param shortfalls the lines that cannot be served
     */
    record Allocation(List<AllocatedLine> lines, List<Shortfall> shortfalls) {
        /** Copies both lists. */
        public Allocation {
            lines = List.copyOf(lines);
            shortfalls = List.copyOf(shortfalls);
        }

        /**
         * Whether every line was served.
         *
         * @return true if there is no shortfall
         */
        public boolean isComplete() {
            return shortfalls.isEmpty();
        }
    }

    /**
     * Serves each line from locations in the given priority order; locations not listed come after,
     * alphabetically.
     *
     * @param priority preferred locations, most preferred first
     * @param allowSplit whether one line may be split across several locations
     * @return the strategy
     */
    static AllocationStrategy locationPriority(List<String> priority, boolean allowSplit) {
        return new PriorityAllocation(priority, allowSplit, false);
    }

    /**
     * Prefers a single location that can ship the whole order (all lines), chosen by the given
     * priority; if none can, falls back to {@link #locationPriority(List, boolean)}.
     *
     * @param priority preferred locations, most preferred first
     * @param allowSplit whether the fallback may split one line across locations
     * @return the strategy
     */
    static AllocationStrategy preferSingleLocation(List<String> priority, boolean allowSplit) {
        return new PriorityAllocation(priority, allowSplit, true);
    }

    /**
     * The default strategy: single location preferred, alphabetical location order, splitting allowed.
     *
     * @return the strategy
     */
    static AllocationStrategy defaultStrategy() {
        return preferSingleLocation(List.of(StockKey.DEFAULT_LOCATION), true);
    }
}
