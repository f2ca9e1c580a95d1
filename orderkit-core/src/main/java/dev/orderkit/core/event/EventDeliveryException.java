package dev.orderkit.core.event;

import dev.orderkit.core.OrderKitException;
import org.jspecify.annotations.Nullable;

/**
 * An {@link dev.orderkit.core.spi.EventSink} could not confirm that an event reached its destination
 * (a broker did not acknowledge it, refused it, could not route it, or did not answer in time). The
 * event may or may not have arrived: the caller (the outbox publisher) delivers it again later, and
 * consumers de-duplicate by {@link OrderKitEvent#id()}. Retryable.
 */
public class EventDeliveryException extends OrderKitException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what was not confirmed
     * @param cause the client's exception, if any
     */
    public EventDeliveryException(String message, @Nullable Throwable cause) {
        super(message, cause);
    }

    @Override
    public boolean isRetryable() {
        return true;
    }
}
