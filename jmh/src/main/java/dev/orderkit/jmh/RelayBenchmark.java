package dev.orderkit.jmh;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.OutboxPublisher;
import dev.orderkit.kafka.KafkaEventSink;
import dev.orderkit.rabbitmq.RabbitMqEventSink;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.test.KafkaClusterTestKit;
import org.apache.kafka.common.test.TestKitNodes;
import org.h2.jdbcx.JdbcDataSource;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Outbox → relay: one {@code OutboxPublisher} round (claim a batch of up to 100 outbox rows on H2,
 * hand each event to the relay sink, which returns once the broker confirmed it, mark the row
 * {@code SENT}) per operation, to Kafka (a single-node KRaft broker started in this JVM from
 * Kafka's test kit, idempotent producer, {@code acks=all}) or to RabbitMQ (the server on
 * 127.0.0.1:5672, publisher confirms, persistent messages, one durable queue bound). The
 * {@code events} counter is the delivery rate in events/s (the primary score counts rounds). The
 * outbox is topped up between operations (outside the measurement) by placing orders, so every
 * round has a full batch. One thread: one publisher, as the outbox's per-aggregate order wants.
 * The tear-down checks that every delivered event reached the broker.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
public class RelayBenchmark {
    private static final int BATCH = 100;

    /**
     * {@code kafka}, {@code rabbitmq}, or {@code none}: the baseline, a sink that accepts every event
     * at once (the outbox's own cost: claiming, reading and marking rows on H2).
     */
    @Param({"kafka", "rabbitmq", "none"})
    public String broker;

    private KafkaClusterTestKit kafkaCluster;
    private String kafkaTopic;
    private Connection rabbitAdmin;
    private String rabbitExchange;
    private String rabbitQueue;
    private AutoCloseable sinkToClose;
    private OutboxPublisher publisher;
    private OrderKit kit;
    private int orders;
    private final AtomicLong confirmed = new AtomicLong();
    private long delivered;

    /** Events delivered per second: JMH reports the rate of this counter. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Events {
        /** Events the round delivered. */
        public long events;
    }

    /**
     * Starts (or connects to) the broker, an H2 outbox and its publisher.
     *
     * @throws Exception if the broker cannot start or be reached
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        EventSink relay;
        if (broker.equals("kafka")) {
            kafkaCluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                            .setCombined(true)
                            .setNumBrokerNodes(1)
                            .setNumControllerNodes(1)
                            .build())
                    .setConfigProp("offsets.topic.replication.factor", "1")
                    .build();
            kafkaCluster.format();
            kafkaCluster.startup();
            kafkaCluster.waitForReadyBrokers();
            String topic = "orderkit-jmh-" + UUID.randomUUID();
            kafkaTopic = topic;
            try (Admin admin = kafkaCluster.admin()) {
                admin.createTopics(List.of(new NewTopic(topic, 3, (short) 1)))
                        .all()
                        .get(60, TimeUnit.SECONDS);
            }
            KafkaEventSink sink = KafkaEventSink.create(kafkaCluster.bootstrapServers(), topic);
            sinkToClose = sink;
            relay = sink;
        } else if (broker.equals("rabbitmq")) {
            ConnectionFactory factory = new ConnectionFactory();
            String uri = System.getenv("ORDERKIT_TEST_RABBITMQ_URI");
            factory.setUri(uri != null && !uri.isBlank() ? uri : "amqp://guest:guest@127.0.0.1:5672/%2F");
            rabbitAdmin = factory.newConnection("orderkit-jmh-admin");
            rabbitExchange = "orderkit_jmh_x_" + UUID.randomUUID();
            rabbitQueue = "orderkit_jmh_q_" + UUID.randomUUID();
            try (Channel ch = rabbitAdmin.createChannel()) {
                ch.exchangeDeclare(rabbitExchange, "topic", false, false, null);
                ch.queueDeclare(rabbitQueue, true, false, false, null);
                ch.queueBind(rabbitQueue, rabbitExchange, "#");
            }
            RabbitMqEventSink sink = RabbitMqEventSink.create(factory, rabbitExchange);
            sinkToClose = sink;
            relay = sink;
        } else if (broker.equals("none")) {
            relay = e -> {};
            sinkToClose = () -> {};
        } else {
            throw new IllegalArgumentException("broker must be kafka, rabbitmq or none: " + broker);
        }
        EventSink counting = (OrderKitEvent e) -> {
            relay.publish(e);
            confirmed.incrementAndGet();
        };
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:relay_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        JdbcBackend backend = JdbcBackend.builder().dataSource(ds).build();
        backend.migrate();
        publisher = backend.outboxPublisher(
                counting,
                new OutboxPublisher.Settings(
                        BATCH, 10, Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofMinutes(1), Duration.ZERO));
        kit = OrderKit.builder()
                .stockStorage(backend.stockStorage())
                .idempotencyStore(backend.idempotencyStore())
                .orderStore(backend.orderStore())
                .stepTransactions(backend.stepTransactions())
                .paymentPort(new SimulatedPaymentPort())
                .build();
        kit.stock().adjust(StockKey.of("relay-sku"), 100_000_000, "benchmark stock");
    }

    /** Places orders until the outbox holds a full batch (not measured). */
    @Setup(Level.Invocation)
    public void topUp() {
        while (publisher.count("PENDING") < BATCH) {
            for (int i = 0; i < 20; i++) {
                var r = kit.orders()
                        .place(PlaceOrderRequest.builder(
                                        dev.orderkit.core.Scope.of("jmh"), IdempotencyKey.of("relay-" + orders++))
                                .line("relay-sku", 1, 100)
                                .build());
                if (r.outcome() != PlacementOutcome.PLACED) {
                    throw new IllegalStateException("placement failed: " + r.outcome());
                }
            }
        }
    }

    /**
     * One outbox round to the broker.
     *
     * @param counter the events counter
     * @return events delivered
     */
    @Benchmark
    public int outboxToRelay(Events counter) {
        int n = publisher.publishPending();
        counter.events += n;
        delivered += n;
        return n;
    }

    /** Messages the broker holds: the queue's depth, or the sum of the topic's end offsets. */
    private long onBroker() throws Exception {
        if (rabbitAdmin != null) {
            try (Channel ch = rabbitAdmin.createChannel()) {
                return ch.queueDeclarePassive(rabbitQueue).getMessageCount();
            }
        }
        try (Admin admin = kafkaCluster.admin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int p = 0; p < 3; p++) {
                latest.put(new TopicPartition(kafkaTopic, p), OffsetSpec.latest());
            }
            long sum = 0;
            for (var info :
                    admin.listOffsets(latest).all().get(60, TimeUnit.SECONDS).values()) {
                sum += info.offset();
            }
            return sum;
        }
    }

    /**
     * Checks every delivered event was confirmed by the broker, then stops everything.
     *
     * @throws Exception if closing fails
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        try {
            if (delivered == 0 || confirmed.get() < delivered) {
                throw new IllegalStateException("RelayBenchmark[" + broker + "]: " + delivered + " delivered, "
                        + confirmed.get() + " confirmed");
            }
            if (publisher.count("DEAD") > 0) {
                throw new IllegalStateException("RelayBenchmark[" + broker + "]: dead letters");
            }
            long onBroker = broker.equals("none") ? confirmed.get() : onBroker();
            if (onBroker < delivered) {
                throw new IllegalStateException(
                        "RelayBenchmark[" + broker + "]: " + delivered + " delivered, " + onBroker + " on the broker");
            }
        } finally {
            kit.close();
            sinkToClose.close();
            if (rabbitAdmin != null) {
                try (Channel ch = rabbitAdmin.createChannel()) {
                    ch.queueDelete(rabbitQueue);
                    ch.exchangeDelete(rabbitExchange);
                }
                rabbitAdmin.close();
            }
            if (kafkaCluster != null) {
                kafkaCluster.close();
            }
        }
    }
}
