package dev.orderkit.core.payment;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;

/**
 * SPI to a payment gateway. Every call carries an idempotency key chosen by orderkit (derived from
 * the order id and the step): an implementation must pass it to the gateway so that repeating a
 * call with the same key never creates a second effect.
 *
 * <p>Implementations must be thread-safe. Declines are returned as {@link PaymentResult.Declined},
 * never thrown. Transient trouble (timeouts, 5xx, 429) is thrown as
 * {@link PaymentUnavailableException} (core retries it with the same key); permanent misuse as
 * {@link PaymentRejectedException}.
 */
public interface PaymentPort {

    /**
     * Authorizes (holds) an amount.
     *
     * @param request what to authorize
     * @return approved (with the gateway's payment id), declined, or action required
     * @throws PaymentUnavailableException on transient failure; outcome unknown, retry with the same key
     * @throws PaymentRejectedException on permanent misuse
     */
    PaymentResult authorize(AuthorizeRequest request);

    /**
     * Captures an authorized payment (all of it, or a part).
     *
     * @param idempotencyKey key for this step
     * @param paymentId the gateway's payment id
     * @param amount the amount to capture
     * @return approved or declined
     * @throws PaymentUnavailableException on transient failure
     * @throws PaymentRejectedException on permanent misuse
     */
    PaymentResult capture(String idempotencyKey, String paymentId, Money amount);

    /**
     * Voids (cancels) an uncaptured authorization.
     *
     * @param idempotencyKey key for this step
     * @param paymentId the gateway's payment id
     * @return approved if the authorization is voided (or was already)
     * @throws PaymentUnavailableException on transient failure
     * @throws PaymentRejectedException on permanent misuse
     */
    PaymentResult voidAuthorization(String idempotencyKey, String paymentId);

    /**
     * Refunds a captured payment, fully or partially.
     *
     * @param idempotencyKey key for this step
     * @param paymentId the gateway's payment id
     * @param amount the amount to refund
     * @return approved or declined
     * @throws PaymentUnavailableException on transient failure
     * @throws PaymentRejectedException on permanent misuse
     */
    PaymentResult refund(String idempotencyKey, String paymentId, Money amount);
}
