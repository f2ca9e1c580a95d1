package dev.orderkit.webhooks;

import dev.orderkit.core.event.OrderKitEvent;
import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The state of one event's delivery to one subscription.
 *
 * @param id {@code <event id>@<subscription id>}: the same event is delivered once per subscription
 * @param subscriptionId the subscription
 * @param event the event (its JSON is the request body)
 * @param status where the delivery stands
 * @param attempts HTTP requests made so far (replays included)
 * @param lastError the last failure (status code, timeout, connection error), or {@code null}
 * @param createdAt when the event was handed to the dispatcher
 * @param updatedAt when the state last changed
 */
public record WebhookDelivery(
        String id,
        String subscriptionId,
        OrderKitEvent event,
        Status status,
        int attempts,
        @Nullable String lastError,
        Instant createdAt,
        Instant updatedAt) {

    /** Where a delivery stands. */
    public enum Status {
        /** Not yet confirmed by a 2xx answer: being tried or waiting for its next attempt. */
        PENDING,
        /** The endpoint answered 2xx. */
        DELIVERED,
        /** Every attempt failed: a dead letter, kept until replayed. */
        DEAD
    }

    /** Validates presence. */
    public WebhookDelivery {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * The delivery id of an event for a subscription.
     *
     * @param eventId the event id
     * @param subscriptionId the subscription id
     * @return {@code eventId + "@" + subscriptionId}
     */
    public static String idOf(String eventId, String subscriptionId) {
        return eventId + "@" + subscriptionId;
    }

    /**
     * A copy with another state.
     *
     * @param newStatus the status
     * @param newAttempts the attempt count
     * @param error the last error or {@code null}
     * @param at when it changed
     * @return the copy
     */
    public WebhookDelivery with(Status newStatus, int newAttempts, @Nullable String error, Instant at) {
        return new WebhookDelivery(id, subscriptionId, event, newStatus, newAttempts, error, createdAt, at);
    }
}
