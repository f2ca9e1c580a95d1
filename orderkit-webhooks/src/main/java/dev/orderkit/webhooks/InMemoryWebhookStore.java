package dev.orderkit.webhooks;

import dev.orderkit.webhooks.WebhookDelivery.Status;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jspecify.annotations.Nullable;

/**
 * A {@link WebhookStore} in the heap: subscriptions and delivery states are lost when the process
 * stops (pending deliveries with them), and only dispatchers of this process can share it.
 * Thread-safe; each method is atomic (one {@link ConcurrentHashMap#compute} per delivery).
 * Delivered states are kept until {@link #purgeDelivered}.
 */
public final class InMemoryWebhookStore implements WebhookStore {
    /** A delivery plus the token of its claim ({@code null} when unclaimed). */
    private record Row(WebhookDelivery d, @Nullable String token) {}

    private final Map<String, WebhookSubscription> subscriptions = new ConcurrentHashMap<>();
    private final Map<String, Row> deliveries = new ConcurrentHashMap<>();

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
    public Optional<WebhookSubscription> subscription(String id) {
        return Optional.ofNullable(subscriptions.get(id));
    }

    @Override
    public List<WebhookSubscription> subscriptions() {
        return List.copyOf(subscriptions.values());
    }

    @Override
    public boolean addDelivery(WebhookDelivery delivery) {
        return deliveries.putIfAbsent(delivery.id(), new Row(delivery, null)) == null;
    }

    @Override
    public Optional<Claim> claim(String deliveryId, Instant now, Instant claimUntil) {
        String token = UUID.randomUUID().toString();
        Row[] won = new Row[1];
        deliveries.computeIfPresent(deliveryId, (id, r) -> {
            WebhookDelivery d = r.d();
            Instant until = d.claimedUntil();
            if (d.status() != Status.PENDING
                    || d.nextAttemptAt().isAfter(now)
                    || (until != null && until.isAfter(now))) {
                return r;
            }
            won[0] = new Row(
                    state(d, Status.PENDING, d.attempts(), d.lastError(), d.updatedAt(), d.nextAttemptAt(), claimUntil),
                    token);
            return won[0];
        });
        return won[0] == null ? Optional.empty() : Optional.of(new Claim(won[0].d(), token));
    }

    @Override
    public boolean markDelivered(Claim claim, int attempts, Instant now) {
        return update(claim, d -> state(d, Status.DELIVERED, attempts, null, now, d.nextAttemptAt(), null));
    }

    @Override
    public boolean markFailed(
            Claim claim, int attempts, String error, Instant nextAttemptAt, boolean dead, Instant now) {
        return update(
                claim,
                d -> state(
                        d,
                        dead ? Status.DEAD : Status.PENDING,
                        attempts,
                        error,
                        now,
                        dead ? d.nextAttemptAt() : nextAttemptAt,
                        null));
    }

    @Override
    public void unclaim(Claim claim) {
        update(claim, d -> state(d, d.status(), d.attempts(), d.lastError(), d.updatedAt(), d.nextAttemptAt(), null));
    }

    /** Applies a change to the claimed delivery if the claim's token is still its own. */
    private boolean update(Claim claim, UnaryOperator<WebhookDelivery> change) {
        boolean[] done = new boolean[1];
        deliveries.computeIfPresent(claim.delivery().id(), (id, r) -> {
            if (!claim.token().equals(r.token()) || r.d().status() != Status.PENDING) {
                return r;
            }
            done[0] = true;
            return new Row(change.apply(r.d()), null);
        });
        return done[0];
    }

    @Override
    public boolean replay(String deliveryId, Instant now) {
        boolean[] done = new boolean[1];
        deliveries.computeIfPresent(deliveryId, (id, r) -> {
            if (r.d().status() == Status.PENDING) {
                return r;
            }
            done[0] = true;
            return new Row(state(r.d(), Status.PENDING, 0, r.d().lastError(), now, now, null), null);
        });
        return done[0];
    }

    private static WebhookDelivery state(
            WebhookDelivery d,
            Status status,
            int attempts,
            @Nullable String error,
            Instant updatedAt,
            Instant nextAttemptAt,
            @Nullable Instant claimedUntil) {
        return new WebhookDelivery(
                d.id(),
                d.subscriptionId(),
                d.event(),
                status,
                attempts,
                error,
                d.createdAt(),
                updatedAt,
                nextAttemptAt,
                claimedUntil);
    }

    @Override
    public Optional<WebhookDelivery> delivery(String id) {
        Row r = deliveries.get(id);
        return r == null ? Optional.empty() : Optional.of(r.d());
    }

    @Override
    public List<WebhookDelivery> deliveries(Status status, int limit) {
        return deliveries.values().stream()
                .map(Row::d)
                .filter(d -> d.status() == status)
                .sorted(Comparator.comparing(WebhookDelivery::createdAt).thenComparing(WebhookDelivery::id))
                .limit(limit)
                .toList();
    }

    @Override
    public int purgeDelivered(Instant olderThan, int limit) {
        Objects.requireNonNull(olderThan, "olderThan");
        int n = 0;
        for (Row r : deliveries.values()) {
            if (n >= limit) {
                break;
            }
            if (r.d().status() == Status.DELIVERED
                    && r.d().updatedAt().isBefore(olderThan)
                    && deliveries.remove(r.d().id(), r)) {
                n++;
            }
        }
        return n;
    }
}
