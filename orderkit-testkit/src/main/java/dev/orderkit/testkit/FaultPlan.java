package dev.orderkit.testkit;

import java.util.Objects;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;

/**
 * A thread-safe {@link FaultInjection} state machine that concrete injectors consult at every
 * write: {@link #next()} answers which fault (if any) the write suffers. Backend test fixtures reuse
 * it so that they only decide <em>where</em> a fault happens.
 */
public final class FaultPlan implements FaultInjection {
    private @Nullable Fault armed;
    private int remaining;
    private double probability;
    private @Nullable SplittableRandom random;
    private int injected;

    /** Creates a disarmed plan. */
    public FaultPlan() {}

    @Override
    public synchronized void arm(Fault fault, int count) {
        if (count < 1) {
            throw new IllegalArgumentException("count must be >= 1: " + count);
        }
        armed = Objects.requireNonNull(fault, "fault");
        remaining = count;
        probability = 0;
        random = null;
    }

    @Override
    public synchronized void armRandomly(Fault fault, double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("probability must be in [0, 1): " + p);
        }
        armed = Objects.requireNonNull(fault, "fault");
        remaining = 0;
        probability = p;
        random = new SplittableRandom(seed);
    }

    @Override
    public synchronized void disarm() {
        armed = null;
        remaining = 0;
        random = null;
    }

    @Override
    public synchronized int injected() {
        return injected;
    }

    /**
     * Draws the fault for the write about to happen (and counts it as injected).
     *
     * @return the fault, or {@code null} for a write that goes through
     */
    public synchronized @Nullable Fault next() {
        if (armed == null) {
            return null;
        }
        if (random != null) {
            if (random.nextDouble() >= probability) {
                return null;
            }
            injected++;
            return armed;
        }
        Fault f = armed;
        if (--remaining <= 0) {
            armed = null;
        }
        injected++;
        return f;
    }
}
