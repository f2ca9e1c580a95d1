package dev.orderkit.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
        Recovery recovery) {

    /**
     * Copies collections. A missing {@code recovery} (an order stored before it existed) is
     * {@link Recovery#fresh(Instant) fresh} as of {@code updatedAt}.
     */
    @SuppressWarnings("NullAway") // tolerates null from old stored JSON, which has no recovery part
    public Order {
        lines = List.copyOf(lines);
        metadata = Map.copyOf(metadata);
        allocations = List.copyOf(allocations);
        if (recovery == null) {
            recovery = Recovery.fresh(updatedAt);
        }
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
                Recovery.fresh(at));
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
                Objects.requireNonNull(newRecovery, "recovery"));
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
                recovery);
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
                recovery);
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
                recovery);
    }
}
