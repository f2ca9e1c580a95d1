package dev.orderkit.kafka;

import dev.orderkit.core.event.EventDeliveryException;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Relays each event to a Kafka topic and returns only once the broker acknowledged it.
 *
 * <p>Wire it as the outbox publisher's sink, e.g.
 * {@code backend.outboxPublisher(KafkaEventSink.create("localhost:9092", "orderkit.events"))}.
 *
 * <p>Each record has:
 * <ul>
 *   <li>key: the event's {@link OrderKitEvent#subjectId()} (its aggregate: the order or reservation)
 *       as UTF-8, so one aggregate's events land on one partition, in the order the outbox hands
 *       them over;</li>
 *   <li>value: the event as {@link EventJson} (schema version 1);</li>
 *   <li>headers {@value #HEADER_EVENT_ID} (the stable event id: consumers de-duplicate by it),
 *       {@value #HEADER_EVENT_TYPE} (an {@code EventType} name) and {@value #HEADER_CONTENT_TYPE}
 *       ({@code application/json}).</li>
 * </ul>
 *
 * <p>The producer is idempotent ({@code enable.idempotence=true}, {@code acks=all}), so the client's
 * own retries neither duplicate nor reorder records of a partition. {@link #publish} waits for the
 * acknowledgement (at most {@code sendTimeout}); when it is not confirmed it throws
 * {@link EventDeliveryException}, and the outbox publisher delivers the event again later (at least
 * once: a consumer may see a record twice, with the same event id).
 *
 * <p>Thread-safe (one shared {@code KafkaProducer}). {@link #close()} closes a producer this sink
 * created, not one passed to {@link #of(Producer, String, Duration)}.
 */
public final class KafkaEventSink implements EventSink, AutoCloseable {
    /** Header carrying {@link OrderKitEvent#id()}. */
    public static final String HEADER_EVENT_ID = "orderkit-event-id";
    /** Header carrying the {@link dev.orderkit.core.event.EventType} name. */
    public static final String HEADER_EVENT_TYPE = "orderkit-event-type";
    /** Header carrying the payload's content type, {@code application/json}. */
    public static final String HEADER_CONTENT_TYPE = "content-type";

    private static final byte[] JSON = "application/json".getBytes(StandardCharsets.UTF_8);

    private final Producer<String, byte[]> producer;
    private final String topic;
    private final Duration sendTimeout;
    private final boolean ownsProducer;

    private KafkaEventSink(Producer<String, byte[]> producer, String topic, Duration sendTimeout, boolean owns) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = requireText(topic, "topic");
        this.sendTimeout = Objects.requireNonNull(sendTimeout, "sendTimeout");
        if (sendTimeout.isNegative() || sendTimeout.isZero()) {
            throw new IllegalArgumentException("sendTimeout must be positive");
        }
        this.ownsProducer = owns;
    }

    /**
     * A sink with its own idempotent producer and the default send timeout (30 s).
     *
     * @param bootstrapServers Kafka {@code bootstrap.servers}
     * @param topic the topic every event goes to
     * @return the sink; close it to close its producer
     * @throws IllegalArgumentException if an argument is blank
     * @throws org.apache.kafka.common.KafkaException if the producer cannot be created
     */
    public static KafkaEventSink create(String bootstrapServers, String topic) {
        return create(bootstrapServers, topic, Map.of(), Duration.ofSeconds(30));
    }

    /**
     * A sink with its own idempotent producer.
     *
     * @param bootstrapServers Kafka {@code bootstrap.servers}
     * @param topic the topic every event goes to
     * @param producerConfig more producer settings (security, client id, linger ...); they cannot
     *     turn off idempotence, {@code acks=all} or the serializers
     * @param sendTimeout how long {@link #publish} waits for the acknowledgement (also the
     *     producer's {@code delivery.timeout.ms} and {@code max.block.ms} cap)
     * @return the sink; close it to close its producer
     * @throws IllegalArgumentException if an argument is blank or the timeout not positive
     * @throws org.apache.kafka.common.KafkaException if the producer cannot be created
     */
    public static KafkaEventSink create(
            String bootstrapServers, String topic, Map<String, Object> producerConfig, Duration sendTimeout) {
        Map<String, Object> config = producerConfig(bootstrapServers, producerConfig, sendTimeout);
        return new KafkaEventSink(new KafkaProducer<>(config), topic, sendTimeout, true);
    }

    /**
     * A sink on a producer the caller owns (and closes). The producer should be idempotent with
     * {@code acks=all}; see {@link #producerConfig}.
     *
     * @param producer the producer
     * @param topic the topic every event goes to
     * @param sendTimeout how long {@link #publish} waits for the acknowledgement
     * @return the sink
     * @throws IllegalArgumentException if the topic is blank or the timeout not positive
     */
    public static KafkaEventSink of(Producer<String, byte[]> producer, String topic, Duration sendTimeout) {
        return new KafkaEventSink(producer, topic, sendTimeout, false);
    }

    /**
     * The producer settings {@link #create} uses: the caller's settings, then
     * {@code enable.idempotence=true}, {@code acks=all}, string keys, byte-array values, and
     * delivery / blocking timeouts no longer than {@code sendTimeout}.
     *
     * @param bootstrapServers Kafka {@code bootstrap.servers}
     * @param extra more settings
     * @param sendTimeout the sink's send timeout
     * @return a new mutable map
     * @throws IllegalArgumentException if {@code bootstrapServers} is blank
     */
    public static Map<String, Object> producerConfig(
            String bootstrapServers, Map<String, Object> extra, Duration sendTimeout) {
        Map<String, Object> config = new HashMap<>(extra);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, requireText(bootstrapServers, "bootstrapServers"));
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.putIfAbsent(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 5); // ordered when idempotent
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, sendTimeout.toMillis());
        int requestTimeout = Math.max(1, Math.min(timeoutMs, 30_000) - 1);
        config.putIfAbsent(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, requestTimeout);
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 0);
        // delivery.timeout.ms must be >= linger.ms + request.timeout.ms
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Math.max(timeoutMs, requestTimeout + 1));
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (long) timeoutMs);
        return config;
    }

    /**
     * Sends the event and waits until the broker acknowledged it (all in-sync replicas).
     *
     * @param event the event
     * @throws EventDeliveryException if the broker did not acknowledge it within the send timeout,
     *     refused it, or the producer failed; the event may still arrive (redelivery is safe)
     */
    @Override
    public void publish(OrderKitEvent event) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_EVENT_ID, event.id().getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_EVENT_TYPE, event.type().name().getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_CONTENT_TYPE, JSON);
        ProducerRecord<String, byte[]> record =
                new ProducerRecord<>(topic, null, event.subjectId(), EventJson.toBytes(event), headers);
        try {
            producer.send(record).get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EventDeliveryException("interrupted while waiting for Kafka to acknowledge " + event.id(), e);
        } catch (ExecutionException e) {
            throw new EventDeliveryException(
                    "Kafka did not acknowledge event " + event.id() + " on " + topic + ": " + e.getCause(),
                    e.getCause());
        } catch (TimeoutException e) {
            throw new EventDeliveryException(
                    "Kafka did not acknowledge event " + event.id() + " on " + topic + " within " + sendTimeout, e);
        } catch (KafkaException e) {
            throw new EventDeliveryException("Kafka producer failed to send event " + event.id() + ": " + e, e);
        }
    }

    /**
     * The topic events go to.
     *
     * @return the topic
     */
    public String topic() {
        return topic;
    }

    /** Closes the producer if this sink created it (waits up to the send timeout to flush). */
    @Override
    public void close() {
        if (ownsProducer) {
            producer.close(sendTimeout);
        }
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isBlank()) {
            throw new IllegalArgumentException(name + " must not be blank");
        }
        return value;
    }
}
