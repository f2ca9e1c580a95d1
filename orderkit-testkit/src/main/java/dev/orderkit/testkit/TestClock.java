package dev.orderkit.testkit;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A manually advanced UTC clock for tests: it only moves when {@link #advance(Duration)} or
 * {@link #set(Instant)} is called, so lease, hold-expiry and retention behaviour is deterministic.
 * Instants are kept at millisecond precision so that every backend (SQL {@code TIMESTAMP(3..6)},
 * Redis milliseconds) can store them losslessly.
 *
 * <p>Thread-safe: the current instant is held in an atomic reference.
 */
public final class TestClock extends Clock {
    private final AtomicReference<Instant> now;

    /**
     * Creates a clock at the given instant (truncated to milliseconds).
     *
     * @param start the initial instant
     * @throws NullPointerException if {@code start} is null
     */
    public TestClock(Instant start) {
        this.now = new AtomicReference<>(Objects.requireNonNull(start, "start").truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Creates a clock at the current wall-clock time, truncated to whole seconds (so that offsets
     * of whole milliseconds stay exact).
     *
     * @return the clock
     */
    public static TestClock startingNow() {
        return new TestClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    /**
     * Moves the clock forward.
     *
     * @param by a non-negative duration
     * @return the new instant
     * @throws IllegalArgumentException if {@code by} is negative
     */
    public Instant advance(Duration by) {
        Objects.requireNonNull(by, "by");
        if (by.isNegative()) {
            throw new IllegalArgumentException("by must not be negative: " + by);
        }
        return now.updateAndGet(i -> i.plus(by).truncatedTo(ChronoUnit.MILLIS));
    }

    /**
     * Sets the clock to an instant (truncated to milliseconds); may move it backwards.
     *
     * @param instant the new instant
     */
    public void set(Instant instant) {
        now.set(Objects.requireNonNull(instant, "instant").truncatedTo(ChronoUnit.MILLIS));
    }

    @Override
    public Instant instant() {
        return Objects.requireNonNull(now.get(), "now"); // set only to non-null instants
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    /**
     * Returns this clock: a test clock is always UTC.
     *
     * @param zone ignored
     * @return this clock
     */
    @Override
    public Clock withZone(ZoneId zone) {
        return this;
    }
}
