package dev.orderkit.core;

import dev.orderkit.core.payment.PaymentResult;
import java.util.Optional;

/**
 * Idempotent order placement and the order lifecycle. Obtain one from {@link OrderKit#orders()}.
 * Thread-safe; correct across processes when the backends are shared.
 *
 * <p>{@link #place} is exactly-once per (scope, idempotency key): concurrent and repeated calls
 * with the same payload create one order, one reservation and at most one payment authorization,
 * and every call that returns gets an equal {@link PlaceOrderResult}. Business outcomes (out of
 * stock, declined) are results, replayed like successes. Infrastructure failures are thrown as
 * retryable exceptions after the configured retries; repeating the call with the same key resumes
 * from the last recovery point.
 */
public interface OrderService {

    /**
     * Places an order: create → reserve stock → authorize payment → confirm.
     *
     * @param request the request
     * @return the outcome (possibly replayed)
     * @throws IdempotencyKeyReuseException if the key was used with a different payload
     * @throws RequestInProgressException if another call with the key is running
     * @throws UnknownSkuException if a SKU has no stock level (nothing is written)
     * @throws BackendUnavailableException if storage failed; retry with the same key
     * @throws PaymentUnavailableException if the gateway failed; retry with the same key
     */
    PlaceOrderResult place(PlaceOrderRequest request);

    /**
     * Reads an order of a scope.
     *
     * @param scope the caller's scope
     * @param orderId the id
     * @return the order; empty if absent or owned by another scope
     */
    Optional<Order> get(Scope scope, String orderId);

    /**
     * Finds the order placed with an idempotency key, without the request payload: a client that
     * lost the response of {@link #place} (timeout, dropped connection, crash) can look up what
     * happened instead of guessing. The order may still be in flight (a placement that is running
     * or was interrupted; repeating {@code place} with the same key and payload resumes it).
     *
     * @param scope the caller's scope
     * @param key the idempotency key used to place it
     * @return the order; empty if no order was created with the key in this scope (nothing
     *         happened, or the request was rejected before anything was written)
     * @throws BackendUnavailableException if storage failed
     */
    Optional<Order> findByKey(Scope scope, IdempotencyKey key);

    /**
     * Cancels an order: releases its stock and voids (or, after capture, refunds) its payment.
     * Idempotent: cancelling a cancelled order returns it.
     *
     * @param scope the caller's scope
     * @param orderId the id
     * @param reason reason recorded on the order
     * @return the cancelled order
     * @throws NotFoundException if absent or in another scope
     * @throws IllegalStateTransitionException if the order was rejected or declined
     */
    Order cancel(Scope scope, String orderId, String reason);

    /**
     * Fulfils (ships) a confirmed order: its units leave on-hand and the payment is captured.
     * Idempotent.
     *
     * @param scope the caller's scope
     * @param orderId the id
     * @return the fulfilled order
     * @throws NotFoundException if absent or in another scope
     * @throws IllegalStateTransitionException if the order is not confirmed
     */
    Order fulfil(Scope scope, String orderId);

    /**
     * Applies an asynchronous payment outcome (a webhook) to an order waiting for customer action
     * (or, tolerating reordering, to an order that already moved on: such updates are ignored).
     * Approved → confirmed; declined → stock released, payment declined.
     *
     * @param orderId the order id (from the payment's metadata)
     * @param result the new payment outcome
     * @return the order after the update
     * @throws NotFoundException if absent
     */
    Order applyPaymentUpdate(String orderId, PaymentResult result);

    /**
     * Recovery sweep: drives orders stuck in a placement step (their caller crashed) forward or back
     * to a terminal state, cancels orders whose payment action timed out, expires due holds and
     * purges old idempotency records. Safe to run on many instances at once.
     *
     * @return what the sweep did
     */
    SweepReport recover();

    /**
     * Counts of what one recovery sweep did.
     *
     * @param ordersResumed stuck placements driven to a terminal state
     * @param ordersExpired orders awaiting payment action that were cancelled
     * @param reservationsExpired holds expired
     * @param keysPurged idempotency records purged
     */
    record SweepReport(int ordersResumed, int ordersExpired, int reservationsExpired, int keysPurged) {}
}
