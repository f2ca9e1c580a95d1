package dev.orderkit.webhooks;

import java.util.List;
import java.util.Optional;

/**
 * Where subscriptions and delivery states live. {@link InMemoryWebhookStore} keeps them in the
 * heap (lost on restart); a durable implementation lets {@link WebhookDispatcher#resumePending()}
 * pick up, after a restart, the deliveries that were still pending. Implementations must be
 * thread-safe.
 */
public interface WebhookStore {

    /**
     * Adds or replaces a subscription (by id).
     *
     * @param subscription the subscription
     */
    void saveSubscription(WebhookSubscription subscription);

    /**
     * Removes a subscription; its deliveries stay.
     *
     * @param id the subscription id
     * @return true if it existed
     */
    boolean removeSubscription(String id);

    /**
     * Every subscription.
     *
     * @return a snapshot
     */
    List<WebhookSubscription> subscriptions();

    /**
     * Adds a delivery unless one with its id exists (an event handed over again).
     *
     * @param delivery a new {@code PENDING} delivery
     * @return true if added, false if the id was known
     */
    boolean addDelivery(WebhookDelivery delivery);

    /**
     * Replaces a delivery's state (by id).
     *
     * @param delivery the new state
     */
    void updateDelivery(WebhookDelivery delivery);

    /**
     * A delivery by id.
     *
     * @param id the delivery id
     * @return it, or empty
     */
    Optional<WebhookDelivery> delivery(String id);

    /**
     * Deliveries in a status, oldest first.
     *
     * @param status the status
     * @param limit the maximum number
     * @return a snapshot
     */
    List<WebhookDelivery> deliveries(WebhookDelivery.Status status, int limit);
}
