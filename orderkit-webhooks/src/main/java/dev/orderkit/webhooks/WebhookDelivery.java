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
 * @param attempts HTTP requests made since the delivery was recorded or last replayed (the budget
 *     of {@code maxAttempts} counts these)
 * @param lastError the last failure (status code, timeout, connection error), or {@code null}
 * @param createdAt when the event was handed to the dispatcher
 * @param updatedAt when the state last changed
 * @param nextAttemptAt when {@code PENDING}: the earliest time of the next request (a failed
 *     request's backoff is durable, so a dispatcher resuming the delivery honours it)
 * @param claimedUntil when a dispatcher is sending it: until when its claim holds (no other
 *     dispatcher sends the delivery before), else {@code null}
 */
public record WebhookDelivery(
        String id,
        String subscriptionId,
        OrderKitEvent event,
        Status status,
        int attempts,
        @Nullable String lastError,
        Instant createdAt,
        Instant updatedAt,
        Instant nextAttemptAt,
        @Nullable Instant claimedUntil) {

    /** Where a delivery stands. */
    public enum Status {
        /** Not yet confirmed by a 2xx answer: being tried or waiting for its next attempt. */
        PENDING,
        /** The endpoint answered 2xx. */
        DELIVERED,
        /** Every attempt failed: a dead letter, kept until replayed. */
        DEAD
    }

    /**
     * Validates presence.
     *
     * @throws NullPointerException if a required component is null
     * @throws IllegalArgumentException if {@code attempts} is negative
     */
    public WebhookDelivery {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(subscriptionId, "subscriptionId");
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        Objects.requireNonNull(nextAttemptAt, "nextAttemptAt");
        if (attempts < 0) {
            throw new IllegalArgumentException("attempts must be >= 0: " + attempts);
        }
    }

    /**
     * A new {@code PENDING} delivery of an event to a subscription, due at once.
     *
     * @param event the event
     * @param subscriptionId the subscription id
     * @param now when the event was handed over
     * @return the delivery, with id {@link #idOf(String, String)}
     */
    public static WebhookDelivery pending(OrderKitEvent event, String subscriptionId, Instant now) {
        return new WebhookDelivery(
                idOf(event.id(), subscriptionId), subscriptionId, event, Status.PENDING, 0, null, now, now, now, null);
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
}
