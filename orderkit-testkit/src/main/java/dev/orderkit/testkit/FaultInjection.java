package dev.orderkit.testkit;

/**
 * Injects infrastructure failures into a fixture's backends where they really happen, so that
 * {@link AmbiguousFailureContract} can prove every write is safe to retry. A JDBC fixture fails a
 * statement or loses the acknowledgement of a COMMIT that succeeded ({@code FaultInjectingDataSource});
 * a Redis fixture loses the reply of a script that ran; in-process backends use
 * {@link FaultInjectingBackends} at the SPI boundary.
 *
 * <p>A <em>write</em> is whatever the backend commits as one unit: a JDBC transaction that changed
 * something (or a changing statement in auto-commit), a Redis script, an in-memory SPI write
 * method. Implementations are thread-safe.
 */
public interface FaultInjection {

    /** What goes wrong. */
    enum Fault {
        /** The write fails before the server applied anything (statement refused, connection down). */
        FAIL_BEFORE,
        /** The server applied the write, but the caller sees a lost connection instead of the reply. */
        LOSE_ACK
    }

    /**
     * The next {@code count} writes fail with {@code fault}.
     *
     * @param fault the fault
     * @param count number of writes, at least 1
     */
    void arm(Fault fault, int count);

    /**
     * Every write independently fails with {@code fault} with the given probability (seeded, but the
     * interleaving of threads decides which write draws which number).
     *
     * @param fault the fault
     * @param probability in [0, 1)
     * @param seed random seed
     */
    void armRandomly(Fault fault, double probability, long seed);

    /** No more faults. */
    void disarm();

    /**
     * Faults injected so far.
     *
     * @return the count
     */
    int injected();
}
