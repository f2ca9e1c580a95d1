package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Storage of orders with compare-and-set updates. An implementation records the given events
 * atomically with the change (the JDBC backend writes them to an outbox in the same transaction;
 * the in-memory one hands them to its {@link EventSink} after the change).
 *
 * <p>Thread-safe and atomic across processes sharing the backend. Infrastructure failures are
 * thrown as {@link BackendUnavailableException}.
 */
public interface OrderStore {

    /**
     * Inserts the order if no order with its id exists.
     *
     * @param order the order (version 0)
     * @param events events to record with it
     * @return true if inserted, false if an order with the id already existed (nothing written)
     */
    boolean insert(Order order, List<OrderKitEvent> events);

    /**
     * Finds an order by id (any scope; core enforces scope visibility).
     *
     * @param orderId the id
     * @return the order, if present
     */
    Optional<Order> find(String orderId);

    /**
     * Finds the order placed with an idempotency key (any status), so a client that lost the
     * response to {@code place} can find out what happened without re-sending the payload. If the
     * key was purged and reused, the most recently created order.
     *
     * @param scope the scope the key belongs to
     * @param idempotencyKey the key
     * @return the order, if one was created with the key
     */
    Optional<Order> findByKey(String scope, String idempotencyKey);

    /**
     * Replaces the order if its stored version equals {@code expectedVersion}.
     *
     * @param order the new state (its version must be {@code expectedVersion + 1})
     * @param expectedVersion the version the caller read
     * @param events events to record with the change
     * @return true if updated, false if the version did not match (nothing written)
     */
    boolean update(Order order, long expectedVersion, List<OrderKitEvent> events);

    /**
     * Whether the events handed to {@link #insert} and {@link #update} go nowhere (e.g. an
     * in-memory store whose sink discards them), so a caller may pass an empty list instead of
     * building them. The default is false: a store that records events (an outbox) needs them.
     *
     * @return true if the events passed to this store are dropped unseen
     */
    default boolean discardsEvents() {
        return false;
    }

    /**
     * Finds orders in the given statuses last updated before {@code updatedBefore}, oldest first.
     *
     * @param statuses statuses to match
     * @param updatedBefore upper bound (exclusive) of {@code updatedAt}
     * @param limit maximum number of orders
     * @return matching orders
     */
    List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit);

    // ------------------------------------------------------------------ retention (OrderKit#purge)

    /**
     * Retention primitive: deletes up to {@code limit} recorded events that were published already
     * (an outbox's {@code SENT} rows) with a send time strictly before {@code olderThan}. Events
     * not yet published, or given up on, are never deleted. Idempotent; core calls it again while
     * it returns {@code limit}. The default deletes nothing (a store without an outbox has nothing
     * to purge).
     *
     * @param olderThan exclusive upper bound of the send times
     * @param limit maximum number deleted by this call, at least 1
     * @return the number deleted
     */
    default int purgeSentEvents(Instant olderThan, int limit) {
        return 0;
    }

    /**
     * Retention primitive: deletes an order if its stored version equals {@code expectedVersion}
     * (core deletes only terminal orders it handed to the application's archiver). Its events are
     * not touched.
     *
     * @param orderId the id
     * @param expectedVersion the version the caller read
     * @return true if deleted; false if the order is gone or has another version (nothing written)
     * @throws UnsupportedOperationException if the store cannot delete orders (the default)
     */
    default boolean delete(String orderId, long expectedVersion) {
        throw new UnsupportedOperationException(getClass().getName() + " cannot delete orders");
    }
}
