package dev.orderkit.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An immutable snapshot of an order.
 *
 * @param id order id; also the reservation id, and the root of the payment idempotency keys
 * @param scope owning scope
 * @param idempotencyKey the key it was placed with
 * @param fingerprint SHA-256 fingerprint of the placing request (lets the sweeper resume it)
 * @param status current status
 * @param customerRef caller's customer reference
 * @param lines ordered lines
 * @param total order total
 * @param paymentMethod payment method token
 * @param metadata request metadata
 * @param allocations stock allocation (empty until reserved)
 * @param paymentId the gateway's payment id once authorized, else {@code null}
 * @param failureReason why the order was rejected, declined or cancelled, else {@code null}
 * @param version incremented by every update (compare-and-set)
 * @param createdAt creation time
 * @param updatedAt time of the last update
 * @param recovery the recovery sweep's bookkeeping: when the sweep may next work the order, how
 *     often it failed since the order last changed status, the last error, and (for a
 *     {@link OrderStatus#NEEDS_ATTENTION} order) the status it was parked from
 * @param refunds the refunds of the captured payment, oldest first (made through
 *     {@code OrderService.refund} or reported by the gateway); empty for an order stored before
 *     refunds existed
 * @param disputes the payment disputes the gateway reported, oldest first
 */
public record Order(
        String id,
        String scope,
        String idempotencyKey,
        String fingerprint,
        OrderStatus status,
        String customerRef,
        List<OrderLine> lines,
        Money total,
        String paymentMethod,
        Map<String, String> metadata,
        List<AllocatedLine> allocations,
        @Nullable String paymentId,
        @Nullable String failureReason,
        long version,
        Instant createdAt,
        Instant updatedAt,
        Recovery recovery,
        List<Refund> refunds,
        List<Dispute> disputes) {

    /**
     * Copies collections. A missing {@code recovery} (an order stored before it existed) is
     * {@link Recovery#fresh(Instant) fresh} as of {@code updatedAt}; missing refunds and disputes
     * (also from old stored JSON) are empty.
     */
    @SuppressWarnings("NullAway") // tolerates null from old stored JSON, which has no recovery part
    public Order {
        lines = List.copyOf(lines);
        metadata = Map.copyOf(metadata);
        allocations = List.copyOf(allocations);
        if (recovery == null) {
            recovery = Recovery.fresh(updatedAt);
        }
        refunds = refunds == null ? List.of() : List.copyOf(refunds);
        disputes = disputes == null ? List.of() : List.copyOf(disputes);
    }

    /**
     * Creates an order without refunds or disputes.
     *
     * @param id order id
     * @param scope owning scope
     * @param idempotencyKey the key it was placed with
     * @param fingerprint fingerprint of the placing request
     * @param status current status
     * @param customerRef caller's customer reference
     * @param lines ordered lines
     * @param total order total
     * @param paymentMethod payment method token
     * @param metadata request metadata
     * @param allocations stock allocation
     * @param paymentId the gateway's payment id, or {@code null}
     * @param failureReason failure reason, or {@code null}
     * @param version version
     * @param createdAt creation time
     * @param updatedAt time of the last update
     * @param recovery the recovery sweep's bookkeeping
     */
    public Order(
            String id,
            String scope,
            String idempotencyKey,
            String fingerprint,
            OrderStatus status,
            String customerRef,
            List<OrderLine> lines,
            Money total,
            String paymentMethod,
            Map<String, String> metadata,
            List<AllocatedLine> allocations,
            @Nullable String paymentId,
            @Nullable String failureReason,
            long version,
            Instant createdAt,
            Instant updatedAt,
            Recovery recovery) {
        this(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                recovery,
                List.of(),
                List.of());
    }

    /**
     * Creates an order whose recovery bookkeeping is {@link Recovery#fresh(Instant) fresh} as of
     * {@code updatedAt} (due at once if it is in a status the recovery sweep works).
     *
     * @param id order id
     * @param scope owning scope
     * @param idempotencyKey the key it was placed with
     * @param fingerprint fingerprint of the placing request
     * @param status current status
     * @param customerRef caller's customer reference
     * @param lines ordered lines
     * @param total order total
     * @param paymentMethod payment method token
     * @param metadata request metadata
     * @param allocations stock allocation
     * @param paymentId the gateway's payment id, or {@code null}
     * @param failureReason failure reason, or {@code null}
     * @param version version
     * @param createdAt creation time
     * @param updatedAt time of the last update
     */
    public Order(
            String id,
            String scope,
            String idempotencyKey,
            String fingerprint,
            OrderStatus status,
            String customerRef,
            List<OrderLine> lines,
            Money total,
            String paymentMethod,
            Map<String, String> metadata,
            List<AllocatedLine> allocations,
            @Nullable String paymentId,
            @Nullable String failureReason,
            long version,
            Instant createdAt,
            Instant updatedAt) {
        this(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                Recovery.fresh(updatedAt));
    }

    /**
     * The recovery sweep's bookkeeping of an order ({@code OrderService.recover()}). Core writes it
     * with the order's compare-and-set; a backend stores it losslessly and indexes
     * {@code nextAttemptAt} per status ({@code OrderStore.findDue}).
     *
     * @param attempts failed recovery attempts since the order last changed status (0 after any
     *     status change)
     * @param nextAttemptAt when the sweep may work the order next: its status's grace period after
     *     a status change, the claim's expiry while an instance works it, the backoff after a failure
     * @param lastError the last recovery failure ({@code <exception class>: <message>}), or
     *     {@code null}
     * @param parkedFrom the status a {@link OrderStatus#NEEDS_ATTENTION} order was parked from (a
     *     retry moves it back there), else {@code null}
     */
    public record Recovery(
            int attempts,
            Instant nextAttemptAt,
            @Nullable String lastError,
            @Nullable OrderStatus parkedFrom) {

        /**
         * Rejects a negative attempt count and a missing time.
         *
         * @throws IllegalArgumentException if {@code attempts < 0}
         */
        public Recovery {
            Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
            if (attempts < 0) {
                throw new IllegalArgumentException("attempts must be >= 0: " + attempts);
            }
        }

        /**
         * No failure recorded, due at {@code at}.
         *
         * @param at the next-attempt time
         * @return the bookkeeping
         */
        public static Recovery fresh(Instant at) {
            return new Recovery(0, at, null, null);
        }
    }

    /**
     * The idempotency key used with the payment gateway for a step of this order. Derived from the
     * order id, so every retry of the step reuses it.
     *
     * @param step e.g. {@code authorize}, {@code capture}, {@code void}, {@code refund}
     * @return {@code <order id>:<step>}
     */
    public String paymentKey(String step) {
        return id + ":" + step;
    }

    /**
     * Returns the next version of this order in a new status, its recovery bookkeeping
     * {@link Recovery#fresh(Instant) fresh} as of {@code at}.
     *
     * @param newStatus the status
     * @param at update time
     * @return the copy with {@code version + 1}
     */
    public Order transition(OrderStatus newStatus, Instant at) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                newStatus,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version + 1,
                createdAt,
                at,
                Recovery.fresh(at),
                refunds,
                disputes);
    }

    /**
     * Returns a copy with other recovery bookkeeping.
     *
     * @param newRecovery the bookkeeping
     * @return the copy (same version)
     */
    public Order withRecovery(Recovery newRecovery) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                Objects.requireNonNull(newRecovery, "recovery"),
                refunds,
                disputes);
    }

    /**
     * Returns a copy with the given allocations.
     *
     * @param newAllocations allocated lines
     * @return the copy (same version)
     */
    public Order withAllocations(List<AllocatedLine> newAllocations) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                newAllocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                recovery,
                refunds,
                disputes);
    }

    /**
     * Returns a copy with the given payment id.
     *
     * @param newPaymentId gateway payment id
     * @return the copy (same version)
     */
    public Order withPaymentId(String newPaymentId) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                newPaymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                recovery,
                refunds,
                disputes);
    }

    /**
     * Returns a copy with the given failure reason.
     *
     * @param reason the reason
     * @return the copy (same version)
     */
    public Order withFailureReason(String reason) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                reason,
                version,
                createdAt,
                updatedAt,
                recovery,
                refunds,
                disputes);
    }

    /**
     * Returns a copy with the given refunds.
     *
     * @param newRefunds the refunds
     * @return the copy (same version)
     */
    public Order withRefunds(List<Refund> newRefunds) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                recovery,
                newRefunds,
                disputes);
    }

    /**
     * Returns a copy with the given disputes.
     *
     * @param newDisputes the disputes
     * @return the copy (same version)
     */
    public Order withDisputes(List<Dispute> newDisputes) {
        return new Order(
                id,
                scope,
                idempotencyKey,
                fingerprint,
                status,
                customerRef,
                lines,
                total,
                paymentMethod,
                metadata,
                allocations,
                paymentId,
                failureReason,
                version,
                createdAt,
                updatedAt,
                recovery,
                refunds,
                newDisputes);
    }

    /**
     * The refund with an id ({@link Refund#id()}; for a key given to {@code OrderService.refund},
     * {@link Refund#idFor(String)}).
     *
     * @param refundId the refund id
     * @return the refund, if recorded
     */
    public Optional<Refund> refund(String refundId) {
        for (Refund r : refunds) {
            if (r.id().equals(refundId)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }

    /**
     * The sum of the {@link Refund.Status#SUCCEEDED succeeded} refunds.
     *
     * @return the amount refunded, in the order's currency
     */
    public Money refunded() {
        long sum = 0;
        for (Refund r : refunds) {
            if (r.status() == Refund.Status.SUCCEEDED) {
                sum += r.amount().minor();
            }
        }
        return Money.of(sum, total.currency());
    }

    /**
     * What may still be refunded: the total (the amount captured on fulfilment) minus every refund
     * that is pending or succeeded, never negative.
     *
     * @return the refundable amount, in the order's currency
     */
    public Money refundable() {
        long committed = 0;
        for (Refund r : refunds) {
            if (r.counts()) {
                committed += r.amount().minor();
            }
        }
        return Money.of(Math.max(0, total.minor() - committed), total.currency());
    }
}
