package dev.orderkit.core.payment;

import dev.orderkit.core.Money;
import java.util.Map;
import java.util.Objects;

/**
 * A request to authorize a payment.
 *
 * @param idempotencyKey key for this step, derived from the order id
 * @param orderId the order being paid
 * @param amount amount and currency
 * @param paymentMethod payment method token
 * @param metadata metadata to attach at the gateway (includes the order id)
 */
public record AuthorizeRequest(
        String idempotencyKey, String orderId, Money amount, String paymentMethod, Map<String, String> metadata) {
    /** Validates presence and copies the metadata. */
    public AuthorizeRequest {
        Objects.requireNonNull(idempotencyKey, "idempotencyKey");
        Objects.requireNonNull(orderId, "orderId");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(paymentMethod, "paymentMethod");
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }
}
