package dev.orderkit.core;

import java.util.List;

/**
 * Receives terminal orders (fulfilled, cancelled, rejected, payment declined) that are older than
 * {@link Retention#orders()}, just before {@link OrderKit#purge()} deletes them: copy them to your
 * own archive (a data warehouse, cold storage). Orders are the shop's records, so nothing deletes
 * them unless one is configured ({@link Retention#withOrderArchiver}).
 *
 * <p>Called from the thread running {@code purge()}, one batch at a time; several instances
 * purging at once may hand the same order to their archivers, so {@link #archive} must be
 * idempotent on the order id (an upsert). If it throws, the batch is not deleted and the exception
 * leaves {@code purge()}; the next purge offers the same orders again.
 */
@FunctionalInterface
public interface OrderArchiver {

    /**
     * Archives a batch of orders that are about to be deleted.
     *
     * @param orders terminal orders, oldest update first; never empty
     * @throws RuntimeException to keep the batch (nothing is deleted)
     */
    void archive(List<Order> orders);
}
