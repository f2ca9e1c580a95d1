package dev.orderkit.examples;

import com.rabbitmq.client.ConnectionFactory;
import dev.orderkit.core.Scope;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.JdbcWebhooks;
import dev.orderkit.jdbc.OutboxPublisher;
import dev.orderkit.kafka.KafkaEventSink;
import dev.orderkit.rabbitmq.RabbitMqEventSink;
import dev.orderkit.webhooks.WebhookDispatcher;
import dev.orderkit.webhooks.WebhookSubscription;
import dev.orderkit.webhooks.WebhookVerifier;
import java.net.URI;
import java.util.List;

/** Template: relaying the JDBC outbox to Kafka, RabbitMQ and signed webhooks (durable on JDBC), and verifying one. */
public final class EventsExample {
    private EventsExample() {}

    /**
     * The three relays, each one line on the backend's outbox (a real application picks one or more
     * and gives each publisher to {@code OrderKit.builder().outboxPublishing(...)}).
     *
     * @param backend the JDBC backend whose outbox is relayed
     * @param rabbit RabbitMQ connection settings
     * @param secret the webhook signing secret
     * @return the publishers
     */
    public static List<OutboxPublisher> relays(JdbcBackend backend, ConnectionFactory rabbit, String secret) {
        // README:events
        OutboxPublisher toKafka = backend.outboxPublisher(KafkaEventSink.create("localhost:9092", "orderkit.events"));
        OutboxPublisher toRabbit = backend.outboxPublisher(RabbitMqEventSink.create(rabbit, "orderkit.events"));

        WebhookDispatcher webhooks = WebhookDispatcher.builder().build(); // signed, retried, dead letters
        webhooks.subscribe(WebhookSubscription.of(
                "erp-shop-a",
                Scope.of("shop-a"),
                URI.create("https://erp.example/hooks"),
                secret,
                EventType.ORDER_CONFIRMED,
                EventType.ORDER_CANCELLED)); // no types: every type
        OutboxPublisher toWebhooks = backend.outboxPublisher(webhooks);
        // END
        return List.of(toKafka, toRabbit, toWebhooks);
    }

    /**
     * Webhooks whose pending deliveries survive a restart and are shared by every instance: the
     * dispatcher on the JDBC backend's webhook store.
     *
     * @param backend the JDBC backend (schema v11 or later)
     * @return the publisher feeding the dispatcher from the outbox
     */
    public static OutboxPublisher durableWebhooks(JdbcBackend backend) {
        // README:webhooks-jdbc
        WebhookDispatcher webhooks = WebhookDispatcher.builder()
                .store(JdbcWebhooks.store(backend)) // subscriptions and deliveries in the database (V11)
                .build();
        webhooks.resumePending(); // at start-up: what a stopped or killed instance left pending
        OutboxPublisher toWebhooks = backend.outboxPublisher(webhooks);
        // END
        return toWebhooks;
    }

    /**
     * A webhook receiver's check.
     *
     * @param secret the subscription's secret
     * @param signatureHeader the {@code Orderkit-Signature} header
     * @param rawBody the request body as received
     * @return the verified event
     */
    public static OrderKitEvent receive(String secret, String signatureHeader, byte[] rawBody) {
        // README:webhook-verify
        // throws WebhookSignatureException (answer 400) if forged, tampered or older than 5 minutes
        OrderKitEvent event = WebhookVerifier.of(secret).verify(signatureHeader, rawBody);
        // at least once: skip an event.id() you have already processed
        // END
        return event;
    }
}
