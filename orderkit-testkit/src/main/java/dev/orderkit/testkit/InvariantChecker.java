package dev.orderkit.testkit;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.payment.SimulatedPaymentPort.Payment;
import dev.orderkit.core.payment.SimulatedPaymentPort.Status;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Checks the design's stock invariants on a quiescent backend:
 * <ul>
 *   <li>1: {@code 0 <= reserved <= onHand} for every level;</li>
 *   <li>5: replaying the movements of every level from zero gives its current on-hand and
 *       reserved (a {@code SNAPSHOT} movement left by movement compaction counts as the sum of the
 *       movements it replaced), and the sum of active reservation lines equals {@code reserved};</li>
 *   <li>orders: every confirmed order has a committed reservation, every rejected / declined /
 *       cancelled order holds nothing (a terminal reservation purged by retention counts as
 *       holding nothing).</li>
 * </ul>
 */
public final class InvariantChecker {
    private InvariantChecker() {}

    /**
     * Checks the stock invariants.
     *
     * @param storage the backend (no writes may run concurrently)
     * @return human-readable violations; empty when everything holds
     */
    public static List<String> checkStock(StockStorage storage) {
        List<String> violations = new ArrayList<>();
        Map<StockKey, Long> activeByKey = new HashMap<>();
        for (Reservation r : storage.reservations(EnumSet.of(ReservationState.HELD, ReservationState.COMMITTED))) {
            for (AllocatedLine l : r.lines()) {
                activeByKey.merge(l.key(), l.quantity(), Long::sum);
            }
        }
        for (StockLevel level : storage.allLevels()) {
            if (level.reserved() < 0 || level.reserved() > level.onHand()) {
                violations.add("oversell/negative at " + level.key() + ": onHand=" + level.onHand() + " reserved="
                        + level.reserved());
            }
            long onHand = 0;
            long reserved = 0;
            for (Movement m : storage.movements(level.key())) {
                onHand += m.onHandDelta();
                reserved += m.reservedDelta();
            }
            if (onHand != level.onHand() || reserved != level.reserved()) {
                violations.add("movements of " + level.key() + " replay to onHand=" + onHand + " reserved=" + reserved
                        + " but level is onHand=" + level.onHand() + " reserved=" + level.reserved());
            }
            long active = activeByKey.getOrDefault(level.key(), 0L);
            if (active != level.reserved()) {
                violations.add("active reservation lines of " + level.key() + " sum to " + active + " but reserved="
                        + level.reserved());
            }
        }
        return violations;
    }

    /**
     * Checks stock invariants plus the consistency of the given orders with their reservations.
     *
     * @param storage the stock backend
     * @param orders the order backend
     * @param orderIds ids of the orders to check
     * @return human-readable violations; empty when everything holds
     */
    public static List<String> checkOrders(StockStorage storage, OrderStore orders, Collection<String> orderIds) {
        List<String> violations = new ArrayList<>(checkStock(storage));
        for (String id : orderIds) {
            Order o = orders.find(id).orElse(null);
            if (o == null) {
                violations.add("order " + id + " missing");
                continue;
            }
            Reservation r = storage.reservation(id).orElse(null);
            OrderStatus s = o.status();
            ReservationState rs = r == null ? null : r.state();
            boolean ok = switch (s) {
                case CONFIRMED -> rs == ReservationState.COMMITTED;
                // a fulfilled order's reservation may have been purged by retention (OrderKit#purge)
                case FULFILLED, REFUNDED -> rs == ReservationState.FULFILLED || rs == null;
                case REJECTED -> rs == null || !rs.isActive();
                case PAYMENT_DECLINED, CANCELLED -> rs == null || !rs.isActive();
                case AWAITING_PAYMENT_ACTION -> rs == ReservationState.HELD || rs == ReservationState.EXPIRED;
                default -> false; // in-flight or in-progress statuses must not remain on a quiescent backend
            };
            if (!ok) {
                violations.add("order " + id + " is " + s + " but its reservation is " + rs);
            }
        }
        return violations;
    }

    /**
     * Checks that money follows the orders: no order that ended without being confirmed (rejected,
     * declined, cancelled) leaves a live authorization behind, no order has more than one payment
     * that was not voided, a confirmed order's payment is authorized and a fulfilled (or refunded)
     * order's is captured, with exactly the succeeded refunds the order records refunded at the
     * gateway (refunds reported by a gateway webhook are not made at the simulated gateway: do not
     * check orders that have them).
     *
     * @param orders the order backend
     * @param orderIds ids of the orders to check
     * @param gateway the simulated gateway every kit used
     * @return human-readable violations; empty when everything holds
     */
    public static List<String> checkPayments(
            OrderStore orders, Collection<String> orderIds, SimulatedPaymentPort gateway) {
        List<String> violations = new ArrayList<>();
        Map<String, List<Payment>> byOrder = new HashMap<>();
        for (var p : gateway.payments().values()) {
            byOrder.computeIfAbsent(p.orderId(), k -> new ArrayList<>()).add(p);
        }
        for (String id : orderIds) {
            Order o = orders.find(id).orElse(null);
            if (o == null) {
                violations.add("order " + id + " missing");
                continue;
            }
            List<Payment> ps = byOrder.getOrDefault(id, List.of());
            if (ps.size() > 1) {
                violations.add("order " + id + " has " + ps.size() + " payments: " + ps);
            }
            for (var p : ps) {
                var st = p.status();
                boolean live = st == Status.AUTHORIZED || st == Status.REQUIRES_ACTION;
                boolean ok = switch (o.status()) {
                    case REJECTED, PAYMENT_DECLINED, CANCELLED ->
                        !live
                                && (st != Status.CAPTURED
                                        || p.refundedMinor() == p.amount().minor());
                    case CONFIRMED -> st == Status.AUTHORIZED && p.id().equals(o.paymentId());
                    // refunds never exceed the capture, and the gateway refunded what the order records
                    case FULFILLED, REFUNDED ->
                        st == Status.CAPTURED
                                && p.refundedMinor() == o.refunded().minor()
                                && o.refunded().minor() <= o.total().minor();
                    case AWAITING_PAYMENT_ACTION -> true;
                    default -> false;
                };
                if (!ok) {
                    violations.add("order " + id + " is " + o.status() + " but its payment " + p.id() + " is " + st);
                }
            }
            if ((o.status() == OrderStatus.CONFIRMED
                            || o.status() == OrderStatus.FULFILLED
                            || o.status() == OrderStatus.REFUNDED)
                    && ps.isEmpty()) {
                violations.add("order " + id + " is " + o.status() + " without a payment");
            }
        }
        return violations;
    }
}
