package dev.orderkit.core;

import dev.failsafe.RateLimiter;
import dev.orderkit.core.internal.Check;
import dev.orderkit.core.payment.PaymentPermits;
import java.time.Duration;
import java.util.Objects;

/**
 * The pace at which a kit calls the payment gateway ({@link OrderKit.Builder#paymentPacing}): every
 * call (authorize, capture, void, refund, each retry) first takes a permit from {@link #permits()}.
 * Checkout authorizations are served before background captures, voids and refunds while calls
 * wait. A gateway's "too many requests" ({@link PaymentRateLimitedException}, HTTP 429) pauses every
 * payment call of the kit until its {@code Retry-After} has passed ({@link #pauseWithoutHint()} if
 * it gave none) instead of retrying into the limit; the circuit breaker of {@link RetrySettings}
 * still applies.
 *
 * <p>Unlimited by default ({@link #unlimited()}). {@link #perSecond(double)} paces this JVM with a
 * smooth limiter (Failsafe's {@code RateLimiter}: one permit every {@code 1/rate} s, no bursts);
 * {@link #shared(PaymentPermits, double)} takes permits from a limiter every instance shares.
 *
 * <p>Immutable and thread-safe.
 *
 * @param permits where permits come from
 * @param permitsPerSecond the pace those permits allow, for the checks of {@link AsyncPlacement}
 *     (how long a backlog takes to drain) and the "retry after" of a busy answer;
 *     {@link Double#POSITIVE_INFINITY} when unlimited
 * @param maxWait how long a call waits for a permit (or for a pause to end) before it fails with a
 *     {@link PaymentRateLimitedException}, 0 .. 10 min (a placement's caller then retries with the
 *     same key; a background worker tries the order again later)
 * @param pauseWithoutHint how long a 429 without {@code Retry-After} pauses the calls, 1 ms .. 10 min
 */
public record PaymentPacing(
        PaymentPermits permits, double permitsPerSecond, Duration maxWait, Duration pauseWithoutHint) {

    private static final PaymentPermits UNLIMITED = () -> Duration.ZERO;

    /**
     * Validates the settings.
     *
     * @throws InvalidRequestException naming the field that is out of range
     * @throws NullPointerException if {@code permits} is null
     */
    public PaymentPacing {
        Objects.requireNonNull(permits, "permits");
        if (!(permitsPerSecond > 0)) { // also NaN
            throw new InvalidRequestException("permitsPerSecond", permitsPerSecond, "must be positive");
        }
        Check.ttl(maxWait, "maxWait", Duration.ZERO, Duration.ofMinutes(10));
        Check.ttl(pauseWithoutHint, "pauseWithoutHint", Duration.ofMillis(1), Duration.ofMinutes(10));
    }

    /**
     * No pace: every call gets its permit at once (429s still pause the calls). The default.
     *
     * @return the settings: wait up to 10 s, pause 1 s after a 429 without a hint
     */
    public static PaymentPacing unlimited() {
        return new PaymentPacing(UNLIMITED, Double.POSITIVE_INFINITY, Duration.ofSeconds(10), Duration.ofSeconds(1));
    }

    /**
     * At most {@code rate} calls per second from this JVM, evenly spaced.
     *
     * @param rate permits per second, 0.001 .. 1,000,000
     * @return the settings: wait up to 10 s, pause 1 s after a 429 without a hint
     * @throws InvalidRequestException naming {@code rate} if out of range
     */
    public static PaymentPacing perSecond(double rate) {
        if (!(rate >= 0.001 && rate <= 1_000_000)) {
            throw new InvalidRequestException("rate", rate, "must be between 0.001 and 1000000 per second");
        }
        Duration interval = Duration.ofNanos(Math.max(1, (long) (1e9 / rate)));
        RateLimiter<Object> limiter = RateLimiter.smoothBuilder(interval).build();
        PaymentPermits local = () -> limiter.tryAcquirePermit() ? Duration.ZERO : interval;
        return new PaymentPacing(local, rate, Duration.ofSeconds(10), Duration.ofSeconds(1));
    }

    /**
     * Permits from a limiter the instances share (e.g. a Bucket4j bucket on Redis or PostgreSQL).
     *
     * @param permits the shared limiter
     * @param rate the pace it allows all instances together, per second (see {@link #permitsPerSecond()})
     * @return the settings: wait up to 10 s, pause 1 s after a 429 without a hint
     * @throws InvalidRequestException naming {@code rate} if not positive
     */
    public static PaymentPacing shared(PaymentPermits permits, double rate) {
        return new PaymentPacing(permits, rate, Duration.ofSeconds(10), Duration.ofSeconds(1));
    }

    /**
     * Whether calls are paced at all.
     *
     * @return false for {@link #unlimited()}
     */
    public boolean limited() {
        return permitsPerSecond != Double.POSITIVE_INFINITY;
    }

    /**
     * A copy with another wait for a permit.
     *
     * @param value 0 .. 10 min
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public PaymentPacing withMaxWait(Duration value) {
        return new PaymentPacing(permits, permitsPerSecond, value, pauseWithoutHint);
    }

    /**
     * A copy with another pause after a 429 without {@code Retry-After}.
     *
     * @param value 1 ms .. 10 min
     * @return the copy
     * @throws InvalidRequestException if out of range
     */
    public PaymentPacing withPauseWithoutHint(Duration value) {
        return new PaymentPacing(permits, permitsPerSecond, maxWait, value);
    }
}
