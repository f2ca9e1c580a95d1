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
     * Whether this sink drops every event unseen, so callers may skip building events for it. Only
     * a sink whose {@link #publish} does nothing may answer true; the default is false.
     *
     * @return true if publishing to this sink has no effect
     */
    default boolean discards() {
        return false;
    }

    /**
     * A sink that drops every event ({@link #discards()} is true).
     *
     * @return the sink
     */
    static EventSink discarding() {
        return DiscardingSink.INSTANCE;
    }
}
