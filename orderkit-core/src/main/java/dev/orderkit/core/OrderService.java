package dev.orderkit.core;

import dev.orderkit.core.payment.PaymentResult;
import java.time.Instant;
import java.util.List;
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
     * Accepts an order for asynchronous placement and returns at once: validates the request,
     * claims the key, creates the order and holds its stock ({@link OrderStatus#STOCK_RESERVED}) —
     * in one commit where the key, the orders and the stock share a database — and leaves the
     * payment (authorize → confirm, or decline → release) to the kit's payment workers
     * ({@link AsyncPlacement}), on this or any other instance, after any crash. The order reaches a
     * terminal state (or {@link OrderStatus#AWAITING_PAYMENT_ACTION}) without any further call;
     * clients learn the outcome through {@link #get}, the order's events or webhooks.
     *
     * <p><b>Replays.</b> The same key and payload answer {@link SubmitResult.Accepted} (replayed)
     * while the payment is pending, and {@link SubmitResult.Finished} with the placement's final
     * outcome once it has one (what {@link #place} would replay). {@code place} with a submitted key
     * finishes the placement in the caller's thread. Key reuse with another payload and bad input
     * behave exactly as in {@code place}.
     *
     * <p><b>Backpressure.</b> When the accepted-but-unpaid backlog has reached
     * {@link AsyncPlacement#maxBacklog()}, a new key gets {@link SubmitResult.Busy} and nothing is
     * written. An order rejected for lack of stock is {@link SubmitResult.Finished} at once.
     *
     * @param request the request
     * @return accepted, finished or busy
     * @throws IdempotencyKeyReuseException if the key was used with a different payload
     * @throws RequestInProgressException if a call with the key is still creating its order
     * @throws UnknownSkuException if a SKU has no stock level (nothing is written)
     * @throws BackendUnavailableException if storage failed; retry with the same key
     */
    SubmitResult submit(PlaceOrderRequest request);

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
     * Keeps an order's stock held while the customer completes a payment action (3-D Secure, a bank
     * redirect): moves the expiry of the order's hold to {@code until} and tells recovery not to
     * cancel the order before then. Allowed only for an order in
     * {@link OrderStatus#AWAITING_PAYMENT_ACTION} (earlier statuses belong to a placement still
     * running; a paid order's hold no longer expires). Extension only: an {@code until} at or
     * before the hold's current expiry changes nothing. Idempotent: repeating the call (after a
     * timeout) answers the same reservation.
     *
     * <p>The extension and the order's record of it (its recovery deadline, the
     * {@link dev.orderkit.core.event.EventType#HOLD_EXTENDED} event, a new order version) are one
     * transaction where the stock and the orders share a database; elsewhere the hold moves first
     * and the order is written after it by version compare-and-set (a lost race with another writer
     * re-reads the order and tries again while it still awaits the payment action). A hold that is
     * already due is never revived.
     *
     * @param scope the caller's scope
     * @param orderId the id
     * @param until the new expiry: after now, at most the order's creation time plus the kit's
     *     {@code maxHold} ({@link OrderKit.Builder#maxHold})
     * @return the order's hold, HELD, expiring at {@code until} (or later if it already did)
     * @throws NotFoundException if absent or in another scope
     * @throws InvalidRequestException if {@code until} is not after now, or past the order's
     *     creation plus {@code maxHold} (field {@code until}); nothing is written
     * @throws IllegalStateTransitionException if the order is not awaiting a payment action
     * @throws ReservationExpiredException if the hold is already due or expired; nothing is written
     *     (recovery then cancels the order)
     * @throws BackendUnavailableException if storage failed (repeat the call)
     */
    Reservation extendHold(Scope scope, String orderId, Instant until);

    /**
     * Fulfils (ships) a confirmed order: its units leave on-hand and the payment is captured.
     * Idempotent.
     *
     * @param scope the caller's scope
     * @param orderId the id
     * @return the fulfilled order
     * @throws NotFoundException if absent or in another scope
     * @throws IllegalStateTransitionException if the order is not confirmed
     * @throws InsufficientStockException if the order's hold was taken beyond on-hand (a backorder
     *     or preorder) and restocks do not cover it yet; the order stays CONFIRMED and nothing is
     *     captured (checked before the capture and again, atomically, when the stock leaves)
     */
    Order fulfil(Scope scope, String orderId);

    /**
     * Refunds part or all of a fulfilled order's captured payment. Orderkit captures the payment
     * when the order is fulfilled ({@link #fulfil}), so only a {@link OrderStatus#FULFILLED} order
     * (or one whose refund is in progress, {@link OrderStatus#REFUNDING}) can be refunded; give a
     * confirmed order's money back with {@link #cancel} instead.
     *
     * <p><b>Idempotent on the refund key</b> (per order): the key names the refund
     * ({@link Refund#idFor(String)}). A repeat with the same key and amount returns the order with
     * that refund and calls the gateway no second time; a repeat of a refund whose earlier call was
     * interrupted (a lost reply, a crash between the gateway call and the order write) finishes it
     * with the same gateway idempotency key ({@code <order id>:refund:<refund id>}), so the gateway
     * refunds once. The same key with another amount is refused with
     * {@link IdempotencyKeyReuseException} and changes nothing.
     *
     * <p><b>Never above the capture</b>: the refund is first recorded as {@link Refund.Status#PENDING}
     * by a compare-and-set of the order's version (status {@link OrderStatus#REFUNDING}), and only
     * then is the gateway called; concurrent refunds of one order, from any thread or instance, are
     * serialized by that write (one refund is in progress at a time; a caller that finds another
     * refund in progress finishes it first), so the pending and succeeded refunds never add up to
     * more than the order's total. The order then returns to {@link OrderStatus#FULFILLED}, or
     * moves to {@link OrderStatus#REFUNDED} once the succeeded refunds reach the total, with an
     * {@link dev.orderkit.core.event.EventType#ORDER_REFUNDED} (or
     * {@link dev.orderkit.core.event.EventType#REFUND_FAILED} when the gateway declines: the refund is
     * then {@link Refund.Status#FAILED} and its amount may be refunded again under another key)
     * event in the same write. An interrupted refund is also finished by {@link #recover()}.
     *
     * @param scope the caller's scope
     * @param orderId the order id
     * @param amount the amount to refund, positive, in the order's currency
     * @param key the refund's key, chosen by the caller (e.g. the return's id or an HTTP
     *     {@code Idempotency-Key}); one refund per key and order
     * @return the order after the refund; {@link Order#refund(String) order.refund(Refund.idFor(key))}
     *     tells whether it succeeded or failed
     * @throws NotFoundException if absent or in another scope
     * @throws InvalidRequestException if the amount is not positive or in another currency
     * @throws IllegalStateTransitionException if the order's payment was not captured (not fulfilled)
     * @throws RefundExceedsCaptureException if the refund would exceed what may still be refunded;
     *     nothing is written
     * @throws IdempotencyKeyReuseException if the key was used for this order with another amount
     * @throws PaymentUnavailableException if the gateway failed; the refund stays pending: repeat the
     *     call with the same key (or let the recovery sweep finish it)
     * @throws BackendUnavailableException if storage failed; repeat the call with the same key
     */
    Order refund(Scope scope, String orderId, Money amount, IdempotencyKey key);

    /**
     * Records a refund the gateway reports (a webhook): updates the matching refund (by the gateway's
     * refund id or the idempotency key it was created with) or, for a refund made at the gateway
     * (e.g. from the Stripe Dashboard), records a new one with {@link Refund.Origin#GATEWAY}. A
     * {@link OrderStatus#FULFILLED} order whose succeeded refunds reach its total becomes
     * {@link OrderStatus#REFUNDED}; other statuses are kept. A failed refund stays failed, and a
     * pending report never overwrites a settled refund, so redelivered or reordered reports change
     * nothing. Events ({@code REFUND_REQUESTED}, {@code ORDER_REFUNDED}, {@code REFUND_FAILED}) are
     * written with the change. Thread-safe (compare-and-set of the order's version).
     *
     * @param orderId the order id (from the payment's metadata)
     * @param update the refund as the gateway reports it
     * @return the order after the update (unchanged if the report said nothing new)
     * @throws NotFoundException if there is no such order
     * @throws InvalidRequestException if {@code orderId} is blank or too long, or the currency is not the order's
     * @throws BackendUnavailableException if storage failed
     */
    Order applyRefundUpdate(String orderId, RefundUpdate update);

    /**
     * Records a payment dispute the gateway reports (a webhook): a new dispute is added with a
     * {@link dev.orderkit.core.event.EventType#DISPUTE_OPENED} event, a change with
     * {@code DISPUTE_UPDATED}, a closing status ({@link Dispute#closed()}) with {@code DISPUTE_CLOSED}.
     * A closed dispute is never reopened by a late report; a report that says nothing new writes
     * nothing. The order's status is not changed. Thread-safe.
     *
     * @param orderId the order id (from the payment's metadata)
     * @param dispute the dispute as the gateway reports it
     * @return the order after the update
     * @throws NotFoundException if there is no such order
     * @throws InvalidRequestException if {@code orderId} is blank or too long
     * @throws BackendUnavailableException if storage failed
     */
    Order applyDisputeUpdate(String orderId, Dispute dispute);

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
     * to a terminal state, finishes interrupted cancellations and fulfilments, cancels orders whose
     * payment action timed out, expires due holds and purges old idempotency records. Safe to run on
     * many instances at once, and they share the work: an instance claims each due order (a
     * compare-and-set that moves its next-attempt time past the claim's lease) before working it,
     * so two sweeps never work one order at the same time.
     *
     * <p>An order whose recovery fails is not retried before its backoff has passed
     * ({@link RecoverySettings}), so orders that keep failing never keep others waiting; after
     * {@link RecoverySettings#maxAttempts()} failed attempts it is parked in
     * {@link OrderStatus#NEEDS_ATTENTION} with its last error, and an
     * {@link dev.orderkit.core.event.EventType#ORDER_NEEDS_ATTENTION} event is recorded with the
     * change. Each failure is logged as one WARN line (the stack trace at DEBUG). A failing order
     * never makes the sweep throw.
     *
     * @return what the sweep did
     * @throws BackendUnavailableException if storage failed while looking for due orders
     */
    SweepReport recover();

    /**
     * Orders the recovery sweep parked in {@link OrderStatus#NEEDS_ATTENTION}, of every scope, the
     * longest parked first. {@link Order#recovery()} tells the status each was parked from and its
     * last error.
     *
     * @param limit at most this many, 1..10,000
     * @return the parked orders
     * @throws InvalidRequestException if {@code limit} is out of range
     * @throws BackendUnavailableException if storage failed
     */
    List<Order> parked(int limit);

    /**
     * Puts a parked order back into the status it was parked from, with its failed-attempt count
     * reset (an {@link dev.orderkit.core.event.EventType#ORDER_RETRIED} event), and retries it at
     * once in this thread: resumes its placement or finishes its cancellation or fulfilment, as the
     * sweep would. Call it once the cause of the failures is gone. Thread-safe; if the order is
     * retried concurrently (or a sweep claimed it meanwhile) only one caller works it.
     *
     * <p>If the retry fails again, the failure is recorded on the order (attempt 1 of a new round:
     * the sweep retries it with backoff and parks it again after
     * {@link RecoverySettings#maxAttempts()} failures) and the exception is thrown.
     *
     * @param orderId the parked order's id
     * @return the order after the retry (e.g. {@code CANCELLED}, {@code FULFILLED},
     *     {@code CONFIRMED}); the order as found if it was not parked (nothing done)
     * @throws NotFoundException if there is no such order
     * @throws InvalidRequestException if {@code orderId} is blank or too long
     * @throws OrderKitException (or a subclass, e.g. {@link PaymentRejectedException}) if the retry
     *     failed again; the order is back in the sweep's hands
     */
    Order retryParked(String orderId);

    /**
     * Lists the orders of a scope that match a filter, a page at a time, newest first:
     * {@link Order#createdAt()} descending, ties by {@link Order#id()} descending. Pass
     * {@link PageRequest#first(int)} for the first page and
     * {@link PageRequest#after(String, int)} with the returned {@link OrderPage#nextCursor()} for the
     * next, with the same scope and filter.
     *
     * <p>Keyset (cursor) pagination: a cursor encodes the position of the last order of its page,
     * not an offset, so paging through a listing never returns an order twice and never skips one
     * that existed when the listing started, however many orders are placed meanwhile (they are
     * newer, so they sort before the pages already read). An order whose status changes between
     * pages is listed if its current status matches. A page is not a snapshot: each order is as of
     * some instant during the call. Each page is one index range scan on the SQL backends (see the
     * architecture notes), so its cost does not grow with the page number.
     *
     * <p>Orders of other scopes are never returned, and a cursor is only valid with the scope and
     * filter that produced it. Thread-safe.
     *
     * @param scope the caller's scope
     * @param filter which orders ({@link OrderFilter#all()} for every order of the scope)
     * @param page the page size ({@value PageRequest#DEFAULT_SIZE} by {@link PageRequest#first()},
     *     at most {@value PageRequest#MAX_SIZE}) and cursor
     * @return the page; its {@code nextCursor} is null on the last page
     * @throws InvalidRequestException naming {@code cursor} if the cursor was not returned by a
     *     listing with this scope and filter (or was altered)
     * @throws NullPointerException if an argument is null
     * @throws BackendUnavailableException if storage failed
     */
    OrderPage list(Scope scope, OrderFilter filter, PageRequest page);

    /**
     * Counts of what one recovery sweep did.
     *
     * @param ordersResumed stuck placements driven to a terminal state
     * @param ordersExpired orders awaiting payment action that were cancelled (and interrupted
     *     cancellations and fulfilments finished, and holds given back of declined orders whose
     *     release was interrupted)
     * @param reservationsExpired holds expired
     * @param keysPurged idempotency records purged
     * @param ordersFailed orders whose recovery failed this sweep (retried after their backoff)
     * @param ordersParked orders parked in {@link OrderStatus#NEEDS_ATTENTION} this sweep (counted
     *     in {@code ordersFailed} too)
     */
    record SweepReport(
            int ordersResumed,
            int ordersExpired,
            int reservationsExpired,
            int keysPurged,
            int ordersFailed,
            int ordersParked) {

        /**
         * A report without recovery failures.
         *
         * @param ordersResumed stuck placements driven to a terminal state
         * @param ordersExpired orders awaiting payment action that were cancelled
         * @param reservationsExpired holds expired
         * @param keysPurged idempotency records purged
         */
        public SweepReport(int ordersResumed, int ordersExpired, int reservationsExpired, int keysPurged) {
            this(ordersResumed, ordersExpired, reservationsExpired, keysPurged, 0, 0);
        }
    }
}
