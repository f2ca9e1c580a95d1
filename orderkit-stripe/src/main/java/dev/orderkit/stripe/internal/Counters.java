package dev.orderkit.stripe.internal;

import dev.orderkit.stripe.StripeMetrics;
import java.util.concurrent.atomic.LongAdder;

/** Live counters behind {@link StripeMetrics}. Thread-safe. */
public final class Counters {
    /** HTTP requests sent. */
    public final LongAdder requests = new LongAdder();
    /** Responses replayed by Stripe's idempotency layer. */
    public final LongAdder replays = new LongAdder();
    /** Declines returned. */
    public final LongAdder declines = new LongAdder();
    /** Transient failures thrown. */
    public final LongAdder transientFailures = new LongAdder();
    /** Permanent rejections thrown. */
    public final LongAdder rejections = new LongAdder();

    /** Creates zeroed counters. */
    public Counters() {}

    /**
     * Takes a snapshot.
     *
     * @return the current values
     */
    public StripeMetrics snapshot() {
        return new StripeMetrics(
                requests.sum(), replays.sum(), declines.sum(), transientFailures.sum(), rejections.sum());
    }
}
