package dev.orderkit.jmh.internal;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Result checks that make a silently failing benchmark fail loudly, and the invariant checks every
 * benchmark's tear-down runs: after a trial (in-memory: after every iteration, before its store is
 * dropped) the store must hold exactly what the operations that returned reserved — no level
 * above its on-hand (oversell), no unit reserved twice or lost, no order twice for one key, no
 * order left half-placed. Up to {@link #fullCheckLimit()} operations the testkit's
 * {@link InvariantChecker} also replays every level's movements and matches the active
 * reservation lines (and, for {@code place}, every order against its reservation); above it those
 * reads would dominate the run, and the counting checks alone apply. Every check throws
 * {@link IllegalStateException} on a violation, which fails the JMH run. Stateless, thread-safe.
 */
public final class Checks {
    /** System property: the largest operation count the full {@link InvariantChecker} runs for. */
    public static final String FULL_CHECK_PROPERTY = "orderkit.jmh.fullCheck";

    private Checks() {}

    /**
     * Requires a freshly placed order.
     *
     * @param r the result
     * @return {@code r}
     * @throws IllegalStateException if the outcome is not {@link PlacementOutcome#PLACED} or was replayed
     */
    public static PlaceOrderResult placed(PlaceOrderResult r) {
        if (r.outcome() != PlacementOutcome.PLACED || r.replayed()) {
            throw new IllegalStateException("order not placed: " + r.outcome() + " " + r.shortfalls()
                    + (r.replayed() ? " (replayed for a fresh key)" : ""));
        }
        return r;
    }

    /**
     * Requires a held reservation.
     *
     * @param r the reservation
     * @return {@code r}
     * @throws IllegalStateException if it is not {@link ReservationState#HELD}
     */
    public static Reservation held(Reservation r) {
        if (r.state() != ReservationState.HELD) {
            throw new IllegalStateException("reservation " + r.id() + " is " + r.state() + ", not HELD");
        }
        return r;
    }

    /**
     * Operations up to which the full {@link InvariantChecker} runs ({@value #FULL_CHECK_PROPERTY},
     * default 10000).
     *
     * @return the limit
     */
    public static long fullCheckLimit() {
        return Long.getLong(FULL_CHECK_PROPERTY, 10_000L);
    }

    /**
     * Checks orderkit's stock after {@code reserve} (or {@code place}) operations that each held one
     * unit of {@code workload.lines()} SKUs: every catalog SKU still has its on-hand, no level is
     * reserved above it, and the reserved units add up to the successful operations.
     *
     * @param what benchmark name, for the message
     * @param storage the stock storage (quiescent)
     * @param workload the workload
     * @param tally the operation counts
     * @throws IllegalStateException on a violation
     */
    public static void stock(String what, StockStorage storage, Workload workload, Tally tally) {
        List<String> v = levels(storage, workload, tally);
        if (v.isEmpty() && tally.done() <= fullCheckLimit()) {
            v.addAll(InvariantChecker.checkStock(storage));
        }
        require(what, tally, v);
    }

    /**
     * Checks orderkit's orders and stock after {@code place} operations with a fresh idempotency key
     * each: exactly one order per successful call, every one CONFIRMED, no idempotency key twice,
     * nothing half-placed; plus {@link #stock}.
     *
     * @param what benchmark name, for the message
     * @param storage the stock storage (quiescent)
     * @param orders the order store (quiescent)
     * @param workload the workload
     * @param tally the operation counts
     * @throws IllegalStateException on a violation
     */
    public static void orders(String what, StockStorage storage, OrderStore orders, Workload workload, Tally tally) {
        List<String> v = levels(storage, workload, tally);
        List<Order> all = orders.findStale(
                EnumSet.allOf(OrderStatus.class), Instant.now().plus(Duration.ofDays(1)), Integer.MAX_VALUE);
        within(v, "orders", all.size(), tally, 1);
        Set<String> keys = new HashSet<>();
        List<String> ids = new ArrayList<>(all.size());
        int notConfirmed = 0;
        for (Order o : all) {
            ids.add(o.id());
            if (!keys.add(o.scope() + "\u0000" + o.idempotencyKey())) {
                v.add("duplicate order for idempotency key " + o.scope() + "/" + o.idempotencyKey());
            }
            if (o.status() != OrderStatus.CONFIRMED && notConfirmed++ < 5) {
                v.add("order " + o.id() + " is " + o.status() + ", not CONFIRMED");
            }
        }
        if (v.isEmpty() && all.size() <= fullCheckLimit()) {
            v.addAll(InvariantChecker.checkOrders(storage, orders, ids));
        }
        require(what, tally, v);
    }

    /**
     * Checks a raw baseline: the units its levels hold reserved add up to the successful operations,
     * no level is above its on-hand, and (when it keeps them) one reservation record per success.
     *
     * @param what benchmark name, for the message
     * @param tally the operation counts
     * @param lines units reserved per operation
     * @param reservedUnits sum of the reserved units over all levels
     * @param overReserved number of levels whose reserved exceeds their on-hand (or whose available went negative)
     * @param records reservation records, or -1 if the baseline keeps none
     * @throws IllegalStateException on a violation
     */
    public static void raw(String what, Tally tally, int lines, long reservedUnits, long overReserved, long records) {
        List<String> v = new ArrayList<>();
        if (overReserved != 0) {
            v.add(overReserved + " level(s) reserved above their on-hand (oversell)");
        }
        within(v, "reserved units", reservedUnits, tally, lines);
        if (records >= 0) {
            within(v, "reservation records", records, tally, 1);
        }
        require(what, tally, v);
    }

    private static List<String> levels(StockStorage storage, Workload workload, Tally tally) {
        List<String> v = new ArrayList<>();
        List<StockLevel> levels = storage.allLevels();
        long reserved = 0;
        for (StockLevel l : levels) {
            reserved += l.reserved();
            if (l.reserved() < 0 || l.reserved() > l.onHand()) {
                v.add("oversell/negative at " + l.key() + ": onHand=" + l.onHand() + " reserved=" + l.reserved());
            }
            if (l.onHand() != Workload.ON_HAND) {
                v.add("on-hand of " + l.key() + " changed to " + l.onHand());
            }
        }
        if (levels.size() != workload.catalog().length) {
            v.add(levels.size() + " stock levels, expected " + workload.catalog().length);
        }
        within(v, "reserved units", reserved, tally, workload.lines());
        return v;
    }

    /** Adds a violation unless {@code done*per <= actual <= started*per} (equality when nothing failed). */
    private static void within(List<String> v, String what, long actual, Tally tally, long per) {
        long lo = tally.done() * per;
        long hi = tally.started() * per;
        if (actual < lo || actual > hi) {
            v.add(what + " = " + actual + ", expected " + (lo == hi ? Long.toString(lo) : lo + ".." + hi) + " for "
                    + tally.done() + " successful operations" + (per == 1 ? "" : " x " + per)
                    + (actual > hi ? " (applied twice / oversold)" : " (lost)"));
        }
    }

    private static void require(String what, Tally tally, List<String> v) {
        if (!v.isEmpty()) {
            throw new IllegalStateException("invariant check failed after " + what + " (" + tally.done() + " of "
                    + tally.started() + " operations succeeded): "
                    + String.join("; ", v.subList(0, Math.min(10, v.size())))
                    + (v.size() > 10 ? "; ... " + (v.size() - 10) + " more" : ""));
        }
    }
}
