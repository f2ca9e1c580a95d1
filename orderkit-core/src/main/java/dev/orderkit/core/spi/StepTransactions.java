package dev.orderkit.core.spi;

import java.util.function.Supplier;

/**
 * Optional SPI for backends whose stock storage, order store and idempotency store live in one
 * transactional database: core runs each placement step together with the order status that
 * records it (the recovery point) inside {@link #inTransaction}, so the step's writes and its
 * recovery point commit together or not at all (Stripe's "atomic phases"). A crash can then never
 * leave, for example, a stock hold whose order does not say it was reserved.
 *
 * <p>Inside {@code work} the backend's SPI methods must join the ambient transaction (using
 * savepoints for their own all-or-nothing parts) instead of committing on their own. Core does not
 * retry individual SPI calls inside {@code work}; it retries the whole unit. Implementations are
 * thread-safe; a transaction is bound to the calling thread.
 */
public interface StepTransactions {

    /** No shared transaction: every SPI call commits on its own (in-memory, Redis, mixed backends). */
    StepTransactions NONE = new StepTransactions() {
        @Override
        public <T> T inTransaction(Supplier<T> work) {
            return work.get();
        }

        @Override
        public boolean isAtomic() {
            return false;
        }
    };

    /**
     * Runs {@code work} in one transaction: commits when it returns, rolls back when it throws.
     *
     * @param work the unit of work (SPI calls of the same backend)
     * @param <T> result type
     * @return what {@code work} returned
     * @throws dev.orderkit.core.BackendUnavailableException if the transaction cannot commit
     * @throws dev.orderkit.core.ConcurrencyConflictException on a deadlock or serialization failure
     */
    <T> T inTransaction(Supplier<T> work);

    /**
     * Whether {@link #inTransaction} really makes its work atomic.
     *
     * @return true for a transactional backend
     */
    default boolean isAtomic() {
        return true;
    }
}
