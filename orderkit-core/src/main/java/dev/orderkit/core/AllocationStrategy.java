package dev.orderkit.core;

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
