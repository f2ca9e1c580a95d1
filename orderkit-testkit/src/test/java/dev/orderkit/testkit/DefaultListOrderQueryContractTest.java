package dev.orderkit.testkit;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Proves the default {@link OrderStore#list} (the fallback for stores written before it existed: a
 * filtered and sorted {@link OrderStore#findStale}) against {@link OrderQueryContract}, over an
 * in-memory store that does not override it.
 */
class DefaultListOrderQueryContractTest extends OrderQueryContract {

    /** Delegates everything but {@code list}, which it inherits from the interface. */
    private static final class WithoutList implements OrderStore {
        private final OrderStore d;

        WithoutList(OrderStore d) {
            this.d = d;
        }

        @Override
        public boolean insert(Order order, List<OrderKitEvent> events) {
            return d.insert(order, events);
        }

        @Override
        public Optional<Order> find(String orderId) {
            return d.find(orderId);
        }

        @Override
        public Optional<Order> findByKey(String scope, String idempotencyKey) {
            return d.findByKey(scope, idempotencyKey);
        }

        @Override
        public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
            return d.update(order, expectedVersion, events);
        }

        @Override
        public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
            return d.findStale(statuses, updatedBefore, limit);
        }

        @Override
        public List<Order> findDue(Set<OrderStatus> statuses, Instant now, int limit) {
            return d.findDue(statuses, now, limit);
        }

        @Override
        public int purgeSentEvents(Instant olderThan, int limit) {
            return d.purgeSentEvents(olderThan, limit);
        }

        @Override
        public boolean delete(String orderId, long expectedVersion) {
            return d.delete(orderId, expectedVersion);
        }
    }

    @Override
    protected BackendFixture createFixture() {
        InMemoryBackendFixture memory = new InMemoryBackendFixture();
        OrderStore orders = new WithoutList(memory.orderStore());
        return new BackendFixture() {
            @Override
            public StockStorage stockStorage() {
                return memory.stockStorage();
            }

            @Override
            public IdempotencyStore idempotencyStore() {
                return memory.idempotencyStore();
            }

            @Override
            public OrderStore orderStore() {
                return orders;
            }
        };
    }
}
