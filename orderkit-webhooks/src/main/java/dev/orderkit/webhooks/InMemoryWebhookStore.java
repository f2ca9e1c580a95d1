package dev.orderkit.webhooks;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A {@link WebhookStore} in the heap: subscriptions and delivery states are lost when the process
 * stops (pending deliveries with them). Thread-safe. Delivered states are kept until
 * {@link #purgeDelivered()}.
 */
public final class InMemoryWebhookStore implements WebhookStore {
    private final Map<String, WebhookSubscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, WebhookDelivery> deliveries = new ConcurrentHashMap<>();

    /** Creates an empty store. */
    public InMemoryWebhookStore() {}

    @Override
    public void saveSubscription(WebhookSubscription subscription) {
        subscriptions.put(subscription.id(), subscription);
    }

    @Override
    public boolean removeSubscription(String id) {
        return subscriptions.remove(id) != null;
    }

    @Override
    public List<WebhookSubscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    @Override
    public boolean addDelivery(WebhookDelivery delivery) {
        return deliveries.putIfAbsent(delivery.id(), delivery) == null;
    }

    @Override
    public void updateDelivery(WebhookDelivery delivery) {
        deliveries.put(delivery.id(), delivery);
    }

    @Override
    public Optional<WebhookDelivery> delivery(String id) {
        return Optional.ofNullable(deliveries.get(id));
    }

    @Override
    public List<WebhookDelivery> deliveries(WebhookDelivery.Status status, int limit) {
        return deliveries.values().stream()
                .filter(d -> d.status() == status)
                .sorted(Comparator.comparing(WebhookDelivery::createdAt).thenComparing(WebhookDelivery::id))
                .limit(limit)
                .toList();
    }

    /**
     * Forgets every {@code DELIVERED} state (a later hand-over of the same event is then delivered
     * again).
     *
     * @return how many were removed
     */
    public int purgeDelivered() {
        int before = deliveries.size();
        deliveries.values().removeIf(d -> d.status() == WebhookDelivery.Status.DELIVERED);
        return before - deliveries.size();
    }
}
