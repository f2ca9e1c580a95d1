package dev.orderkit.core.spi;

import dev.orderkit.core.event.OrderKitEvent;

/**
 * Receives events. Delivery is at least once: implementations must tolerate duplicates (same
 * {@link OrderKitEvent#id()}). Must be thread-safe. An exception thrown here never undoes the
 * state change that produced the event.
 */
@FunctionalInterface
public interface EventSink {

    /**
     * Handles one event.
     *
     * @param event the event
     */
    void publish(OrderKitEvent event);

    /**
     * A sink that drops every event.
     *
     * @return the sink
     */
    static EventSink discarding() {
        return event -> {};
    }
}
