package dev.orderkit.core.payment;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentRejectedException;
import dev.orderkit.core.PaymentUnavailableException;
import java.time.Duration;
import java.util.Optional;

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

    /** The {@link #callTimeout()} of a port that does not override it: 30 seconds. */
    Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(30);

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

    /**
     * The longest one call of this port can take before it gives up and throws (for an HTTP client,
     * its connect timeout plus its read timeout). Core sizes the idempotency lease from it: a
     * worker makes a payment call only while its lease covers the whole retried call
     * ({@link dev.orderkit.core.RetrySettings#paymentCallBudget}), so no other worker can take the
     * order over while the call may still reach the gateway. {@link dev.orderkit.core.OrderKit.Builder#build()}
     * rejects a configured lease shorter than that budget and raises the default lease to it.
     *
     * <p>The default, 30 seconds, is a conservative guess for a port that does not say; override it
     * with the real timeouts of the port's client. A port whose calls can hang without bound should
     * bound them (a call that outlives the budget may outlive its lease).
     *
     * @return the longest duration of one call, not negative
     */
    default Duration callTimeout() {
        return DEFAULT_CALL_TIMEOUT;
    }

    /**
     * Makes sure that no authorization made (or still to be made) by the authorize call keyed
     * {@code authorization.idempotencyKey()} stays live: finds the payment that key created, if any,
     * and voids it. Core calls this on every path that ends an order without confirming it after
     * the gateway may have been called (a process killed between the approval and the status that
     * records it; a slow authorize that outlived its lease while recovery cancelled the order).
     *
     * <p>The default replays {@code authorization} with its idempotency key, which an idempotent
     * gateway answers with the stored result of the first call (or, if the first call never
     * arrived, by creating the authorization now, so that a late duplicate of the call gets the
     * voided payment), and voids the approved or action-requiring payment it names. Override it when
     * the gateway can look a payment up by key without creating one, or when its keys expire (see
     * the Stripe port's documentation for the window in which the replay is guaranteed).
     *
     * @param authorization the exact authorize request the order used (same key and parameters)
     * @param voidKey idempotency key for the void
     * @return the void's result; empty if the key authorized nothing (declined)
     * @throws PaymentUnavailableException on transient failure; retry with the same arguments
     * @throws PaymentRejectedException on permanent misuse
     */
    default Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
        PaymentResult original = authorize(authorization);
        if (original instanceof PaymentResult.Approved a) {
            return Optional.of(voidAuthorization(voidKey, a.paymentId()));
        }
        if (original instanceof PaymentResult.ActionRequired a) {
            return Optional.of(voidAuthorization(voidKey, a.paymentId()));
        }
        return Optional.empty();
    }
}
