package dev.orderkit.testkit;

import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StepTransactions;
import dev.orderkit.core.spi.StockStorage;

/**
 * The backend under test, as the contract suites see it. A backend's test creates one per test
 * (in its own schema / key prefix) and drops everything in {@link #close()}.
 *
 * <p>A backend that implements only some SPIs returns in-memory implementations for the others
 * and says so in {@link #description()}.
 */
public interface BackendFixture extends AutoCloseable {

    /**
     * The stock storage under test.
     *
     * @return the storage
     */
    StockStorage stockStorage();

    /**
     * The idempotency store under test.
     *
     * @return the store
     */
    IdempotencyStore idempotencyStore();

    /**
     * The order store under test.
     *
     * @return the store
     */
    OrderStore orderStore();

    /**
     * The message inbox under test ({@link InboxStoreContract}).
     *
     * <p>The default serves backends that have no inbox of their own: an {@link InMemoryInboxStore},
     * the same instance for every call on this fixture. For such a backend
     * {@link InboxStoreContract} only re-tests the in-memory store (its cross-process checks are
     * meaningless), so do not subclass the contract for it.
     *
     * @return the store
     */
    default InboxStore inboxStore() {
        return DefaultInboxes.of(this);
    }

    /**
     * The backend's atomic phases, if stock, orders and keys share one transactional database
     * (see {@code StepTransactions}); the order-level suites wire it into every kit they build.
     *
     * @return {@link StepTransactions#NONE} unless the backend overrides it
     */
    default StepTransactions stepTransactions() {
        return StepTransactions.NONE;
    }

    /**
     * The backend's outbox, where its order store and stock storage record their events with
     * their changes ({@link OutboxContract}). The default has none.
     *
     * @return the outbox store
     * @throws UnsupportedOperationException if the backend records no events in an outbox
     */
    default OutboxStore outboxStore() {
        throw new UnsupportedOperationException(getClass().getName() + " has no outbox; override outboxStore()");
    }

    /**
     * The fault injector of this fixture's backends, for the ambiguous-failure suite: it must make
     * the SPIs returned by this fixture fail where the backend's real failures happen (see
     * {@link FaultInjection}). The default has none.
     *
     * @return the injector
     * @throws UnsupportedOperationException if the fixture cannot inject faults
     */
    default FaultInjection faults() {
        throw new UnsupportedOperationException(getClass().getName() + " does not inject faults; override faults()");
    }

    /**
     * A short description for test output, e.g. {@code postgresql 15 schema ok_1234}.
     *
     * @return the description
     */
    default String description() {
        return getClass().getSimpleName();
    }

    /** Drops the schema / keys this fixture created. */
    @Override
    default void close() {}
}
