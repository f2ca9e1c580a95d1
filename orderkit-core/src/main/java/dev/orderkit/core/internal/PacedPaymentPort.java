package dev.orderkit.core.internal;

import dev.orderkit.core.Money;
import dev.orderkit.core.PaymentPacing;
import dev.orderkit.core.PaymentRateLimitedException;
import dev.orderkit.core.PaymentUnavailableException;
import dev.orderkit.core.payment.AuthorizeRequest;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.payment.PaymentResult;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kit's payment port: the application's port behind a pace ({@link PaymentPacing}). Every call
 * takes a permit first (two for {@link #voidAuthorizationByKey}, which makes two gateway calls);
 * checkout authorizations go first: a capture, void or refund takes a permit only while no
 * authorization is waiting for one. A {@link PaymentRateLimitedException} from the gateway (a 429)
 * pauses every call of the kit until its {@code Retry-After} has passed, so neither the retries of
 * that call nor the other calls go on hitting the limit. A call that gets no permit within
 * {@link PaymentPacing#maxWait()} fails with a {@link PaymentRateLimitedException} without calling
 * the gateway.
 *
 * <p>Thread-safe (atomics only; callers wait by parking in short steps, so an interrupt ends the
 * wait with a {@link PaymentUnavailableException}).
 */
public final class PacedPaymentPort implements PaymentPort {
    private static final Logger LOG = LoggerFactory.getLogger(PacedPaymentPort.class);
    /** The longest single park: bounds how late a waiter notices a permit or a pause's end. */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** The wait after a shared limiter's store failed. */
    private static final long STORE_FAILED_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final PaymentPort delegate;
    private final PaymentPacing pacing;
    /** {@code System.nanoTime()} before which no call is made (a 429's pause); 0 when never paused. */
    private final AtomicLong pausedUntil = new AtomicLong();

    private volatile boolean everPaused;
    private final AtomicInteger checkoutsWaiting = new AtomicInteger();
    private final LongAdder rateLimited = new LongAdder();
    private final LongAdder permitTimeouts = new LongAdder();

    /**
     * Wraps a port.
     *
     * @param delegate the application's port
     * @param pacing the pace
     */
    public PacedPaymentPort(PaymentPort delegate, PaymentPacing pacing) {
        this.delegate = delegate;
        this.pacing = pacing;
    }

    @Override
    public PaymentResult authorize(AuthorizeRequest request) {
        take(true, 1, "authorize");
        return call(() -> delegate.authorize(request));
    }

    @Override
    public PaymentResult capture(String idempotencyKey, String paymentId, Money amount) {
        take(false, 1, "capture");
        return call(() -> delegate.capture(idempotencyKey, paymentId, amount));
    }

    @Override
    public PaymentResult voidAuthorization(String idempotencyKey, String paymentId) {
        take(false, 1, "void");
        return call(() -> delegate.voidAuthorization(idempotencyKey, paymentId));
    }

    @Override
    public PaymentResult refund(String idempotencyKey, String paymentId, Money amount) {
        take(false, 1, "refund");
        return call(() -> delegate.refund(idempotencyKey, paymentId, amount));
    }

    @Override
    public Optional<PaymentResult> voidAuthorizationByKey(AuthorizeRequest authorization, String voidKey) {
        take(false, 2, "void by key");
        return call(() -> delegate.voidAuthorizationByKey(authorization, voidKey));
    }

    /** The port's call timeout, plus the wait for a permit when calls are paced. */
    @Override
    public Duration callTimeout() {
        Duration t = delegate.callTimeout();
        return pacing.limited() ? t.plus(pacing.maxWait()) : t;
    }

    /**
     * Whether calls are paused now by a gateway's 429.
     *
     * @return true while a pause lasts
     */
    public boolean paused() {
        return everPaused && pausedUntil.get() - System.nanoTime() > 0;
    }

    /**
     * How long the current pause still lasts.
     *
     * @return the rest of the pause, zero if none
     */
    public Duration pauseLeft() {
        long left = everPaused ? pausedUntil.get() - System.nanoTime() : 0;
        return left > 0 ? Duration.ofNanos(left) : Duration.ZERO;
    }

    /**
     * How many 429s the gateway answered.
     *
     * @return the count since the kit was built
     */
    public long rateLimitedAnswers() {
        return rateLimited.sum();
    }

    /**
     * How many calls gave up waiting for a permit.
     *
     * @return the count since the kit was built
     */
    public long permitTimeouts() {
        return permitTimeouts.sum();
    }

    /** The pace's permits per second (infinite when unlimited). */
    double permitsPerSecond() {
        return pacing.permitsPerSecond();
    }

    private <T> T call(Supplier<T> gatewayCall) {
        try {
            return gatewayCall.get();
        } catch (PaymentRateLimitedException e) {
            rateLimited.increment();
            Duration hint = e.retryAfter();
            pause(hint != null && !hint.isNegative() && !hint.isZero() ? hint : pacing.pauseWithoutHint());
            throw e;
        }
    }

    /** Pauses every call until {@code d} from now (never shortens a longer pause). */
    private void pause(Duration d) {
        long until = System.nanoTime() + d.toNanos();
        everPaused = true;
        long prev = pausedUntil.getAndAccumulate(until, (a, b) -> a == 0 || b - a > 0 ? b : a);
        if (prev == 0 || until - prev > 0) {
            LOG.info("payment gateway answered 429: payment calls paused for {}", d);
        }
    }

    /**
     * Takes {@code n} permits, waiting (in short parks) while calls are paused, while an authorization
     * waits for a permit (for a background call), and for the limiter.
     */
    private void take(boolean checkout, int n, String what) {
        if (!pacing.limited() && !paused()) {
            return; // unlimited and not paused: nothing to wait for
        }
        long start = System.nanoTime();
        long deadline = start + pacing.maxWait().toNanos();
        if (checkout) {
            checkoutsWaiting.incrementAndGet();
        }
        try {
            int taken = 0;
            while (taken < n) {
                long now = System.nanoTime();
                long wait = everPaused ? pausedUntil.get() - now : 0;
                if (wait <= 0) {
                    if (!checkout && checkoutsWaiting.get() > 0) {
                        wait = TimeUnit.MILLISECONDS.toNanos(1); // authorizations first
                    } else {
                        wait = tryTake();
                        if (wait <= 0) {
                            taken++;
                            continue;
                        }
                    }
                }
                if (now + wait - deadline > 0) {
                    permitTimeouts.increment();
                    throw new PaymentRateLimitedException(
                            "no payment permit for " + what + " within " + pacing.maxWait() + " (pace "
                                    + pacing.permitsPerSecond() + "/s" + (paused() ? ", paused by a 429" : "") + ")",
                            Duration.ofNanos(Math.max(wait, 1)),
                            null);
                }
                LockSupport.parkNanos(Math.min(wait, MAX_PARK_NANOS));
                if (Thread.interrupted()) {
                    Thread.currentThread().interrupt();
                    throw new PaymentUnavailableException("interrupted waiting for a payment permit", null, null);
                }
            }
        } finally {
            if (checkout) {
                checkoutsWaiting.decrementAndGet();
            }
        }
    }

    /** One try at the limiter: 0 when a permit was taken, else the nanoseconds to wait. */
    private long tryTake() {
        Duration d;
        try {
            d = pacing.permits().tryTake();
        } catch (RuntimeException e) {
            LOG.debug("payment permit store failed; waiting", e);
            return STORE_FAILED_NANOS;
        }
        if (d == null || d.isZero() || d.isNegative()) {
            return 0;
        }
        return Math.max(1, d.toNanos());
    }
}
