package dev.orderkit.core.memory;

import dev.orderkit.core.Order;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.OrderStore;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link OrderStore}: compare-and-set through {@link ConcurrentHashMap#compute}.
 * Events are handed to the {@link EventSink} after the change (a sink failure is logged, never
 * undoes the change). State lives in this JVM only.
 */
public final class InMemoryOrderStore implements OrderStore {
    private static final Logger LOG = LoggerFactory.getLogger(InMemoryOrderStore.class);
    private final ConcurrentHashMap<String, Order> orders = new ConcurrentHashMap<>();
    /** (scope, key) → id of the latest order created with it. */
    private final ConcurrentHashMap<List<String>, String> byKey = new ConcurrentHashMap<>();
    private final EventSink sink;

    /**
     * Creates a store.
     *
     * @param sink where events go
     */
    public InMemoryOrderStore(EventSink sink) {
        this.sink = Objects.requireNonNull(sink, "sink");
    }

    @Override
    public boolean insert(Order order, List<OrderKitEvent> events) {
        boolean inserted = orders.putIfAbsent(order.id(), order) == null;
        if (inserted) {
            byKey.merge(List.of(order.scope(), order.idempotencyKey()), order.id(),
                    (old, neu) -> orders.get(old).createdAt().isAfter(order.createdAt()) ? old : neu);
            publish(events);
        }
        return inserted;
    }

    @Override
    public Optional<Order> find(String orderId) {
        return Optional.ofNullable(orders.get(orderId));
    }

    @Override
    public Optional<Order> findByKey(String scope, String idempotencyKey) {
        String id = byKey.get(List.of(scope, idempotencyKey));
        return id == null ? Optional.empty() : find(id);
    }

    @Override
    public boolean update(Order order, long expectedVersion, List<OrderKitEvent> events) {
        boolean[] ok = {false};
        orders.computeIfPresent(order.id(), (id, current) -> {
            if (current.version() != expectedVersion) {
                return current;
            }
            ok[0] = true;
            return order;
        });
        if (ok[0]) {
            publish(events);
        }
        return ok[0];
    }

    @Override
    public List<Order> findStale(Set<OrderStatus> statuses, Instant updatedBefore, int limit) {
        return orders.values().stream()
                .filter(o -> statuses.contains(o.status()) && o.updatedAt().isBefore(updatedBefore))
                .sorted(Comparator.comparing(Order::updatedAt))
                .limit(limit)
                .toList();
    }

    private void publish(List<OrderKitEvent> events) {
        for (OrderKitEvent e : events) {
            try {
                sink.publish(e);
            } catch (RuntimeException ex) {
                LOG.warn("event sink failed for {}", e.id(), ex);
            }
        }
    }
}
