package dev.orderkit.core.spi;

import dev.orderkit.core.event.OrderKitEvent;

/** The sink of {@link EventSink#discarding()}: drops every event, says so. Stateless, thread-safe. */
final class DiscardingSink implements EventSink {
    static final DiscardingSink INSTANCE = new DiscardingSink();

    private DiscardingSink() {}

    @Override
    public void publish(OrderKitEvent event) {}

    @Override
    public boolean discards() {
        return true;
    }
}
