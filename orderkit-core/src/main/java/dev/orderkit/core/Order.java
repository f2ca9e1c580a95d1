package dev.orderkit.core;

import java.time.Instant;
import java.util.List;
import java.util.Map;
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
        Instant updatedAt) {

    /** Copies collections. */
    public Order {
        lines = List.copyOf(lines);
        metadata = Map.copyOf(metadata);
        allocations = List.copyOf(allocations);
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
     * Returns the next version of this order in a new status.
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
                at);
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
                updatedAt);
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
                updatedAt);
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
                updatedAt);
    }
}
