package dev.orderkit.core;

/**
 * What one {@link OrderKit#purge()} deleted. Immutable.
 *
 * @param idempotencyKeys completed idempotency keys whose retention ended
 * @param reservations terminal reservations (released, expired, fulfilled) with their lines
 * @param movements stock movements folded into their level's snapshot movement
 * @param sentEvents published ({@code SENT}) outbox events
 * @param inboxMessages completed inbox messages
 * @param orders terminal orders handed to the {@link OrderArchiver} and deleted (0 without one)
 * @param complete false when some kind still had work after {@link Retention#maxBatches()}
 *     batches: call {@code purge()} again (the next scheduled run does)
 */
public record PurgeReport(
        long idempotencyKeys,
        long reservations,
        long movements,
        long sentEvents,
        long inboxMessages,
        long orders,
        boolean complete) {

    /**
     * The total number of records deleted or folded.
     *
     * @return the sum of the counts
     */
    public long total() {
        return idempotencyKeys + reservations + movements + sentEvents + inboxMessages + orders;
    }
}
