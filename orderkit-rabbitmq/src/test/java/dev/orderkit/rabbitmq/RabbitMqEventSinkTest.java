package dev.orderkit.rabbitmq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.rabbitmq.client.Channel;
import com.rabbitmq.client.Connection;
import com.rabbitmq.client.ConnectionFactory;
import com.rabbitmq.client.GetResponse;
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
import dev.orderkit.testkit.TestServices;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link RabbitMqEventSink} against the RabbitMQ server on 127.0.0.1:5672 (or
 * {@code ORDERKIT_TEST_RABBITMQ_URI}); skipped when it is absent unless {@code ORDERKIT_IT_REQUIRED}
 * names {@code rabbitmq}, then it fails. Every test declares its own exchange and queues and
 * deletes them.
 */
class RabbitMqEventSinkTest {
    private ConnectionFactory factory;
    private Connection admin;
    private Channel adminChannel;
    private final List<String> exchanges = new ArrayList<>();
    private final List<String> queues = new ArrayList<>();

    @BeforeEach
    void connect() throws Exception {
        String uri = TestServices.resolve(
                "rabbitmq", "ORDERKIT_TEST_RABBITMQ_URI", 5672, "amqp://guest:guest@127.0.0.1:5672/%2F", null);
        factory = new ConnectionFactory();
        factory.setUri(uri);
        admin = factory.newConnection("orderkit-test-admin");
        adminChannel = admin.createChannel();
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (admin == null) {
            return;
        }
        try (Channel ch = admin.createChannel()) {
            for (String q : queues) {
                ch.queueDelete(q);
            }
            for (String x : exchanges) {
                ch.exchangeDelete(x);
            }
        }
        admin.close();
    }

    private String exchange() throws Exception {
        String name = TestServices.uniqueName("orderkit_x");
        adminChannel.exchangeDeclare(name, "topic", false, false, null);
        exchanges.add(name);
        return name;
    }

    private String queue(String exchange, String binding, Map<String, Object> args) throws Exception {
        String name = TestServices.uniqueName("orderkit_q");
        adminChannel.queueDeclare(name, true, false, false, args);
        adminChannel.queueBind(name, exchange, binding);
        queues.add(name);
        return name;
    }

    private List<GetResponse> drain(String queue) throws Exception {
        List<GetResponse> out = new ArrayList<>();
        for (GetResponse r = adminChannel.basicGet(queue, true); r != null; r = adminChannel.basicGet(queue, true)) {
            out.add(r);
        }
        return out;
    }

    private static OrderKitEvent event(String subject, int version, EventType type) {
        return OrderKitEvent.of(
                type, subject, version, "shop", Map.of("seq", Integer.toString(version)), Instant.now());
    }

    @Test
    void confirmedEventsArrivePersistentInOrderWithTheirIdsAndRoutingKeys() throws Exception {
        String x = exchange();
        String all = queue(x, "#", null);
        String ordersOnly = queue(x, "order.#", null);
        List<OrderKitEvent> sent = new ArrayList<>();
        try (RabbitMqEventSink sink = RabbitMqEventSink.create(factory, x)) {
            for (int v = 1; v <= 40; v++) {
                OrderKitEvent e = event("ord_" + (v % 3), v, EventType.values()[v % EventType.values().length]);
                sink.publish(e); // returns after the confirm: the message is in its queues now
                sent.add(e);
            }
        }
        List<GetResponse> got = drain(all);
        assertThat(got).hasSize(sent.size());
        for (int i = 0; i < got.size(); i++) {
            GetResponse r = got.get(i);
            OrderKitEvent e = sent.get(i);
            assertThat(r.getProps().getMessageId()).isEqualTo(e.id());
            assertThat(r.getProps().getDeliveryMode()).isEqualTo(2);
            assertThat(r.getProps().getContentType()).isEqualTo("application/json");
            assertThat(r.getProps().getType()).isEqualTo(e.type().name());
            assertThat(r.getProps()
                            .getHeaders()
                            .get(RabbitMqEventSink.HEADER_SUBJECT_ID)
                            .toString())
                    .isEqualTo(e.subjectId());
            assertThat(r.getEnvelope().getRoutingKey()).isEqualTo(RabbitMqEventSink.routingKey(e.type()));
            assertThat(EventJson.fromBytes(r.getBody())).isEqualTo(e);
        }
        assertThat(drain(ordersOnly))
                .extracting(r -> r.getProps().getMessageId())
                .containsExactlyElementsOf(sent.stream()
                        .filter(e -> e.type().name().startsWith("ORDER_"))
                        .map(OrderKitEvent::id)
                        .toList());
        assertThat(RabbitMqEventSink.routingKey(EventType.ORDER_CONFIRMED)).isEqualTo("order.confirmed");
    }

    @Test
    void aNackFromTheBrokerFailsThePublishAndTheNextOneWorksAgain() throws Exception {
        String x = exchange();
        // a full queue that rejects publishes: the broker nacks the confirm
        String q = queue(x, "#", Map.of("x-max-length", 1, "x-overflow", "reject-publish"));
        try (RabbitMqEventSink sink = RabbitMqEventSink.create(factory, x)) {
            sink.publish(event("ord_1", 1, EventType.ORDER_CREATED));
            assertThatThrownBy(() -> sink.publish(event("ord_1", 2, EventType.ORDER_CONFIRMED)))
                    .isInstanceOf(EventDeliveryException.class)
                    .hasMessageContaining("ord_1:order_confirmed:2");
            assertThat(drain(q)).extracting(r -> r.getProps().getMessageId()).containsExactly("ord_1:order_created:1");
            sink.publish(event("ord_1", 2, EventType.ORDER_CONFIRMED)); // the retry, on a fresh channel
            assertThat(drain(q))
                    .extracting(r -> r.getProps().getMessageId())
                    .containsExactly("ord_1:order_confirmed:2");
        }
    }

    @Test
    void anUnroutableEventFailsUnlessMandatoryIsOff() throws Exception {
        String x = exchange(); // no queue bound
        try (RabbitMqEventSink sink = RabbitMqEventSink.create(factory, x)) {
            assertThatThrownBy(() -> sink.publish(event("ord_2", 1, EventType.ORDER_CREATED)))
                    .isInstanceOf(EventDeliveryException.class)
                    .hasMessageContaining("unroutable");
        }
        try (RabbitMqEventSink sink = RabbitMqEventSink.create(factory, x, Duration.ofSeconds(30), false)) {
            sink.publish(event("ord_2", 1, EventType.ORDER_CREATED)); // confirmed, dropped by the broker
        }
    }

    @Test
    void aMissingExchangeFailsThePublishUntilItExists() throws Exception {
        String x = TestServices.uniqueName("orderkit_x");
        try (RabbitMqEventSink sink = RabbitMqEventSink.create(factory, x)) {
            assertThatThrownBy(() -> sink.publish(event("ord_3", 1, EventType.ORDER_CREATED)))
                    .isInstanceOf(EventDeliveryException.class)
                    .hasMessageContaining(x);
            adminChannel.exchangeDeclare(x, "topic", false, false, null);
            exchanges.add(x);
            String q = queue(x, "#", null);
            sink.publish(event("ord_3", 1, EventType.ORDER_CREATED));
            assertThat(drain(q)).hasSize(1);
        }
    }

    @Test
    void aLostBrokerConnectionFailsThePublishAndTheNextCallReconnects() throws Exception {
        String x = exchange();
        String q = queue(x, "#", null);
        try (CuttableProxy proxy = new CuttableProxy(factory.getHost(), factory.getPort())) {
            ConnectionFactory viaProxy = factory.clone();
            viaProxy.setHost("127.0.0.1");
            viaProxy.setPort(proxy.port());
            try (RabbitMqEventSink sink = RabbitMqEventSink.create(viaProxy, x, Duration.ofSeconds(5), true)) {
                OrderKitEvent first = event("ord_5", 1, EventType.ORDER_CREATED);
                OrderKitEvent second = event("ord_5", 2, EventType.ORDER_CONFIRMED);
                sink.publish(first);
                proxy.cut(); // the broker is gone for the client, and refuses new connections
                assertThatThrownBy(() -> sink.publish(second)).isInstanceOf(EventDeliveryException.class);
                assertThatThrownBy(() -> sink.publish(second)).isInstanceOf(EventDeliveryException.class);
                proxy.restore();
                sink.publish(second); // the outbox's retry: a new connection, confirmed
                assertThat(drain(q))
                        .extracting(r -> r.getProps().getMessageId())
                        .containsExactly(first.id(), second.id());
            }
        }
    }

    @Test
    void outboxEventsReachTheQueueAtLeastOnceWithStableIdsWhenTheBrokerRejectsSome() throws Exception {
        String x = exchange();
        // holds 4 messages and nacks the rest: the publisher must retry them after the drain
        String q = queue(x, "#", Map.of("x-max-length", 4, "x-overflow", "reject-publish"));
        JdbcDataSource ds = new JdbcDataSource();
        ds.setURL("jdbc:h2:mem:rabbit_" + UUID.randomUUID().toString().replace("-", "") + ";DB_CLOSE_DELAY=-1");
        JdbcBackend backend = JdbcBackend.builder().dataSource(ds).build();
        backend.migrate();
        Map<String, AtomicInteger> handed = new ConcurrentHashMap<>();
        AtomicInteger failures = new AtomicInteger();
        // what the broker confirmed: a failure below then tells a confirmed event the queue lost
        // (a broker matter) from one the outbox marked sent without a confirm (an orderkit bug)
        Set<String> confirmed = ConcurrentHashMap.newKeySet();
        try (RabbitMqEventSink rabbit = RabbitMqEventSink.create(factory, x)) {
            OutboxPublisher publisher = backend.outboxPublisher(
                    e -> {
                        handed.computeIfAbsent(e.id(), k -> new AtomicInteger()).incrementAndGet();
                        try {
                            rabbit.publish(e);
                            confirmed.add(e.id());
                        } catch (EventDeliveryException ex) {
                            failures.incrementAndGet();
                            throw ex;
                        }
                    },
                    new OutboxPublisher.Settings(
                            50, 50, Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMinutes(1), Duration.ZERO));
            OrderKit kit = OrderKit.builder()
                    .stockStorage(backend.stockStorage())
                    .idempotencyStore(backend.idempotencyStore())
                    .orderStore(backend.orderStore())
                    .stepTransactions(backend.stepTransactions())
                    .paymentPort(new SimulatedPaymentPort())
                    .build();
            kit.stock().adjust(StockKey.of("mug"), 100, "init");
            for (int i = 0; i < 10; i++) {
                var r = kit.orders()
                        .place(PlaceOrderRequest.builder(Scope.of("shop"), IdempotencyKey.of("k" + i))
                                .line("mug", 1, 500)
                                .build());
                assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
            }
            List<GetResponse> received = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (publisher.count("PENDING") > 0 && System.nanoTime() < deadline) {
                publisher.publishPending();
                received.addAll(drain(q)); // the consumer makes room
                Thread.sleep(5);
            }
            received.addAll(drain(q));
            kit.close();
            assertThat(publisher.count("PENDING")).isZero();
            assertThat(publisher.count("DEAD")).isZero();
            assertThat(failures.get()).as("nacked deliveries").isPositive();
            assertThat(handed).hasSize((int) publisher.count("SENT"));
            assertThat(confirmed).as("confirmed events").containsExactlyInAnyOrderElementsOf(handed.keySet());
            Set<String> ids = new LinkedHashSet<>();
            for (GetResponse r : received) {
                OrderKitEvent e = EventJson.fromBytes(r.getBody());
                assertThat(r.getProps().getMessageId()).isEqualTo(e.id());
                ids.add(e.id());
            }
            assertThat(ids)
                    .as("events in the queue (handed: %s)", handed)
                    .containsExactlyInAnyOrderElementsOf(confirmed);
        }
    }
}
