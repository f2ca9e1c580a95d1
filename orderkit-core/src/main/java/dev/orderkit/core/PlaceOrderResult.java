package dev.orderkit.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The response to {@link OrderService#place(PlaceOrderRequest)}. Every call with the same scope,
 * key and payload gets an equal result (apart from {@link #replayed()}).
 *
 * @param outcome business outcome
 * @param order the order as it was when the request completed
 * @param shortfalls for {@link PlacementOutcome#OUT_OF_STOCK}: the lines short of stock, else empty
 * @param declineReason for {@link PlacementOutcome#PAYMENT_DECLINED}: the gateway's reason, else {@code null}
 * @param replayed true if this result was replayed from the idempotency store
 */
public record PlaceOrderResult(
        PlacementOutcome outcome,
        Order order,
        List<Shortfall> shortfalls,
        @Nullable String declineReason,
        boolean replayed) {
    /** Copies the shortfalls. */
    public PlaceOrderResult {
        shortfalls = shortfalls == null ? List.of() : List.copyOf(shortfalls);
    }

    /**
     * Returns this result marked as replayed.
     *
     * @return the copy
     */
    public PlaceOrderResult asReplay() {
        return new PlaceOrderResult(outcome, order, shortfalls, declineReason, true);
    }
}
