package dev.orderkit.webhooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.Scope;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.webhooks.Receiver.Answer;
import dev.orderkit.webhooks.Receiver.Request;
import dev.orderkit.webhooks.WebhookDelivery.Status;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link WebhookDispatcher} against a real HTTP receiver on a loopback port that fails, times out
 * and answers slowly. Backoff is shortened to milliseconds; no assertion depends on timing.
 */
class WebhookDispatcherTest {
    private static final String SECRET = "whsec_test_1";
    private Receiver receiver;
    private WebhookDispatcher dispatcher;

    @BeforeEach
    void start() throws Exception {
        receiver = new Receiver();
        dispatcher = WebhookDispatcher.builder()
                .maxAttempts(4)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .requestTimeout(Duration.ofMillis(500))
                .build();
    }

    @AfterEach
    void stop() {
        dispatcher.close();
        receiver.close();
    }

    private static OrderKitEvent event(String subject, int version, EventType type, String scope) {
        return OrderKitEvent.of(type, subject, version, scope, Map.of("status", type.name()), Instant.now());
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(5);
        }
    }

    private Status statusOf(String deliveryId) {
        return dispatcher.delivery(deliveryId).map(WebhookDelivery::status).orElse(null);
    }

    private static void assertSigned(Request r, OrderKitEvent e) {
        WebhookVerifier verifier = WebhookVerifier.of(SECRET);
        assertThat(verifier.verify(r.header(WebhookHeaders.SIGNATURE), r.body()))
                .isEqualTo(e);
        assertThat(r.header(WebhookHeaders.EVENT_ID)).isEqualTo(e.id());
        assertThat(r.header(WebhookHeaders.EVENT_TYPE)).isEqualTo(e.type().name());
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(r.body()).isEqualTo(EventJson.toBytes(e));
    }

    @Test
    void aFailingEndpointIsRetriedUntilItAnswers2xxWithTheSameSignedEvent() throws Exception {
        URI url = receiver.endpoint("/flaky", n -> n <= 2 ? new Answer(500, 0) : new Answer(204, 0));
        dispatcher.subscribe(WebhookSubscription.of("sub-1", Scope.of("shop"), url, SECRET));
        OrderKitEvent e = event("ord_1", 3, EventType.ORDER_CONFIRMED, "shop");
        dispatcher.publish(e);
        String id = WebhookDelivery.idOf(e.id(), "sub-1");
        await("delivered", () -> statusOf(id) == Status.DELIVERED);
        List<Request> got = receiver.requests("/flaky");
        assertThat(got).hasSize(3);
        assertThat(got).allSatisfy(r -> assertSigned(r, e));
        assertThat(got).extracting(r -> r.header(WebhookHeaders.ATTEMPT)).containsExactly("1", "2", "3");
        assertThat(got).extracting(r -> r.header(WebhookHeaders.DELIVERY_ID)).containsOnly(id);
        assertThat(dispatcher.delivery(id).orElseThrow().attempts()).isEqualTo(3);
    }

    @Test
    void aTimedOutRequestIsRetriedAndTheReceiverDeduplicatesByEventId() throws Exception {
        // the first request outlives the 500 ms request timeout (but is processed by the receiver)
        URI url = receiver.endpoint("/slow-first", n -> n == 1 ? new Answer(200, 1500) : new Answer(200, 0));
        dispatcher.subscribe(WebhookSubscription.of("sub-t", Scope.of("shop"), url, SECRET));
        OrderKitEvent e = event("ord_2", 1, EventType.ORDER_CREATED, "shop");
        dispatcher.publish(e);
        String id = WebhookDelivery.idOf(e.id(), "sub-t");
        await("delivered", () -> statusOf(id) == Status.DELIVERED);
        List<Request> got = receiver.requests("/slow-first");
        assertThat(got.size()).isGreaterThanOrEqualTo(2);
        assertThat(got).allSatisfy(r -> assertSigned(r, e));
        // the receiver saw the event twice; the event id makes the second one a no-op
        assertThat(got.stream().map(r -> r.header(WebhookHeaders.EVENT_ID)).distinct())
                .containsExactly(e.id());
        assertThat(dispatcher.delivery(id).orElseThrow().attempts()).isEqualTo(got.size());
    }

    @Test
    void aSlowButInTimeEndpointIsDeliveredOnce() throws Exception {
        URI url = receiver.endpoint("/slow", n -> new Answer(200, 150));
        dispatcher.subscribe(WebhookSubscription.of("sub-s", Scope.of("shop"), url, SECRET));
        OrderKitEvent e = event("ord_3", 1, EventType.ORDER_CREATED, "shop");
        dispatcher.publish(e);
        String id = WebhookDelivery.idOf(e.id(), "sub-s");
        await("delivered", () -> statusOf(id) == Status.DELIVERED);
        assertThat(receiver.requests("/slow")).hasSize(1);
        assertThat(dispatcher.delivery(id).orElseThrow().attempts()).isEqualTo(1);
    }

    @Test
    void afterMaxAttemptsTheDeliveryIsDeadAndAReplaySendsTheSameEventAgain() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(false);
        URI url = receiver.endpoint("/down", n -> healthy.get() ? new Answer(200, 0) : new Answer(503, 0));
        dispatcher.subscribe(WebhookSubscription.of("sub-d", Scope.of("shop"), url, SECRET));
        OrderKitEvent e = event("ord_4", 2, EventType.PAYMENT_AUTHORIZED, "shop");
        dispatcher.publish(e);
        String id = WebhookDelivery.idOf(e.id(), "sub-d");
        await("dead letter", () -> statusOf(id) == Status.DEAD);
        assertThat(receiver.requests("/down")).hasSize(4); // maxAttempts
        WebhookDelivery dead = dispatcher.deadLetters(10).get(0);
        assertThat(dead.id()).isEqualTo(id);
        assertThat(dead.attempts()).isEqualTo(4);
        assertThat(dead.lastError()).isEqualTo("HTTP 503");

        // the outbox hands the same event over again: no second delivery is recorded
        dispatcher.publish(e);
        assertThat(dispatcher.deadLetters(10)).hasSize(1);

        healthy.set(true);
        assertThat(dispatcher.replayDead(10)).isEqualTo(1);
        await("replayed", () -> statusOf(id) == Status.DELIVERED);
        List<Request> got = receiver.requests("/down");
        assertThat(got).hasSize(5);
        assertThat(got).allSatisfy(r -> assertSigned(r, e));
        assertThat(dispatcher.deadLetters(10)).isEmpty();
        assertThat(dispatcher.replay(id)).isTrue(); // a delivered one can be replayed on request too
        await("replayed again", () -> receiver.requests("/down").size() == 6);
        await("delivered again", () -> statusOf(id) == Status.DELIVERED);
    }

    @Test
    void aDeliveryLeftPendingByAStoppedDispatcherIsResumedByTheNextOneOnTheSameStore() throws Exception {
        AtomicBoolean healthy = new AtomicBoolean(false);
        URI url = receiver.endpoint("/restart", n -> healthy.get() ? new Answer(200, 0) : new Answer(500, 0));
        InMemoryWebhookStore store = new InMemoryWebhookStore(); // stands in for a durable store
        WebhookDispatcher first = WebhookDispatcher.builder()
                .store(store)
                .maxAttempts(5)
                .jitter(0)
                .backoff(Duration.ofSeconds(2), Duration.ofSeconds(4)) // the retry is due 2 s after the failure
                .build();
        first.subscribe(WebhookSubscription.of("sub-r", Scope.of("shop"), url, SECRET));
        // a second subscriber whose first request is still running when the dispatcher stops
        URI hanging = receiver.endpoint("/hanging", n -> n == 1 ? new Answer(200, 3000) : new Answer(200, 0));
        first.subscribe(WebhookSubscription.of("sub-h", Scope.of("shop"), hanging, SECRET));
        OrderKitEvent e = event("ord_6", 1, EventType.ORDER_CREATED, "shop");
        first.publish(e);
        String id = WebhookDelivery.idOf(e.id(), "sub-r");
        String inFlight = WebhookDelivery.idOf(e.id(), "sub-h");
        await(
                "first attempt",
                () -> store.delivery(id).map(WebhookDelivery::attempts).orElse(0) == 1);
        await("request in flight", () -> receiver.requests("/hanging").size() == 1);
        first.close(); // the process stops: the scheduled retry is gone, the request interrupted
        WebhookDelivery failed = store.delivery(id).orElseThrow();
        assertThat(failed.status()).isEqualTo(Status.PENDING);
        assertThat(failed.nextAttemptAt()).isAfter(failed.updatedAt()); // the backoff is stored
        WebhookDelivery interrupted = store.delivery(inFlight).orElseThrow();
        assertThat(interrupted.status()).isEqualTo(Status.PENDING);
        assertThat(interrupted.claimedUntil()).isNull(); // close() gave the claim back
        assertThat(interrupted.attempts()).isZero();

        healthy.set(true);
        try (WebhookDispatcher second = WebhookDispatcher.builder()
                .store(store)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .build()) {
            assertThat(second.resumePending()).isEqualTo(2);
            assertThat(second.resumePending()).isZero(); // already followed
            await("resumed", () -> store.delivery(id).orElseThrow().status() == Status.DELIVERED);
            // the stored backoff was honoured: the retry came no earlier than it was due
            assertThat(store.delivery(id).orElseThrow().updatedAt()).isAfterOrEqualTo(failed.nextAttemptAt());
            await("resumed", () -> store.delivery(inFlight).orElseThrow().status() == Status.DELIVERED);
        }
        List<Request> got = receiver.requests("/restart");
        assertThat(got).hasSize(2);
        assertThat(got).allSatisfy(r -> assertSigned(r, e));
        assertThat(got).extracting(r -> r.header(WebhookHeaders.ATTEMPT)).containsExactly("1", "2");
    }

    @Test
    void aHandOverRepeatedAfterTheStoreLostItsAcknowledgementIsDelivered() throws Exception {
        URI url = receiver.endpoint("/lost-ack", n -> new Answer(200, 0));
        InMemoryWebhookStore memory = new InMemoryWebhookStore();
        AtomicBoolean loseNextAdd = new AtomicBoolean(true);
        // the insert is applied, but its acknowledgement is lost (connection dropped after commit)
        WebhookStore lossy = (WebhookStore) Proxy.newProxyInstance(
                WebhookStore.class.getClassLoader(), new Class<?>[] {WebhookStore.class}, (proxy, method, args) -> {
                    Object result;
                    try {
                        result = method.invoke(memory, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("addDelivery") && loseNextAdd.getAndSet(false)) {
                        throw new IllegalStateException("connection lost after the commit");
                    }
                    return result;
                });
        try (WebhookDispatcher d = WebhookDispatcher.builder()
                .store(lossy)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .build()) {
            d.subscribe(WebhookSubscription.of("sub-l", Scope.of("shop"), url, SECRET));
            OrderKitEvent e = event("ord_l", 1, EventType.ORDER_CREATED, "shop");
            assertThatThrownBy(() -> d.publish(e)).hasMessageContaining("connection lost");
            d.publish(e); // the outbox hands the event over again: recorded already, followed now
            String id = WebhookDelivery.idOf(e.id(), "sub-l");
            await("delivered", () -> memory.delivery(id).orElseThrow().status() == Status.DELIVERED);
            assertThat(receiver.requests("/lost-ack")).hasSize(1);
        }
    }

    @Test
    void subscriptionsFilterByScopeAndTypeAndEachSubscriberGetsItsOwnDelivery() throws Exception {
        URI a = receiver.endpoint("/a", n -> new Answer(200, 0));
        URI b = receiver.endpoint("/b", n -> new Answer(200, 0));
        URI all = receiver.endpoint("/all", n -> new Answer(200, 0));
        URI down = receiver.endpoint("/never", n -> new Answer(500, 0));
        dispatcher.subscribe(WebhookSubscription.of("a", Scope.of("shop-a"), a, SECRET, EventType.ORDER_CONFIRMED));
        dispatcher.subscribe(WebhookSubscription.of("b", Scope.of("shop-b"), b, SECRET));
        dispatcher.subscribe(new WebhookSubscription("all", null, all, Set.of(), List.of(SECRET)));
        dispatcher.subscribe(WebhookSubscription.of("never", Scope.of("shop-a"), down, SECRET));
        OrderKitEvent confirmedA = event("ord_a", 4, EventType.ORDER_CONFIRMED, "shop-a");
        OrderKitEvent createdA = event("ord_a", 1, EventType.ORDER_CREATED, "shop-a");
        OrderKitEvent createdB = event("ord_b", 1, EventType.ORDER_CREATED, "shop-b");
        OrderKitEvent stock =
                OrderKitEvent.of(EventType.RESERVATION_RELEASED, "cart-1", 2, null, Map.of(), Instant.now());
        for (OrderKitEvent e : List.of(createdA, confirmedA, createdB, stock)) {
            dispatcher.publish(e);
        }
        await("/all", () -> receiver.requests("/all").size() == 4);
        await("/a", () -> receiver.requests("/a").size() == 1);
        await("/b", () -> receiver.requests("/b").size() == 1);
        await("never dead", () -> dispatcher.deadLetters(10).size() == 2); // createdA, confirmedA
        assertThat(receiver.requests("/a").get(0).header(WebhookHeaders.EVENT_ID))
                .isEqualTo(confirmedA.id());
        assertThat(receiver.requests("/b").get(0).header(WebhookHeaders.EVENT_ID))
                .isEqualTo(createdB.id());
        assertThat(receiver.requests("/all"))
                .extracting(r -> r.header(WebhookHeaders.EVENT_ID))
                .containsExactlyInAnyOrder(createdA.id(), confirmedA.id(), createdB.id(), stock.id());
        // a failing subscriber held back nobody else
        assertThat(dispatcher
                        .delivery(WebhookDelivery.idOf(confirmedA.id(), "a"))
                        .orElseThrow()
                        .status())
                .isEqualTo(Status.DELIVERED);
    }

    @Test
    void rotatingASecretSignsWithBothAndEitherVerifies() throws Exception {
        URI url = receiver.endpoint("/rot", n -> new Answer(200, 0));
        dispatcher.subscribe(new WebhookSubscription("rot", "shop", url, Set.of(), List.of("whsec_new", "whsec_old")));
        OrderKitEvent e = event("ord_r", 1, EventType.ORDER_CREATED, "shop");
        dispatcher.publish(e);
        await("request", () -> receiver.requests("/rot").size() == 1);
        Request r = receiver.requests("/rot").get(0);
        assertThat(r.header(WebhookHeaders.SIGNATURE)).matches("t=\\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}");
        assertThat(WebhookVerifier.of("whsec_old").verify(r.header(WebhookHeaders.SIGNATURE), r.body()))
                .isEqualTo(e);
        assertThat(WebhookVerifier.of("whsec_new").verify(r.header(WebhookHeaders.SIGNATURE), r.body()))
                .isEqualTo(e);
    }
}
