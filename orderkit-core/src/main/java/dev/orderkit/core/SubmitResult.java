package dev.orderkit.core;

import java.time.Duration;

/**
 * The answer of {@link OrderService#submit}: accepted (the order exists, its stock is held, the
 * payment follows in the background), finished (the placement already has its outcome), or busy
 * (nothing was written; retry later).
 */
public sealed interface SubmitResult {

    /**
     * The order was accepted: it exists with its stock held ({@link OrderStatus#STOCK_RESERVED}, or
     * a later placement status) and the kit's payment workers will finish it without any further
     * call from the client. Follow it with {@link OrderService#get}, its events or webhooks.
     *
     * @param order the order as accepted (or as it now is, for a replay)
     * @param replayed whether an earlier submit with the same key accepted it
     */
    record Accepted(Order order, boolean replayed) implements SubmitResult {}

    /**
     * The placement has its outcome: out of stock at submit time, or (for a repeat of the key) the
     * final outcome the workers reached — exactly what {@link OrderService#place} would replay.
     *
     * @param result the outcome
     */
    record Finished(PlaceOrderResult result) implements SubmitResult {}

    /**
     * Too many orders are accepted and not yet paid ({@link AsyncPlacement#maxBacklog()}): nothing
     * was written (no key, no order, no hold). Retry after {@code retryAfter} with the same key.
     *
     * @param retryAfter an estimate of when the backlog will have room, at least 1 s
     * @param backlog the backlog as counted
     */
    record Busy(Duration retryAfter, int backlog) implements SubmitResult {}
}
