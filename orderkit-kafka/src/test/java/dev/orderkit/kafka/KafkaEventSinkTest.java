package dev.orderkit.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventDeliveryException;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link KafkaEventSink} against a real single-node KRaft broker started in this JVM from Kafka's own
 * test kit (Maven Central artifacts, no Docker, nothing to install). If the broker cannot start the
 * class fails: it never skips.
 */
class KafkaEventSinkTest {
    private static KafkaClusterTestKit cluster;
    private static String bootstrap;

    @BeforeAll
    static void startBroker() throws Exception {
        cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build())
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .build();
        cluster.format();
        cluster.startup();
        cluster.waitForReadyBrokers();
        bootstrap = cluster.bootstrapServers();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    private static String newTopic(int partitions) throws Exception {
        String topic = "orderkit-test-" + UUID.randomUUID();
        try (Admin admin = cluster.admin()) {
            admin.createTopics(List.of(new NewTopic(topic, partitions, (short) 1)))
                    .all()
                    .get(30, TimeUnit.SECONDS);
        }
        return topic;
    }

    private static void deleteTopic(String topic) throws Exception {
        try (Admin admin = cluster.admin()) {
            admin.deleteTopics(List.of(topic)).all().get(30, TimeUnit.SECONDS);
        }
    }

    /** Reads every record of the topic from the beginning until {@code expected} arrived (or 60 s). */
    private static List<ConsumerRecord<String, byte[]>> consume(String topic, int partitions, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int i = 0; i < partitions; i++) {
                tps.add(new TopicPartition(topic, i));
            }
            consumer.assign(tps);
            consumer.seekToBeginning(tps);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (out.size() < expected && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // anything beyond the expected count (a duplicate) shows up within a few more polls
            for (int i = 0; i < 3; i++) {
                consumer.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<String, byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static OrderKitEvent event(String subject, int version) {
        EventType type = EventType.values()[version % EventType.values().length];
        return OrderKitEvent.of(
                type, subject, version, "shop", Map.of("seq", Integer.toString(version)), Instant.now());
    }

    @Test
    void everyEventArrivesOnceWithItsIdKeyedByAggregateInPerKeyOrder() throws Exception {
        int partitions = 3;
        String topic = newTopic(partitions);
        int threads = 4;
        int subjectsPerThread = 3;
        int versions = 25;
        List<OrderKitEvent> sent = new ArrayList<>();
        try (KafkaEventSink sink = KafkaEventSink.create(bootstrap, topic)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            List<Future<List<OrderKitEvent>>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                futures.add(pool.submit(() -> {
                    // each thread owns its subjects and interleaves them, like one outbox publisher
                    List<OrderKitEvent> mine = new ArrayList<>();
                    for (int v = 1; v <= versions; v++) {
                        for (int s = 0; s < subjectsPerThread; s++) {
                            OrderKitEvent e = event("ord_" + thread + "_" + s, v);
                            sink.publish(e); // returns once acknowledged
                            mine.add(e);
                        }
                    }
                    return mine;
                }));
            }
            for (Future<List<OrderKitEvent>> f : futures) {
                sent.addAll(f.get(120, TimeUnit.SECONDS));
            }
            pool.shutdown();
        }
        List<ConsumerRecord<String, byte[]>> records = consume(topic, partitions, sent.size());
        try {
            assertThat(records).hasSize(sent.size()); // the idempotent producer wrote no duplicates
            Map<String, List<Long>> versionsByKey = new HashMap<>();
            Set<String> ids = new LinkedHashSet<>();
            Map<String, Integer> partitionOfKey = new HashMap<>();
            // within one partition records come in offset order
            records.sort((a, b) -> a.partition() != b.partition()
                    ? Integer.compare(a.partition(), b.partition())
                    : Long.compare(a.offset(), b.offset()));
            for (ConsumerRecord<String, byte[]> r : records) {
                OrderKitEvent e = EventJson.fromBytes(r.value());
                assertThat(r.key()).isEqualTo(e.subjectId());
                assertThat(header(r, KafkaEventSink.HEADER_EVENT_ID)).isEqualTo(e.id());
                assertThat(header(r, KafkaEventSink.HEADER_EVENT_TYPE))
                        .isEqualTo(e.type().name());
                assertThat(header(r, KafkaEventSink.HEADER_CONTENT_TYPE)).isEqualTo("application/json");
                assertThat(partitionOfKey.computeIfAbsent(r.key(), k -> r.partition()))
                        .as("one partition per key")
                        .isEqualTo(r.partition());
                ids.add(e.id());
                versionsByKey
                        .computeIfAbsent(r.key(), k -> new ArrayList<>())
                        .add(Long.parseLong(e.attributes().get("seq")));
            }
            assertThat(ids)
                    .containsExactlyInAnyOrderElementsOf(
                            sent.stream().map(OrderKitEvent::id).toList());
            assertThat(sent)
                    .allSatisfy(e -> assertThat(EventJson.fromBytes(EventJson.toBytes(e)))
                            .isEqualTo(e));
            assertThat(versionsByKey).hasSize(threads * subjectsPerThread);
            List<Long> expected = new ArrayList<>();
            for (long v = 1; v <= versions; v++) {
                expected.add(v);
            }
            versionsByKey.forEach(
                    (key, seen) -> assertThat(seen).as("order of " + key).containsExactlyElementsOf(expected));
        } finally {
            deleteTopic(topic);
        }
    }

    @Test
    void outboxEventsReachKafkaAtLeastOnceWithStableIdsDespiteFailedDeliveries() throws Exception {
        String topic = newTopic(2);
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:kafka_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        JdbcBackend backend = JdbcBackend.builder().dataSource(ds).build();
        backend.migrate();
        Map<String, AtomicInteger> handed = new ConcurrentHashMap<>();
        AtomicInteger calls = new AtomicInteger();
        try (KafkaEventSink kafka = KafkaEventSink.create(bootstrap, topic)) {
            // every 4th call fails before sending, every 7th after Kafka acknowledged it (a
            // publisher crash between the send and marking the row): both are delivered again
            OutboxPublisher publisher = backend.outboxPublisher(
                    e -> {
                        int n = calls.incrementAndGet();
                        handed.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                        if (n % 4 == 0) {
                            throw new EventDeliveryException("injected before send", null);
                        }
                        kafka.publish(e);
                        if (n % 7 == 0) {
                            throw new EventDeliveryException("injected after send", null);
                        }
                    },
                    new OutboxPublisher.Settings(
                            50, 20, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMinutes(1), Duration.ZERO));
            OrderKit kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .stepTransactions(backend.stepTransactions())
                    .paymentPort(new SimulatedPaymentPort())
                    .build();
            kit.stock().adjust(StockKey.of("tee"), 100, "init");
            for (int i = 0; i < 15; i++) {
                var r = kit.orders()
                        .place(PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("k" + i))
                                .line("tee", 1, 500)
                                .build());
                assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (publisher.count("PENDING") > 0 && System.nanoTime() < deadline) {
                publisher.publishPending();
                Thread.sleep(5);
            }
            assertThat(publisher.count("PENDING")).isZero();
            assertThat(publisher.count("DEAD")).isZero();
            long sent = publisher.count("SENT");
            assertThat(handed).hasSize((int) sent);
            assertThat(handed.values()).anySatisfy(n -> assertThat(n.get()).isGreaterThan(1)); // retried
            kit.close();

            int sentToKafka = calls.get() - calls.get() / 4;
            List<ConsumerRecord<String, byte[]>> records = consume(topic, 2, sentToKafka);
            assertThat(records).hasSize(sentToKafka);
            Set<String> consumedIds = new LinkedHashSet<>();
            for (ConsumerRecord<String, byte[]> r : records) {
                OrderKitEvent e = EventJson.fromBytes(r.value());
                assertThat(header(r, KafkaEventSink.HEADER_EVENT_ID)).isEqualTo(e.id());
                assertThat(r.key()).isEqualTo(e.subjectId());
                consumedIds.add(e.id());
            }
            // exactly the outbox's events, each at least once (duplicates carry the same id)
            assertThat(consumedIds).containsExactlyInAnyOrderElementsOf(handed.keySet());
            assertThat(records.size()).isGreaterThan(consumedIds.size());
        } finally {
            deleteTopic(topic);
        }
    }

    @Test
    void anUnreachableBrokerFailsThePublishInsteadOfReturning() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (KafkaEventSink sink =
                KafkaEventSink.create("127.0.0.1:" + port, "nowhere", Map.of(), Duration.ofSeconds(2))) {
            assertThatThrownBy(() -> sink.publish(event("ord_x", 1)))
                    .isInstanceOf(EventDeliveryException.class)
                    .hasMessageContaining("ord_x");
        }
    }
}
