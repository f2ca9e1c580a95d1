package dev.orderkit.rabbitmq;

import com.rabbitmq.client.AMQP;
import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.orderkit.core.event.EventDeliveryException;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import java.io.IOException;
import java.time.Duration;
import java.util.Date;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.jspecify.annotations.Nullable;

/**
 * Relays each event to a RabbitMQ exchange and returns only once the broker confirmed it
 * (publisher confirms).
 *
 * <p>Wire it as the outbox publisher's sink, e.g.
 * {@code backend.outboxPublisher(RabbitMqEventSink.create(connectionFactory, "orderkit.events"))}.
 * The exchange must exist (declare it, typically a {@code topic} exchange, with its queues and
 * bindings in your own set-up code): this sink declares nothing.
 *
 * <p>Each message is published
 * <ul>
 *   <li>with the routing key {@link #routingKey(EventType)}: the type in lower case with dots,
 *       e.g. {@code order.confirmed}, {@code reservation.released} (bind {@code order.#} for every
 *       order event);</li>
 *   <li>persistent ({@code delivery_mode=2}), {@code content_type=application/json}, the body
 *       {@link EventJson} (schema version 1);</li>
 *   <li>with {@code message_id} = the stable event id (consumers de-duplicate by it), {@code type}
 *       = the {@code EventType} name, {@code timestamp} = the event time, and the headers
 *       {@value #HEADER_SUBJECT_ID} (the aggregate) and, when set, {@value #HEADER_SCOPE};</li>
 *   <li>{@code mandatory} by default: a message no queue is bound to receive is returned by the
 *       broker and counts as not delivered.</li>
 * </ul>
 *
 * <p>{@link #publish} waits for the broker's confirm (at most {@code confirmTimeout}). When the
 * broker nacks the message (e.g. a full queue with {@code reject-publish}), returns it as
 * unroutable, does not answer in time or the connection is lost, it throws
 * {@link EventDeliveryException}; the outbox publisher delivers the event again later (at least
 * once). After a failure the next call opens a new channel (and a new connection if the old one
 * is closed).
 *
 * <p>Thread-safe: calls are serialized on one confirm-mode channel, which also keeps the outbox's
 * per-aggregate order. {@link #close()} closes the channel and the connection this sink opened.
 */
public final class RabbitMqEventSink implements EventSink, AutoCloseable {
    /** Header carrying {@link OrderKitEvent#subjectId()}. */
    public static final String HEADER_SUBJECT_ID = "orderkit-subject-id";
    /** Header carrying {@link OrderKitEvent#scope()} (absent for stock-only events). */
    public static final String HEADER_SCOPE = "orderkit-scope";

    private final ConnectionFactory factory;
    private final String exchange;
    private final Duration confirmTimeout;
    private final boolean mandatory;
    private final AtomicReference<@Nullable String> returned = new AtomicReference<>();
    private @Nullable Connection connection;
    private @Nullable Channel channel;
    private boolean closed;

    private RabbitMqEventSink(ConnectionFactory factory, String exchange, Duration confirmTimeout, boolean mandatory) {
        this.factory = factory.clone();
        // this sink reopens what it needs itself, on the next publish
        this.factory.setAutomaticRecoveryEnabled(false);
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.confirmTimeout = Objects.requireNonNull(confirmTimeout, "confirmTimeout");
        if (confirmTimeout.isNegative() || confirmTimeout.isZero()) {
            throw new IllegalArgumentException("confirmTimeout must be positive");
        }
        this.mandatory = mandatory;
    }

    /**
     * A sink publishing mandatory messages to {@code exchange}, waiting up to 30 s per confirm.
     * Connects lazily, on the first {@link #publish}.
     *
     * @param factory connection settings (host, credentials, virtual host ...); copied
     * @param exchange the exchange (must exist; {@code ""} is the default exchange)
     * @return the sink
     */
    public static RabbitMqEventSink create(ConnectionFactory factory, String exchange) {
        return create(factory, exchange, Duration.ofSeconds(30), true);
    }

    /**
     * A sink with explicit options. Connects lazily, on the first {@link #publish}.
     *
     * @param factory connection settings; copied
     * @param exchange the exchange (must exist)
     * @param confirmTimeout how long {@link #publish} waits for the broker's confirm
     * @param mandatory whether an unroutable message (no bound queue) fails the publish
     * @return the sink
     * @throws IllegalArgumentException if the timeout is not positive
     */
    public static RabbitMqEventSink create(
            ConnectionFactory factory, String exchange, Duration confirmTimeout, boolean mandatory) {
        return new RabbitMqEventSink(Objects.requireNonNull(factory, "factory"), exchange, confirmTimeout, mandatory);
    }

    /**
     * The routing key of an event type: its name in lower case, {@code _} replaced by {@code .}
     * ({@code ORDER_CONFIRMED} → {@code order.confirmed}).
     *
     * @param type the type
     * @return the routing key
     */
    public static String routingKey(EventType type) {
        return type.name().toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /**
     * Publishes the event and waits for the broker's confirm.
     *
     * @param event the event
     * @throws EventDeliveryException if the broker nacked or returned it, did not confirm it within
     *     the timeout, or the connection failed; the event may still arrive (redelivery is safe)
     * @throws IllegalStateException if the sink is closed
     */
    @Override
    public synchronized void publish(OrderKitEvent event) {
        if (closed) {
            throw new IllegalStateException("sink is closed");
        }
        Map<String, Object> headers = new HashMap<>();
        headers.put(HEADER_SUBJECT_ID, event.subjectId());
        if (event.scope() != null) {
            headers.put(HEADER_SCOPE, event.scope());
        }
        AMQP.BasicProperties props = new AMQP.BasicProperties.Builder()
                .contentType("application/json")
                .deliveryMode(2)
                .messageId(event.id())
                .type(event.type().name())
                .timestamp(Date.from(event.at()))
                .headers(headers)
                .build();
        try {
            Channel ch = channel();
            returned.set(null);
            ch.basicPublish(exchange, routingKey(event.type()), mandatory, props, EventJson.toBytes(event));
            // a nack or a timeout closes the channel ("or die"): the next publish opens a fresh one
            ch.waitForConfirmsOrDie(confirmTimeout.toMillis());
            // the broker sends basic.return before the basic.ack of an unroutable mandatory message
            if (event.id().equals(returned.get())) {
                throw new EventDeliveryException(
                        "RabbitMQ returned event " + event.id() + " as unroutable: no queue is bound to exchange '"
                                + exchange + "' for routing key " + routingKey(event.type()),
                        null);
            }
        } catch (IOException | TimeoutException | RuntimeException e) {
            if (e instanceof EventDeliveryException ede) {
                throw ede;
            }
            resetChannel();
            throw new EventDeliveryException(
                    "RabbitMQ did not confirm event " + event.id() + " on exchange '" + exchange + "': " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            resetChannel();
            throw new EventDeliveryException("interrupted while waiting for RabbitMQ to confirm " + event.id(), e);
        }
    }

    private Channel channel() throws IOException, TimeoutException {
        Channel ch = channel;
        if (ch != null && ch.isOpen()) {
            return ch;
        }
        Connection c = connection;
        if (c == null || !c.isOpen()) {
            closeQuietly(c);
            c = factory.newConnection("orderkit-event-relay");
            connection = c;
        }
        ch = c.createChannel();
        ch.confirmSelect();
        ch.addReturnListener(r -> returned.set(r.getProperties().getMessageId()));
        channel = ch;
        return ch;
    }

    private void resetChannel() {
        Channel ch = channel;
        channel = null;
        if (ch != null && ch.isOpen()) {
            try {
                ch.close();
            } catch (IOException | TimeoutException | RuntimeException e) {
                // already broken: a fresh one is opened on the next publish
            }
        }
    }

    private static void closeQuietly(@Nullable Connection c) {
        if (c != null) {
            try {
                c.abort();
            } catch (RuntimeException e) {
                // already gone
            }
        }
    }

    /**
     * The exchange events go to.
     *
     * @return the exchange
     */
    public String exchange() {
        return exchange;
    }

    /** Closes the channel and the connection (idempotent); later publishes fail. */
    @Override
    public synchronized void close() {
        closed = true;
        resetChannel();
        Connection c = connection;
        connection = null;
        if (c != null && c.isOpen()) {
            try {
                c.close();
            } catch (IOException | RuntimeException e) {
                closeQuietly(c);
            }
        }
    }
}
