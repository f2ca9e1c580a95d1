package dev.orderkit.webhooks;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where subscriptions and delivery states live: atomic primitives, the {@link WebhookDispatcher}
 * decides (when to retry, when a delivery is dead). {@link InMemoryWebhookStore} keeps them in the
 * heap (lost on restart); a durable store (e.g. {@code JdbcWebhooks.store(backend)} of
 * orderkit-jdbc) lets {@link WebhookDispatcher#resumePending()} pick up, after a restart, the
 * deliveries that were still pending, and lets several dispatchers (threads, processes) share the
 * deliveries.
 *
 * <p>Implementations must be thread-safe, and every method atomic, also between processes that
 * share a durable store:
 * <ul>
 *   <li>{@link #addDelivery} records an event's delivery to a subscription at most once (by id);</li>
 *   <li>{@link #claim} lets one claimant at a time send a delivery: it succeeds only for a
 *       {@code PENDING} delivery that is due and not claimed by a live claim, and returns a fresh
 *       token;</li>
 *   <li>{@link #markDelivered}, {@link #markFailed} and {@link #unclaim} change the delivery only
 *       while the claim's token is still the delivery's (a claimant whose claim lapsed and was taken
 *       over, or whose delivery was finished by another, changes nothing and is told so).</li>
 * </ul>
 * Stores throw unchecked exceptions on infrastructure failures (e.g. orderkit-core's
 * {@code BackendUnavailableException}); the dispatcher tries again later.
 */
public interface WebhookStore {

    /**
     * A delivery claimed for one request.
     *
     * @param delivery the delivery as claimed ({@code PENDING}, {@code claimedUntil} set)
     * @param token the claim's token: the later marks must present it
     */
    record Claim(WebhookDelivery delivery, String token) {
        /** Validates presence. */
        public Claim {
            Objects.requireNonNull(delivery, "delivery");
            Objects.requireNonNull(token, "token");
        }
    }

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
     * A subscription by id.
     *
     * @param id the subscription id
     * @return it, or empty
     */
    Optional<WebhookSubscription> subscription(String id);

    /**
     * Every subscription.
     *
     * @return a snapshot
     */
    List<WebhookSubscription> subscriptions();

    /**
     * Adds a delivery unless one with its id exists (an event handed over again, possibly by
     * another process at the same time).
     *
     * @param delivery a new {@code PENDING} delivery
     * @return true if added, false if the id was known
     */
    boolean addDelivery(WebhookDelivery delivery);

    /**
     * Claims a delivery for one request: succeeds only if it is {@code PENDING}, due
     * ({@code nextAttemptAt <= now}) and not claimed by a live claim ({@code claimedUntil} absent or
     * {@code <= now}); the claim holds until {@code claimUntil}.
     *
     * @param deliveryId the delivery
     * @param now the current time
     * @param claimUntil when the claim lapses (after {@code now})
     * @return the claim with a new token, or empty if the delivery is unknown, finished, not due or
     *     claimed by another claimant
     */
    Optional<Claim> claim(String deliveryId, Instant now, Instant claimUntil);

    /**
     * Records a 2xx answer: {@code DELIVERED} with {@code attempts}, no error, claim cleared.
     *
     * @param claim the claim
     * @param attempts the attempt count including this request
     * @param now the current time
     * @return true if recorded, false if the claim is no longer the delivery's (nothing changed)
     */
    boolean markDelivered(Claim claim, int attempts, Instant now);

    /**
     * Records a failed request: {@code PENDING} again with the next attempt at
     * {@code nextAttemptAt}, or {@code DEAD} if {@code dead}; claim cleared.
     *
     * @param claim the claim
     * @param attempts the attempt count including this request
     * @param error what failed
     * @param nextAttemptAt the earliest time of the next request (ignored when {@code dead})
     * @param dead true to dead-letter the delivery
     * @param now the current time
     * @return true if recorded, false if the claim is no longer the delivery's (nothing changed)
     */
    boolean markFailed(Claim claim, int attempts, String error, Instant nextAttemptAt, boolean dead, Instant now);

    /**
     * Gives a claim back without a request (the dispatcher is stopping): the delivery is claimable
     * again at once. Does nothing if the claim is no longer the delivery's.
     *
     * @param claim the claim
     */
    void unclaim(Claim claim);

    /**
     * Makes a {@code DEAD} or {@code DELIVERED} delivery {@code PENDING} again, due at {@code now},
     * with no attempts (a fresh budget).
     *
     * @param deliveryId the delivery
     * @param now the current time
     * @return true if it was restarted, false if it is unknown or already {@code PENDING}
     */
    boolean replay(String deliveryId, Instant now);

    /**
     * A delivery by id.
     *
     * @param id the delivery id
     * @return it, or empty
     */
    Optional<WebhookDelivery> delivery(String id);

    /**
     * Deliveries in a status, oldest first (by {@code createdAt}; ties in an order of the store's
     * choosing).
     *
     * @param status the status
     * @param limit the maximum number (positive)
     * @return a snapshot
     */
    List<WebhookDelivery> deliveries(WebhookDelivery.Status status, int limit);

    /**
     * Retention: deletes up to {@code limit} {@code DELIVERED} deliveries last updated before
     * {@code olderThan} (a later hand-over of the same event is then delivered again). Pending and
     * dead ones are never deleted.
     *
     * @param olderThan the bound (exclusive)
     * @param limit the maximum number (positive)
     * @return how many were deleted
     */
    int purgeDelivered(Instant olderThan, int limit);
}
