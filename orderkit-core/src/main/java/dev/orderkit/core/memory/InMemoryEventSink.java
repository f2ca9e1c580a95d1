package dev.orderkit.core.memory;

import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** An {@link EventSink} that keeps every event in memory, for tests and demos. Thread-safe. */
public final class InMemoryEventSink implements EventSink {
    private final CopyOnWriteArrayList<OrderKitEvent> events = new CopyOnWriteArrayList<>();

    /** Creates an empty sink. */
    public InMemoryEventSink() {}

    @Override
    public void publish(OrderKitEvent event) {
        events.add(event);
    }

    /**
     * Every event received, in arrival order.
     *
     * @return an immutable snapshot
     */
    public List<OrderKitEvent> events() {
        return List.copyOf(events);
    }

    /**
     * Events of one type.
     *
     * @param type the type
     * @return an immutable snapshot
     */
    public List<OrderKitEvent> events(EventType type) {
        return events.stream().filter(e -> e.type() == type).toList();
    }

    /** Forgets every event. */
    public void clear() {
        events.clear();
    }
}
