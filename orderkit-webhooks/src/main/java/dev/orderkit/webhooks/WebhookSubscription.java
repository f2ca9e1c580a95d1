package dev.orderkit.webhooks;

import dev.orderkit.core.Scope;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A URL subscribed to event types of one scope (a store / tenant).
 *
 * @param id unique id of the subscription (part of every delivery id), 1 to 255 characters
 * @param scope the scope whose events it receives, or {@code null} for every scope and the
 *     scope-less stock events
 * @param url the HTTPS (or HTTP) endpoint deliveries are POSTed to
 * @param eventTypes the types it receives; empty means every type
 * @param secrets signing secrets, newest first; every delivery carries one {@code v1} signature
 *     per secret, so a receiver can rotate its secret without missing a delivery
 */
public record WebhookSubscription(
        String id, @Nullable String scope, URI url, Set<EventType> eventTypes, List<String> secrets) {

    /** The longest subscription id (durable stores key deliveries by it). */
    public static final int MAX_ID_LENGTH = 255;

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException if the id is blank or longer than 255 characters, the URL is not absolute http(s) or no
     *     secret is given (or one is blank)
     */
    public WebhookSubscription {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(url, "url");
        if (id.isBlank() || id.length() > MAX_ID_LENGTH) {
            throw new IllegalArgumentException(
                    "id must be 1.." + MAX_ID_LENGTH + " characters, not blank: '" + id + "'");
        }
        String s = url.getScheme();
        if (!url.isAbsolute() || !("https".equalsIgnoreCase(s) || "http".equalsIgnoreCase(s))) {
            throw new IllegalArgumentException("url must be an absolute http(s) URL: " + url);
        }
        eventTypes = eventTypes.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(eventTypes));
        secrets = List.copyOf(secrets);
        if (secrets.isEmpty() || secrets.stream().anyMatch(String::isBlank)) {
            throw new IllegalArgumentException("at least one non-blank secret is required");
        }
    }

    /**
     * A subscription of one scope to some event types (none: every type).
     *
     * @param id unique id
     * @param scope the scope
     * @param url the endpoint
     * @param secret the signing secret
     * @param types the types
     * @return the subscription
     */
    public static WebhookSubscription of(String id, Scope scope, URI url, String secret, EventType... types) {
        return new WebhookSubscription(id, scope.value(), url, Set.of(types), List.of(secret));
    }

    /**
     * Whether an event goes to this subscription.
     *
     * @param event the event
     * @return true if the scope and type match
     */
    public boolean matches(OrderKitEvent event) {
        return (scope == null || scope.equals(event.scope()))
                && (eventTypes.isEmpty() || eventTypes.contains(event.type()));
    }
}
