package dev.orderkit.core;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The built-in strategies ({@link AllocationStrategy#locationPriority} and
 * {@link AllocationStrategy#preferSingleLocation}) in one pass over the levels, without streams and,
 * for a SKU at one location, without copying or sorting its levels. Immutable, thread-safe.
 */
final class PriorityAllocation implements AllocationStrategy {
    private final List<String> priority;
    private final boolean allowSplit;
    private final boolean preferSingle;
    /** Priority order of levels: listed locations first (in list order), then alphabetical. */
    private final Comparator<StockLevel> byPriority;

    PriorityAllocation(List<String> priority, boolean allowSplit, boolean preferSingle) {
        this.priority = List.copyOf(priority);
        this.allowSplit = allowSplit;
        this.preferSingle = preferSingle;
        this.byPriority = (a, b) -> compareLocations(a.key().location(), b.key().location());
    }

    private int rank(String location) {
        int i = priority.indexOf(location);
        return i < 0 ? Integer.MAX_VALUE : i;
    }

    private int compareLocations(String a, String b) {
        int c = Integer.compare(rank(a), rank(b));
        return c != 0 ? c : a.compareTo(b);
    }

    @Override
    public boolean servesSoleLocationWhole() {
        return true;
    }

    @Override
    public Allocation allocate(List<ReservationLine> lines, Map<String, List<StockLevel>> levels) {
        Allocation first = byLine(lines, levels);
        if (!preferSingle || !first.isComplete() || atOneLocation(first.lines(), lines.size())) {
            // a line-by-line allocation already at one location is the preferred single location:
            // every location before it in priority order lacked the first line's stock
            return first;
        }
        return singleLocation(lines, levels, first);
    }

    /**
     * Real stock first ({@link #allocate(List, Map)}, single location preferred as configured);
     * only if that falls short, each line again from its locations in priority order taking every
     * location's real stock before any backorder / preorder allowance.
     */
    @Override
    public Allocation allocate(List<ReservationLine> lines, Map<String, List<StockLevel>> levels, Instant now) {
        Allocation real = allocate(lines, levels);
        if (real.isComplete() || !AllocationStrategy.anyAllowance(levels, now)) {
            return real;
        }
        return byLine(lines, levels, now);
    }

    /** Each line from its locations in priority order ({@link AllocationStrategy#locationPriority}). */
    private Allocation byLine(List<ReservationLine> lines, Map<String, List<StockLevel>> levels) {
        return byLine(lines, levels, null);
    }

    /** Units of a level beyond its real stock that its policy allows at {@code at} (0 when null). */
    private static long extra(StockLevel level, @Nullable Instant at) {
        return at == null ? 0 : Math.max(0, level.reservable(at) - Math.max(0, level.available()));
    }

    /** {@link #byLine(List, Map)}, with the policies' allowance at {@code at} after real stock (null: none). */
    private Allocation byLine(List<ReservationLine> lines, Map<String, List<StockLevel>> levels, @Nullable Instant at) {
        int n = lines.size();
        List<AllocatedLine> out = new ArrayList<>(n);
        @Nullable List<Shortfall> missing = null;
        for (int i = 0; i < n; i++) {
            ReservationLine line = lines.get(i);
            List<StockLevel> candidates = candidates(line, levels.getOrDefault(line.sku(), List.of()));
            Shortfall s = allowSplit ? split(line, candidates, out, at) : whole(line, candidates, out, at);
            if (s != null) {
                if (missing == null) {
                    missing = new ArrayList<>(2);
                }
                missing.add(s);
            }
        }
        return missing == null ? new Allocation(out, List.of()) : new Allocation(List.of(), missing);
    }

    /** The line's levels (at its location if it names one) in priority order. */
    private List<StockLevel> candidates(ReservationLine line, List<StockLevel> all) {
        String location = line.location();
        if (all.size() <= 1) {
            return location == null
                            || all.isEmpty()
                            || all.get(0).key().location().equals(location)
                    ? all
                    : List.of();
        }
        List<StockLevel> out = new ArrayList<>(all.size());
        for (int i = 0; i < all.size(); i++) {
            StockLevel l = all.get(i);
            if (location == null || l.key().location().equals(location)) {
                out.add(l);
            }
        }
        out.sort(byPriority);
        return out;
    }

    /** The whole line from the first location that has it, else its shortfall (best single location). */
    private static @Nullable Shortfall whole(
            ReservationLine line, List<StockLevel> candidates, List<AllocatedLine> out, @Nullable Instant at) {
        long best = 0;
        for (int i = 0; i < candidates.size(); i++) {
            StockLevel level = candidates.get(i);
            long available = level.available();
            if (available >= line.quantity()) {
                out.add(new AllocatedLine(level.key(), line.quantity()));
                return null;
            }
            best = Math.max(best, available);
        }
        if (at != null) { // no location has it in real stock: the first whose allowance covers it
            for (int i = 0; i < candidates.size(); i++) {
                StockLevel level = candidates.get(i);
                long reservable = Math.max(0, level.available()) + extra(level, at);
                if (reservable >= line.quantity()) {
                    out.add(new AllocatedLine(level.key(), line.quantity()));
                    return null;
                }
                best = Math.max(best, reservable);
            }
        }
        return new Shortfall(line.sku(), line.location(), line.quantity(), best);
    }

    /** The line split across locations in order, else its shortfall (all locations together). */
    private static @Nullable Shortfall split(
            ReservationLine line, List<StockLevel> candidates, List<AllocatedLine> out, @Nullable Instant at) {
        long total = 0;
        for (int i = 0; i < candidates.size(); i++) {
            total += Math.max(0, candidates.get(i).available()) + extra(candidates.get(i), at);
        }
        if (total < line.quantity()) {
            return new Shortfall(line.sku(), line.location(), line.quantity(), total);
        }
        long remaining = line.quantity();
        long[] take = new long[candidates.size()];
        for (int i = 0; remaining > 0 && i < candidates.size(); i++) { // real stock everywhere first
            take[i] = Math.min(remaining, Math.max(0, candidates.get(i).available()));
            remaining -= take[i];
        }
        for (int i = 0; remaining > 0 && i < candidates.size(); i++) { // then the allowance, in order
            long more = Math.min(remaining, extra(candidates.get(i), at));
            take[i] += more;
            remaining -= more;
        }
        for (int i = 0; i < candidates.size(); i++) {
            if (take[i] > 0) {
                out.add(new AllocatedLine(candidates.get(i).key(), take[i]));
            }
        }
        return null;
    }

    /** One allocated line per requested line, all at the same location. */
    private static boolean atOneLocation(List<AllocatedLine> allocated, int requested) {
        if (allocated.size() != requested) {
            return false;
        }
        String location = allocated.get(0).key().location();
        for (int i = 1; i < allocated.size(); i++) {
            if (!allocated.get(i).key().location().equals(location)) {
                return false;
            }
        }
        return true;
    }

    /** The first location in priority order that ships every line whole, else {@code fallback}. */
    private Allocation singleLocation(
            List<ReservationLine> lines, Map<String, List<StockLevel>> levels, Allocation fallback) {
        List<String> locations = new ArrayList<>();
        for (List<StockLevel> ls : levels.values()) {
            for (int i = 0; i < ls.size(); i++) {
                String location = ls.get(i).key().location();
                if (!locations.contains(location)) {
                    locations.add(location);
                }
            }
        }
        locations.sort(this::compareLocations);
        for (String loc : locations) {
            List<AllocatedLine> single = new ArrayList<>(lines.size());
            for (ReservationLine line : lines) {
                if (line.location() != null && !line.location().equals(loc)) {
                    break;
                }
                StockLevel level = at(levels.getOrDefault(line.sku(), List.of()), loc);
                if (level == null || level.available() < line.quantity()) {
                    break;
                }
                single.add(new AllocatedLine(level.key(), line.quantity()));
            }
            if (single.size() == lines.size()) {
                return new Allocation(single, List.of());
            }
        }
        return fallback;
    }

    private static @Nullable StockLevel at(List<StockLevel> ls, String location) {
        for (int i = 0; i < ls.size(); i++) {
            if (ls.get(i).key().location().equals(location)) {
                return ls.get(i);
            }
        }
        return null;
    }
}
