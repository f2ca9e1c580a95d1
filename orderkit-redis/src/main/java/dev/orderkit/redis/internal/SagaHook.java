package dev.orderkit.redis.internal;

/**
 * Test seam of the cluster reservation saga: called between the steps of a multi-slot
 * reservation. A hook that throws simulates a process dying at that point. The default does
 * nothing. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface SagaHook {
    /** No-op hook. */
    SagaHook NONE = (step, id, index) -> {
    };

    /**
     * Called at a saga step.
     *
     * @param step {@code "before-holds"} (header PENDING written) or {@code "part-held"} (part
     *             {@code index} held)
     * @param reservationId the reservation
     * @param index part index (0 for before-holds)
     */
    void at(String step, String reservationId, int index);
}
