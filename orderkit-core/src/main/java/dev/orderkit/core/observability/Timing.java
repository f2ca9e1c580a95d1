package dev.orderkit.core.observability;

/**
 * One running operation, started by {@link Instrumentation#start(Operation)}. Core ends it exactly
 * once, on the thread that started it, with {@link #success(String)} or {@link #failure(Throwable)}.
 * Not thread-safe (confined to that thread).
 */
public interface Timing {
    /** The handle of the no-op instrumentation: does nothing, shared by every call. */
    Timing NOOP = new Timing() {
        @Override
        public void success(String outcome) {}

        @Override
        public void failure(Throwable error) {}
    };

    /**
     * Ends the operation with an answer.
     *
     * @param outcome the answer, a lower-case constant from a small fixed set (see {@link Outcomes}),
     *     safe as a tag value
     */
    void success(String outcome);

    /**
     * Ends the operation with the exception it throws to its caller.
     *
     * @param error the exception (an implementation may use its class, never its message, as a tag)
     */
    void failure(Throwable error);
}
