package dev.orderkit.jmh;

import dev.orderkit.jmh.internal.Ids;
import dev.orderkit.jmh.internal.Tally;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * JMH thread state: unique reservation ids / idempotency keys for one benchmark thread, and the
 * thread's operation counts in the trial's {@link Tally} (read by the invariant check of the
 * tear-down). Used by one thread only.
 */
@State(Scope.Thread)
public class ThreadIds {
    private final Ids ids = new Ids();
    private Tally tally;
    private Tally.Counter counter;

    /**
     * The next id of this thread; counts an operation started in {@code tally}.
     *
     * @param tally the trial's tally (the thread registers with it on first use)
     * @return an id unique in this process
     */
    public String next(Tally tally) {
        if (this.tally != tally) {
            this.tally = tally;
            this.counter = tally.register();
        }
        counter.start();
        return ids.next();
    }

    /**
     * Counts the operation of the last {@link #next} as successful.
     *
     * @param <T> result type
     * @param result the operation's result
     * @return {@code result}
     */
    public <T> T done(T result) {
        counter.done();
        return result;
    }
}
