package dev.orderkit.core;

import java.util.ArrayList;
import java.util.Comparator;
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
        List<String> order = List.copyOf(priority);
        Comparator<StockLevel> byPriority = Comparator.comparingInt((StockLevel l) -> {
                    int i = order.indexOf(l.key().location());
                    return i < 0 ? Integer.MAX_VALUE : i;
                })
                .thenComparing(l -> l.key().location());
        return (lines, levels) -> {
            List<AllocatedLine> out = new ArrayList<>();
            List<Shortfall> missing = new ArrayList<>();
            for (ReservationLine line : lines) {
                List<StockLevel> candidates = new ArrayList<>(levels.getOrDefault(line.sku(), List.of()));
                if (line.location() != null) {
                    candidates.removeIf(l -> !l.key().location().equals(line.location()));
                }
                candidates.sort(byPriority);
                allocateLine(line, candidates, allowSplit, out, missing);
            }
            return new Allocation(missing.isEmpty() ? out : List.of(), missing);
        };
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
        AllocationStrategy fallback = locationPriority(priority, allowSplit);
        return (lines, levels) -> {
            Allocation first = fallback.allocate(lines, levels);
            if (!first.isComplete()) {
                return first;
            }
            // candidate locations in priority order
            List<String> locations = new ArrayList<>();
            levels.values()
                    .forEach(ls -> ls.forEach(l -> {
                        if (!locations.contains(l.key().location())) {
                            locations.add(l.key().location());
                        }
                    }));
            locations.sort(Comparator.comparingInt((String loc) -> {
                        int i = priority.indexOf(loc);
                        return i < 0 ? Integer.MAX_VALUE : i;
                    })
                    .thenComparing(Comparator.naturalOrder()));
            for (String loc : locations) {
                List<AllocatedLine> single = new ArrayList<>();
                for (ReservationLine line : lines) {
                    if (line.location() != null && !line.location().equals(loc)) {
                        break;
                    }
                    StockLevel level = levels.getOrDefault(line.sku(), List.of()).stream()
                            .filter(l -> l.key().location().equals(loc))
                            .findFirst()
                            .orElse(null);
                    if (level == null || level.available() < line.quantity()) {
                        break;
                    }
                    single.add(new AllocatedLine(level.key(), line.quantity()));
                }
                if (single.size() == lines.size()) {
                    return new Allocation(single, List.of());
                }
            }
            return first;
        };
    }

    /**
     * The default strategy: single location preferred, alphabetical location order, splitting allowed.
     *
     * @return the strategy
     */
    static AllocationStrategy defaultStrategy() {
        return preferSingleLocation(List.of(StockKey.DEFAULT_LOCATION), true);
    }

    private static void allocateLine(
            ReservationLine line,
            List<StockLevel> candidates,
            boolean allowSplit,
            List<AllocatedLine> out,
            List<Shortfall> missing) {
        long totalAvailable =
                candidates.stream().mapToLong(l -> Math.max(0, l.available())).sum();
        if (!allowSplit) {
            for (StockLevel level : candidates) {
                if (level.available() >= line.quantity()) {
                    out.add(new AllocatedLine(level.key(), line.quantity()));
                    return;
                }
            }
            long best =
                    candidates.stream().mapToLong(StockLevel::available).max().orElse(0);
            missing.add(new Shortfall(line.sku(), line.location(), line.quantity(), Math.max(0, best)));
            return;
        }
        if (totalAvailable < line.quantity()) {
            missing.add(new Shortfall(line.sku(), line.location(), line.quantity(), totalAvailable));
            return;
        }
        long remaining = line.quantity();
        for (StockLevel level : candidates) {
            long take = Math.min(remaining, Math.max(0, level.available()));
            if (take > 0) {
                out.add(new AllocatedLine(level.key(), take));
                remaining -= take;
            }
            if (remaining == 0) {
                return;
            }
        }
    }
}
