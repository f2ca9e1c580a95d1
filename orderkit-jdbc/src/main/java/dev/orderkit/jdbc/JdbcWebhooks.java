package dev.orderkit.jdbc;

import dev.orderkit.jdbc.internal.JdbcWebhookStore;
import dev.orderkit.webhooks.WebhookStore;
import java.util.Objects;

/**
 * The durable {@link WebhookStore} of orderkit-webhooks on a {@link JdbcBackend}'s database (tables
 * {@code <prefix>webhook_subscription} and {@code <prefix>webhook_delivery}, schema version 11,
 * applied by {@link JdbcBackend#migrate()}): pending deliveries survive a restart
 * ({@code dispatcher.resumePending()} picks them up), and dispatchers of several processes on the
 * database share the deliveries without sending one twice at once (each request runs under a claim
 * of its row, fenced by a token).
 *
 * <pre>{@code
 * WebhookDispatcher webhooks = WebhookDispatcher.builder().store(JdbcWebhooks.store(backend)).build();
 * webhooks.resumePending();                          // at start-up
 * kit = OrderKit.builder()...outboxPublishing(backend.outboxPublisher(webhooks)).build();
 * }</pre>
 *
 * <p>orderkit-webhooks is an optional dependency of orderkit-jdbc: add it to use this class. It is a
 * class of its own, not a method of {@link JdbcBackend}, so that reflection over the backend (a
 * dependency-injection container introspecting its bean) never needs orderkit-webhooks.
 */
public final class JdbcWebhooks {
    private JdbcWebhooks() {}

    /**
     * The webhook store on the backend's database and table prefix.
     *
     * @param backend the backend
     * @return a store (thread-safe; every method atomic across processes)
     * @throws NullPointerException if {@code backend} is null
     */
    public static WebhookStore store(JdbcBackend backend) {
        return JdbcWebhookStore.create(
                Objects.requireNonNull(backend, "backend").db());
    }
}
