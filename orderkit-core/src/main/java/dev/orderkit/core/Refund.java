package dev.orderkit.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One refund of an order's captured payment, as recorded on the {@link Order} ({@link Order#refunds()}).
 * Immutable.
 *
 * <p>A refund made through {@link OrderService#refund} has the origin {@link Origin#API}: its id is
 * derived from the caller's refund key ({@link #idFor(String)}), and the gateway is called with the
 * idempotency key {@code <order id>:refund:<refund id>} ({@link Order#paymentKey(String)} of
 * {@code refund:<id>}), so every retry, takeover or recovery of the refund reuses it. A refund made
 * at the gateway (e.g. from the Stripe Dashboard) and reported by a webhook has the origin
 * {@link Origin#GATEWAY}; its id is the gateway's refund id.
 *
 * @param id the refund id: {@code rf_} and 32 hex digits for {@link Origin#API}, the gateway's
 *     refund id for {@link Origin#GATEWAY}
 * @param key the caller's refund key ({@link Origin#API}) or the gateway's refund id
 * @param amount the amount refunded (or being refunded), in the order's currency
 * @param status where the refund stands
 * @param origin who asked for it
 * @param gatewayRefundId the id the gateway gave the refund (Stripe: {@code re_...}), once known
 * @param failureReason why it failed ({@code <code>: <message>}), else {@code null}
 * @param createdAt when it was recorded
 * @param updatedAt when its status last changed
 */
public record Refund(
        String id,
        String key,
        Money amount,
        Status status,
        Origin origin,
        @Nullable String gatewayRefundId,
        @Nullable String failureReason,
        Instant createdAt,
        Instant updatedAt) {

    /** Where a refund stands. */
    public enum Status {
        /**
         * Recorded, the gateway call not yet answered (the order is {@link OrderStatus#REFUNDING}),
         * or reported pending by the gateway. Counts against the refundable amount.
         */
        PENDING,
        /** The gateway refunded the amount. Counts against the refundable amount. */
        SUCCEEDED,
        /** The gateway declined or failed the refund. Final; does not count. */
        FAILED
    }

    /** Who asked for a refund. */
    public enum Origin {
        /** {@link OrderService#refund}: orderkit calls the gateway. */
        API,
        /** Made at the gateway and reported by a webhook: orderkit only records it. */
        GATEWAY
    }

    /** Validates presence. */
    public Refund {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * The refund id {@link OrderService#refund} derives from a refund key: {@code rf_} and the first
     * 32 hex digits of the key's SHA-256. Fixed length, so the gateway key built from it stays
     * within Stripe's 255 characters whatever the caller's key.
     *
     * @param key the refund key
     * @return the refund id
     */
    public static String idFor(String key) {
        Objects.requireNonNull(key, "key");
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return "rf_" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required by every JVM", e);
        }
    }

    /**
     * Whether the amount counts against what may still be refunded (pending or succeeded).
     *
     * @return true unless {@link Status#FAILED}
     */
    public boolean counts() {
        return status != Status.FAILED;
    }

    /**
     * A copy in another status.
     *
     * @param newStatus the status
     * @param newGatewayRefundId the gateway's refund id, or {@code null} to keep the current one
     * @param reason the failure reason, or {@code null}
     * @param at when it changed
     * @return the copy
     */
    public Refund settle(Status newStatus, @Nullable String newGatewayRefundId, @Nullable String reason, Instant at) {
        return new Refund(
                id,
                key,
                amount,
                newStatus,
                origin,
                newGatewayRefundId != null ? newGatewayRefundId : gatewayRefundId,
                reason,
                createdAt,
                at);
    }
}
