package dev.orderkit.redis;

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
 * Hammers limiters that share one bucket from several threads for a while and checks the pace:
 * granted ≤ rate × elapsed + burst (+ slack) and ≥ half of that; no call waits for a permit (each
 * returns within {@link #MAX_CALL}); every denial carries a positive wait of at most
 * {@link #MAX_HINT}.
 */
final class PermitsHammer {
    static final Duration MAX_CALL = Duration.ofSeconds(1);
    static final Duration MAX_HINT = Duration.ofSeconds(1);

    /** What a run measured. */
    record Result(long granted, long denied, double elapsedSeconds, long maxCallNanos, long maxHintNanos) {}

    private PermitsHammer() {}

    static Result run(List<PaymentPermits> limiters, int threadsPerLimiter, Duration duration) throws Exception {
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
                        return null;
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

    /** Asserts the pace of a run against the shared rate and the bucket's burst. */
    static void assertPace(Result r, double rate, long burst) {
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
