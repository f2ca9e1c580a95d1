package dev.orderkit.redis.internal;

/**
 * Test seam of the reservation steps: called between the scripts of a multi-slot reservation and
 * between the header claim and the part steps of commit / expire / release / fulfil. A hook that
 * throws simulates a process dying at that point; a hook that blocks pauses the operation so that
 * another one can run in between. The default does nothing. Implementations must be thread-safe.
 */
@FunctionalInterface
public interface SagaHook {
    /** No-op hook. */
    SagaHook NONE = (step, id, index) -> {};

    /**
     * Called at a step.
     *
     * @param step {@code "before-holds"} (header PENDING written), {@code "part-held"} (part
     *             {@code index} held), {@code "abort-header"} (header ABORTING, no part undone yet);
     *             {@code "commit-header"} / {@code "expire-header"} /
     *             {@code "release-header"} / {@code "fulfil-header"} (header moved to COMMITTING /
     *             EXPIRING / RELEASING / FULFILLING, no part touched yet); {@code "commit-part"} /
     *             {@code "expire-part"} / {@code "release-part"} / {@code "fulfil-part"} (part
     *             {@code index} transitioned, also when finishing another caller's step); {@code "extend-part"}
     *             (part {@code index} of a cluster reservation extended, its header not yet)
     * @param reservationId the reservation
     * @param index part index (0 for the header steps)
     */
    void at(String step, String reservationId, int index);
}
