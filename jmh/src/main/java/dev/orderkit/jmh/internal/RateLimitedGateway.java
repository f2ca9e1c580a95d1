package dev.orderkit.jmh.internal;

import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.testkit.GatedPaymentPort;
import io.github.bucket4j.Bucket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A payment gateway with a rate limit, as a real one has: core's {@link SimulatedPaymentPort} with
 * a fixed latency per call, behind a local Bucket4j token bucket of {@code ratePerSecond} tokens a
 * second (refilled greedily) and a burst of {@code burst} tokens. A call that finds the bucket
 * empty is refused at once, before any effect, with a {@link PaymentRateLimitedException} (HTTP
 * 429) carrying {@code Retry-After}, and counted in {@link #rejected()}. Every call counts against
 * the limit: authorize, capture, void and refund. Thread-safe.
 */
public final class RateLimitedGateway extends GatedPaymentPort {
    private final Bucket bucket;
    private final Duration retryAfter;
    private final AtomicLong calls = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * Creates the gateway.
     *
     * @param latency the latency of every accepted call
     * @param ratePerSecond calls per second the gateway allows
     * @param burst calls it allows at once (the bucket's capacity)
     * @param retryAfter the {@code Retry-After} of a refused call
     */
    public RateLimitedGateway(Duration latency, long ratePerSecond, long burst, Duration retryAfter) {
        super(new SimulatedPaymentPort().latency(latency));
        this.bucket = Bucket.builder()
                .addLimit(l -> l.capacity(burst).refillGreedy(ratePerSecond, Duration.ofSeconds(1)))
                .build();
        this.retryAfter = retryAfter;
    }

    @Override
    protected void admit(String what) {
        calls.incrementAndGet();
        if (!bucket.tryConsume(1)) {
            rejected.incrementAndGet();
            throw new PaymentRateLimitedException("429 Too Many Requests: " + what, retryAfter, null);
        }
    }

    /**
     * Calls that reached the gateway, refused ones included.
     *
     * @return the count
     */
    public long calls() {
        return calls.get();
    }

    /**
     * Calls refused with a 429.
     *
     * @return the count
     */
    public long rejected() {
        return rejected.get();
    }
}
