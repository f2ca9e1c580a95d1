package dev.orderkit.core.spi;

import dev.orderkit.core.event.OrderKitEvent;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One recorded event in an {@link OutboxStore}, as a claim (or a dead-letter listing) returns it.
 *
 * @param sequence the backend's position of the event: increasing in commit order per aggregate
 * @param event the event (its {@link OrderKitEvent#subjectId()} is the ordering key)
 * @param attempts failed deliveries so far
 * @param createdAt when the event was recorded
 * @param claimToken the token of the claim that returned it ({@code null} in a listing)
 * @param lastError the last delivery failure, if any
 */
public record OutboxEntry(
        long sequence,
        OrderKitEvent event,
        int attempts,
        Instant createdAt,
        @Nullable String claimToken,
        @Nullable String lastError) {
    /** Validates presence. */
    public OutboxEntry {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(createdAt, "createdAt");
    }

    /**
     * The ordering key: events of one aggregate are delivered in sequence order.
     *
     * @return the event's subject id
     */
    public String aggregateId() {
        return event.subjectId();
    }
}
