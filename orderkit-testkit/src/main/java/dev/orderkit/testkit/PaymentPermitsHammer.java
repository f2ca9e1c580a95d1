package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.payment.PaymentPermits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checks a shared {@link PaymentPermits} (e.g. {@code RedisPaymentPermits}, {@code
 * JdbcPaymentPermits}): {@link #run} hammers limiters that share one bucket (one per simulated
 * instance) from several threads for a while, {@link #assertPace} checks granted ≤ rate × elapsed +
 * burst (+ 2 % + 2 slack) and ≥ half of that, that no call waited for a permit (each returned within
 * {@link #MAX_CALL}) and that every denial carried a positive wait of at most {@link #MAX_HINT}.
 */
public final class PaymentPermitsHammer {
    /** The longest a {@link PaymentPermits#tryTake()} may take (a round trip, never a wait for a permit). */
    public static final Duration MAX_CALL = Duration.ofSeconds(1);
    /** The longest wait a denial may announce at the rates the tests use (≥ 1 permit per second). */
    public static final Duration MAX_HINT = Duration.ofSeconds(1);

    /**
     * What a run measured.
     *
     * @param granted permits taken, all threads together
     * @param denied calls that took none
     * @param elapsedSeconds the run's length
     * @param maxCallNanos the longest call
     * @param maxHintNanos the longest wait a denial announced
     */
    public record Result(long granted, long denied, double elapsedSeconds, long maxCallNanos, long maxHintNanos) {}

    private PaymentPermitsHammer() {}

    /**
     * Calls {@link PaymentPermits#tryTake()} in a loop from {@code threadsPerLimiter} threads per
     * limiter until {@code duration} has passed.
     *
     * @param limiters limiters sharing one bucket
     * @param threadsPerLimiter threads calling each limiter
     * @param duration how long to hammer
     * @return what was measured (a denial with a negative wait fails the run)
     * @throws Exception if a call failed
     */
    public static Result run(List<? extends PaymentPermits> limiters, int threadsPerLimiter, Duration duration)
            throws Exception {
        AtomicLong granted = new AtomicLong();
        AtomicLong denied = new AtomicLong();
        AtomicLong maxCall = new AtomicLong();
        AtomicLong maxHint = new AtomicLong();
        AtomicLong badHint = new AtomicLong();
        ExecutorService pool = Executors.newFixedThreadPool(limiters.size() * threadsPerLimiter);
        List<Future<?>> futures = new ArrayList<>();
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try {
            for (PaymentPermits limiter : limiters) {
                for (int t = 0; t < threadsPerLimiter; t++) {
                    futures.add(pool.submit(() -> {
                        while (System.nanoTime() < end) {
                            long before = System.nanoTime();
                            Duration wait = limiter.tryTake();
                            long took = System.nanoTime() - before;
                            maxCall.accumulateAndGet(took, Math::max);
                            if (wait.isZero()) {
                                granted.incrementAndGet();
                            } else {
                                denied.incrementAndGet();
                                if (wait.isNegative()) {
                                    badHint.incrementAndGet();
                                }
                                maxHint.accumulateAndGet(wait.toNanos(), Math::max);
                            }
                        }
                    }));
                }
            }
            for (Future<?> f : futures) {
                f.get(duration.toMillis() + 30_000, TimeUnit.MILLISECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        double elapsed = (System.nanoTime() - start) / 1e9;
        assertThat(badHint.get()).as("denials with a negative wait").isZero();
        return new Result(granted.get(), denied.get(), elapsed, maxCall.get(), maxHint.get());
    }

    /**
     * Asserts the pace of a run against the shared rate and the bucket's burst.
     *
     * @param r the run
     * @param rate the limiters' shared rate per second
     * @param burst the bucket's capacity
     */
    public static void assertPace(Result r, double rate, long burst) {
        double allowed = rate * r.elapsedSeconds() + burst;
        String what = r + " at " + rate + "/s, burst " + burst;
        assertThat((double) r.granted())
                .as("granted ≤ rate × elapsed + burst: " + what)
                .isLessThanOrEqualTo(allowed * 1.02 + 2);
        assertThat((double) r.granted()).as("granted ≥ half the pace: " + what).isGreaterThanOrEqualTo(allowed / 2);
        assertThat(r.denied())
                .as("the threads asked faster than the pace: " + what)
                .isPositive();
        assertThat(r.maxCallNanos()).as("no call waited for a permit: " + what).isLessThan(MAX_CALL.toNanos());
        assertThat(r.maxHintNanos())
                .as("denial hints stay short at this rate: " + what)
                .isPositive()
                .isLessThanOrEqualTo(MAX_HINT.toNanos());
    }
}
