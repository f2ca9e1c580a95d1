package dev.orderkit.jmh.internal;

import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Operation counts of one benchmark trial, without a shared hot counter: every benchmark thread
 * gets its own {@link Counter} (plain fields, written only by that thread) and the tear-down sums
 * them after JMH has stopped the threads. The invariant checks compare these counts with what the
 * store holds: every operation that returned reserved exactly {@code lines} units, no operation
 * was applied twice, none was lost. Registration is thread-safe; the sums are read by the tear-down
 * only (JMH's iteration barrier orders the threads' writes before it).
 */
public final class Tally {
    /** One thread's counts; written by that thread only. */
    public static final class Counter {
        private long started;
        private long done;

        private Counter() {}

        /** Counts an operation about to run. */
        public void start() {
            started++;
        }

        /** Counts an operation that returned successfully. */
        public void done() {
            done++;
        }
    }

    private final ConcurrentLinkedQueue<Counter> counters = new ConcurrentLinkedQueue<>();
    private long startedBefore;
    private long doneBefore;

    /**
     * A new counter for one benchmark thread.
     *
     * @return the counter, summed by this tally
     */
    public Counter register() {
        Counter c = new Counter();
        counters.add(c);
        return c;
    }

    /**
     * Operations started since the last {@link #mark()} (or since the trial began).
     *
     * @return the count
     */
    public long started() {
        long n = 0;
        for (Counter c : counters) {
            n += c.started;
        }
        return n - startedBefore;
    }

    /**
     * Operations that returned successfully since the last {@link #mark()} (or since the trial began).
     *
     * @return the count
     */
    public long done() {
        long n = 0;
        for (Counter c : counters) {
            n += c.done;
        }
        return n - doneBefore;
    }

    /** Starts a new window: {@link #started()} and {@link #done()} count from here on (per-iteration stores). */
    public void mark() {
        startedBefore += started();
        doneBefore += done();
    }
}
