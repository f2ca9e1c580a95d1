package dev.orderkit.jmh.internal;

import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;

/** Result checks that make a silently failing benchmark fail loudly. Stateless, thread-safe. */
public final class Checks {
    private Checks() {}

    /**
     * Requires a placed order.
     *
     * @param r the result
     * @return {@code r}
     * @throws IllegalStateException if the outcome is not {@link PlacementOutcome#PLACED}
     */
    public static PlaceOrderResult placed(PlaceOrderResult r) {
        if (r.outcome() != PlacementOutcome.PLACED) {
            throw new IllegalStateException("order not placed: " + r.outcome() + " " + r.shortfalls());
        }
        return r;
    }
}
