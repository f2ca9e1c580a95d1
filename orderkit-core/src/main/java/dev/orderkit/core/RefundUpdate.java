package dev.orderkit.core;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A refund as the gateway reports it (a webhook), for {@link OrderService#applyRefundUpdate}.
 *
 * @param gatewayRefundId the gateway's refund id (Stripe: {@code re_...})
 * @param idempotencyKey the idempotency key the refund was created with, if the gateway reports it
 *     (orderkit's Stripe port records it in the refund's metadata): matches a refund made by
 *     {@link OrderService#refund}; {@code null} for a refund made at the gateway
 * @param amount the refunded amount
 * @param status the gateway's status mapped to orderkit's
 * @param failureReason why it failed, or {@code null}
 */
public record RefundUpdate(
        String gatewayRefundId,
        @Nullable String idempotencyKey,
        Money amount,
        Refund.Status status,
        @Nullable String failureReason) {

    /** Validates presence. */
    public RefundUpdate {
        Objects.requireNonNull(gatewayRefundId, "gatewayRefundId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(status, "status");
    }
}
