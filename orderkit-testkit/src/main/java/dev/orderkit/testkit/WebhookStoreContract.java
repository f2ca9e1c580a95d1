package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Scope;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.testkit.WebhookReceiver.Answer;
import dev.orderkit.testkit.WebhookReceiver.Request;
import dev.orderkit.webhooks.WebhookDelivery;
import dev.orderkit.webhooks.WebhookDelivery.Status;
import dev.orderkit.webhooks.WebhookDispatcher;
import dev.orderkit.webhooks.WebhookHeaders;
import dev.orderkit.webhooks.WebhookStore;
import dev.orderkit.webhooks.WebhookStore.Claim;
import dev.orderkit.webhooks.WebhookSubscription;
import dev.orderkit.webhooks.WebhookVerifier;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of a {@link WebhookStore} (orderkit-webhooks; this suite needs it on the test
 * classpath): subscriptions round-trip, a delivery is recorded once per (event, subscription) also
 * when hand-overs race, a claim is exclusive (one winner among racing claimants on two clients;
 * live claims block, lapsed ones are taken over), marks and unclaims are fenced by the claim token,
 * failed requests keep their durable backoff, dead letters are listed and replayed, retention
 * deletes only old delivered states. Then, with real {@link WebhookDispatcher}s and a real local
 * HTTP receiver: two dispatchers (one per client) with many threads never send one delivery twice
 * at once, and a dispatcher started on the same data after another was killed mid-request delivers
 * its pending deliveries through {@link WebhookDispatcher#resumePending()}; every request's
 * signature verifies with {@link WebhookVerifier}.
 *
 * <p>A store proves itself with a concrete subclass implementing {@link #createFixture()}.
 */
public abstract class WebhookStoreContract {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String SECRET = "whsec_contract";
    private static final int RACERS = 16;
    private static final int ROUNDS = 5;

    /** A store under test, with a second client of the same data. */
    public interface Fixture extends AutoCloseable {
        /**
         * The store under test (fresh and empty for each test).
         *
         * @return the store
         */
        WebhookStore store();

        /**
         * Another client of the same data, as another process would have (its own pool); a store
         * of one process only returns {@link #store()}.
         *
         * @return the peer client
         */
        WebhookStore peer();

        /** Drops what the fixture created. */
        @Override
        void close();
    }

    private Fixture fixture;
    /** The store under test. */
    protected WebhookStore store;
    /** A second client of the same data. */
    protected WebhookStore peer;

    /** Subclasses are created by JUnit. */
    protected WebhookStoreContract() {}

    /**
     * Creates the store under test: fresh and empty. Called before each test; closed after it.
     *
     * @return the fixture
     */
    protected abstract Fixture createFixture();

    /** Opens the fixture. */
    @BeforeEach
    protected final void openWebhookFixture() {
        fixture = createFixture();
        store = fixture.store();
        peer = fixture.peer();
    }

    /** Closes the fixture. */
    @AfterEach
    protected final void closeWebhookFixture() {
        if (fixture != null) {
            fixture.close();
        }
    }

    private static OrderKitEvent event(String subject, int version) {
        return OrderKitEvent.of(
                EventType.ORDER_CONFIRMED,
                subject,
                version,
                "shop",
                Map.of("status", "CONFIRMED", "n", "" + version),
                T0);
    }

    private static WebhookSubscription sub(String id) {
        return WebhookSubscription.of(id, Scope.of("shop"), URI.create("https://example.test/hooks/" + id), SECRET);
    }

    private WebhookDelivery added(OrderKitEvent e, String subscriptionId, Instant at) {
        WebhookDelivery d = WebhookDelivery.pending(e, subscriptionId, at);
        assertThat(store.addDelivery(d)).as("add %s", d.id()).isTrue();
        return d;
    }

    private WebhookDelivery state(String id) {
        return store.delivery(id).orElseThrow(() -> new AssertionError("delivery " + id + " is missing"));
    }

    private static <T> List<T> race(List<Callable<T>> tasks) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(tasks.size());
        try {
            CountDownLatch start = new CountDownLatch(1);
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> t : tasks) {
                futures.add(pool.submit(() -> {
                    start.await();
                    return t.call();
                }));
            }
            start.countDown();
            List<T> out = new ArrayList<>();
            for (Future<T> f : futures) {
                out.add(f.get(60, TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static void await(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(10);
        }
    }

    // ---------------------------------------------------------------- subscriptions

    @Test
    void subscriptionsRoundTripAndAreSharedBetweenClients() {
        WebhookSubscription a = new WebhookSubscription(
                "sub-a",
                null,
                URI.create("https://a.example.test/hook?x=1&y=%20"),
                EnumSet.of(EventType.ORDER_CREATED, EventType.STOCK_RESERVED),
                List.of("whsec_new", "whsec_old"));
        WebhookSubscription b = sub("sub-b");
        store.saveSubscription(a);
        store.saveSubscription(b);
        assertThat(peer.subscription("sub-a")).contains(a);
        assertThat(peer.subscriptions()).containsExactlyInAnyOrder(a, b);
        WebhookSubscription replaced = sub("sub-a");
        peer.saveSubscription(replaced);
        assertThat(store.subscription("sub-a")).contains(replaced);
        assertThat(store.subscriptions()).hasSize(2);
        assertThat(store.removeSubscription("sub-a")).isTrue();
        assertThat(peer.removeSubscription("sub-a")).isFalse();
        assertThat(peer.subscription("sub-a")).isEmpty();
        assertThat(store.subscriptions()).containsExactly(b);
    }

    // ---------------------------------------------------------------- recording

    @Test
    void aDeliveryIsRecordedOncePerEventAndSubscriptionAndRoundTrips() {
        OrderKitEvent e = event("ord_1", 1);
        WebhookDelivery d = added(e, "sub-1", T0);
        assertThat(store.addDelivery(WebhookDelivery.pending(e, "sub-1", T0.plusSeconds(5))))
                .isFalse();
        assertThat(peer.addDelivery(d)).isFalse();
        assertThat(peer.delivery(d.id())).contains(d);
        assertThat(state(d.id()).event()).isEqualTo(e);
        assertThat(EventJson.toBytes(state(d.id()).event())).isEqualTo(EventJson.toBytes(e)); // same signed body
        // the same event for another subscription is another delivery
        assertThat(store.addDelivery(WebhookDelivery.pending(e, "sub-2", T0))).isTrue();
        assertThat(store.deliveries(Status.PENDING, 10)).hasSize(2);
        assertThat(store.delivery("nope@sub-1")).isEmpty();
    }

    @Test
    void racingHandOversOfOneEventRecordOneDelivery() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            WebhookDelivery d = WebhookDelivery.pending(event("ord_race_" + round, 1), "sub-1", T0);
            List<Callable<Boolean>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                WebhookStore client = i % 2 == 0 ? store : peer;
                tasks.add(() -> client.addDelivery(d));
            }
            assertThat(race(tasks)).as("round %d", round).containsOnlyOnce(true);
        }
        assertThat(store.deliveries(Status.PENDING, 100)).hasSize(ROUNDS);
    }

    @Test
    void hostileAndLongestIdsRoundTrip() {
        String longSubscription = "s".repeat(WebhookSubscription.MAX_ID_LENGTH);
        OrderKitEvent hostile = new OrderKitEvent(
                "o'; DROP TABLE x; --:ordér_✓:%_\\:" + "e".repeat(900),
                EventType.STOCK_RESERVED,
                "sku-'\"@loc",
                null,
                Map.of("k\"ey", "va'lue\n"),
                T0);
        WebhookDelivery d = added(hostile, longSubscription, T0);
        assertThat(state(d.id())).isEqualTo(d);
        assertThat(store.addDelivery(d)).isFalse();
        Optional<Claim> c = store.claim(d.id(), T0, T0.plus(LEASE));
        assertThat(c).isPresent();
        assertThat(store.markDelivered(c.get(), 1, T0)).isTrue();
        assertThat(state(d.id()).status()).isEqualTo(Status.DELIVERED);
        // a delivery whose id only differs by a suffix is another one
        WebhookDelivery other = added(hostile, longSubscription.substring(1), T0);
        assertThat(state(other.id()).status()).isEqualTo(Status.PENDING);
    }

    // ---------------------------------------------------------------- claims

    @Test
    void aClaimIsExclusiveUntilItLapsesAndATakenOverClaimChangesNothing() {
        WebhookDelivery d = added(event("ord_2", 1), "sub-1", T0);
        Claim first = store.claim(d.id(), T0, T0.plus(LEASE)).orElseThrow();
        assertThat(first.delivery().id()).isEqualTo(d.id());
        assertThat(first.delivery().status()).isEqualTo(Status.PENDING);
        assertThat(first.delivery().claimedUntil()).isEqualTo(T0.plus(LEASE));
        assertThat(state(d.id()).claimedUntil()).isEqualTo(T0.plus(LEASE));
        // live: nobody else, on either client, claims it
        assertThat(store.claim(d.id(), T0.plusSeconds(1), T0.plusSeconds(60))).isEmpty();
        assertThat(peer.claim(d.id(), T0.plus(LEASE).minusNanos(1000), T0.plusSeconds(90)))
                .isEmpty();
        // lapsed: taken over, with a new token
        Claim second =
                peer.claim(d.id(), T0.plus(LEASE), T0.plus(LEASE).plus(LEASE)).orElseThrow();
        assertThat(second.token()).isNotEqualTo(first.token());
        // the first claimant's marks change nothing
        assertThat(store.markDelivered(first, 1, T0.plusSeconds(31))).isFalse();
        assertThat(store.markFailed(first, 1, "HTTP 500", T0.plusSeconds(40), false, T0.plusSeconds(31)))
                .isFalse();
        assertThat(store.markFailed(first, 1, "HTTP 500", T0.plusSeconds(40), true, T0.plusSeconds(31)))
                .isFalse();
        store.unclaim(first);
        WebhookDelivery held = state(d.id());
        assertThat(held.status()).isEqualTo(Status.PENDING);
        assertThat(held.attempts()).isZero();
        assertThat(held.claimedUntil()).isEqualTo(T0.plus(LEASE).plus(LEASE));
        assertThat(store.claim(d.id(), T0.plusSeconds(45), T0.plusSeconds(100))).isEmpty(); // still held by second
        // the live claimant records
        assertThat(peer.markDelivered(second, 1, T0.plusSeconds(32))).isTrue();
        WebhookDelivery done = state(d.id());
        assertThat(done.status()).isEqualTo(Status.DELIVERED);
        assertThat(done.attempts()).isEqualTo(1);
        assertThat(done.lastError()).isNull();
        assertThat(done.claimedUntil()).isNull();
        assertThat(done.updatedAt()).isEqualTo(T0.plusSeconds(32));
        assertThat(done.createdAt()).isEqualTo(T0);
        // finished: not claimable, and the claim cannot record twice
        assertThat(store.claim(d.id(), T0.plusSeconds(100), T0.plusSeconds(200)))
                .isEmpty();
        assertThat(peer.markDelivered(second, 2, T0.plusSeconds(33))).isFalse();
        assertThat(store.claim("unknown@sub-1", T0, T0.plus(LEASE))).isEmpty();
    }

    @Test
    void racingClaimsOnTwoClientsHaveExactlyOneWinner() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            WebhookDelivery d = added(event("ord_claim_" + round, 1), "sub-1", T0);
            List<Callable<Optional<Claim>>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                WebhookStore client = i % 2 == 0 ? store : peer;
                tasks.add(() -> client.claim(d.id(), T0, T0.plus(LEASE)));
            }
            assertThat(race(tasks).stream().filter(Optional::isPresent).count())
                    .as("claims won in round %d", round)
                    .isEqualTo(1);
        }
    }

    @Test
    void racingTakeoversOfALapsedClaimHaveExactlyOneWinner() throws Exception {
        for (int round = 0; round < ROUNDS; round++) {
            WebhookDelivery d = added(event("ord_take_" + round, 1), "sub-1", T0);
            Claim stale = store.claim(d.id(), T0, T0.plusSeconds(1)).orElseThrow();
            Instant later = T0.plusSeconds(2);
            List<Callable<Optional<Claim>>> tasks = new ArrayList<>();
            for (int i = 0; i < RACERS; i++) {
                WebhookStore client = i % 2 == 0 ? store : peer;
                tasks.add(() -> client.claim(d.id(), later, later.plus(LEASE)));
            }
            tasks.add(() -> store.markDelivered(stale, 1, later) ? Optional.of(stale) : Optional.empty());
            List<Optional<Claim>> results = race(tasks);
            long winners = results.stream().filter(Optional::isPresent).count();
            // the stale claimant may still record (nobody had taken over yet), or one takeover wins
            assertThat(winners).as("round %d", round).isEqualTo(1);
        }
    }

    @Test
    void aFailedRequestKeepsItsBackoffAndDeadLettersAreListedAndReplayed() {
        WebhookDelivery d = added(event("ord_3", 1), "sub-1", T0);
        Claim c1 = store.claim(d.id(), T0, T0.plus(LEASE)).orElseThrow();
        assertThat(store.markFailed(c1, 1, "HTTP 503", T0.plusSeconds(10), false, T0.plusSeconds(1)))
                .isTrue();
        WebhookDelivery failed = state(d.id());
        assertThat(failed.status()).isEqualTo(Status.PENDING);
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.lastError()).isEqualTo("HTTP 503");
        assertThat(failed.nextAttemptAt()).isEqualTo(T0.plusSeconds(10));
        assertThat(failed.claimedUntil()).isNull();
        assertThat(failed.updatedAt()).isEqualTo(T0.plusSeconds(1));
        // not due yet, on either client; a second mark of the same claim changes nothing
        assertThat(peer.claim(d.id(), T0.plusSeconds(9), T0.plusSeconds(60))).isEmpty();
        assertThat(store.markDelivered(c1, 2, T0.plusSeconds(2))).isFalse();
        Claim c2 = peer.claim(d.id(), T0.plusSeconds(10), T0.plusSeconds(60)).orElseThrow();
        assertThat(c2.delivery().attempts()).isEqualTo(1);
        assertThat(c2.delivery().lastError()).isEqualTo("HTTP 503");
        assertThat(peer.markFailed(c2, 2, "timeout after PT10S", T0.plusSeconds(99), true, T0.plusSeconds(11)))
                .isTrue();
        WebhookDelivery dead = state(d.id());
        assertThat(dead.status()).isEqualTo(Status.DEAD);
        assertThat(dead.attempts()).isEqualTo(2);
        assertThat(dead.lastError()).isEqualTo("timeout after PT10S");
        assertThat(store.claim(d.id(), T0.plusSeconds(200), T0.plusSeconds(300)))
                .isEmpty();
        assertThat(peer.deliveries(Status.DEAD, 10)).containsExactly(dead);
        assertThat(store.deliveries(Status.PENDING, 10)).isEmpty();
        // replayed: pending, due at once, a fresh budget; a pending one is not replayed
        assertThat(store.replay(d.id(), T0.plusSeconds(500))).isTrue();
        assertThat(peer.replay(d.id(), T0.plusSeconds(501))).isFalse();
        assertThat(store.replay("unknown@sub-1", T0)).isFalse();
        WebhookDelivery replayed = state(d.id());
        assertThat(replayed.status()).isEqualTo(Status.PENDING);
        assertThat(replayed.attempts()).isZero();
        assertThat(replayed.nextAttemptAt()).isEqualTo(T0.plusSeconds(500));
        assertThat(store.deliveries(Status.DEAD, 10)).isEmpty();
        Claim c3 = store.claim(d.id(), T0.plusSeconds(500), T0.plusSeconds(600)).orElseThrow();
        assertThat(store.markDelivered(c3, 1, T0.plusSeconds(501))).isTrue();
        // a delivered one can be replayed too
        assertThat(peer.replay(d.id(), T0.plusSeconds(502))).isTrue();
        assertThat(state(d.id()).status()).isEqualTo(Status.PENDING);
    }

    @Test
    void anUnclaimedDeliveryIsClaimableAtOnceAndAStaleUnclaimChangesNothing() {
        WebhookDelivery d = added(event("ord_4", 1), "sub-1", T0);
        Claim c1 = store.claim(d.id(), T0, T0.plus(LEASE)).orElseThrow();
        store.unclaim(c1);
        WebhookDelivery back = state(d.id());
        assertThat(back.claimedUntil()).isNull();
        assertThat(back.attempts()).isZero();
        assertThat(back.status()).isEqualTo(Status.PENDING);
        Claim c2 = peer.claim(d.id(), T0.plusSeconds(1), T0.plus(LEASE)).orElseThrow();
        store.unclaim(c1); // stale: c2 still holds it
        assertThat(store.claim(d.id(), T0.plusSeconds(2), T0.plus(LEASE))).isEmpty();
        assertThat(peer.markDelivered(c2, 1, T0.plusSeconds(3))).isTrue();
    }

    @Test
    void deliveriesAreListedOldestFirstUpToTheLimit() {
        List<String> expected = new ArrayList<>();
        for (int i : new int[] {3, 0, 4, 1, 2}) {
            added(event("ord_list_" + i, 1), "sub-1", T0.plusSeconds(i));
        }
        for (int i = 0; i < 5; i++) {
            expected.add(WebhookDelivery.idOf(event("ord_list_" + i, 1).id(), "sub-1"));
        }
        assertThat(peer.deliveries(Status.PENDING, 10))
                .extracting(WebhookDelivery::id)
                .containsExactlyElementsOf(expected);
        assertThat(store.deliveries(Status.PENDING, 2))
                .extracting(WebhookDelivery::id)
                .containsExactlyElementsOf(expected.subList(0, 2));
        assertThat(store.deliveries(Status.DELIVERED, 10)).isEmpty();
    }

    @Test
    void retentionDeletesOnlyOldDeliveredStatesUpToTheLimit() {
        List<String> delivered = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            WebhookDelivery d = added(event("ord_old_" + i, 1), "sub-1", T0);
            Claim c = store.claim(d.id(), T0, T0.plus(LEASE)).orElseThrow();
            assertThat(store.markDelivered(c, 1, T0.plusSeconds(i))).isTrue(); // updated at T0 + i
            delivered.add(d.id());
        }
        WebhookDelivery pending = added(event("ord_pending", 1), "sub-1", T0);
        WebhookDelivery dead = added(event("ord_dead", 1), "sub-1", T0);
        Claim c = store.claim(dead.id(), T0, T0.plus(LEASE)).orElseThrow();
        assertThat(store.markFailed(c, 1, "HTTP 410", T0, true, T0)).isTrue();

        assertThat(peer.purgeDelivered(T0.plusSeconds(3), 2)).isEqualTo(2); // the limit
        assertThat(store.purgeDelivered(T0.plusSeconds(3), 100)).isEqualTo(1); // the bound is exclusive
        assertThat(store.purgeDelivered(T0.plusSeconds(3), 100)).isZero();
        for (int i = 0; i < 5; i++) {
            assertThat(store.delivery(delivered.get(i)).isPresent())
                    .as("delivered %d kept", i)
                    .isEqualTo(i >= 3);
        }
        assertThat(store.purgeDelivered(T0.plusSeconds(1000), 100)).isEqualTo(2);
        assertThat(state(pending.id()).status()).isEqualTo(Status.PENDING);
        assertThat(state(dead.id()).status()).isEqualTo(Status.DEAD);
        // a purged delivery is forgotten: the same event handed over again is recorded again
        assertThat(store.addDelivery(WebhookDelivery.pending(event("ord_old_0", 1), "sub-1", T0)))
                .isTrue();
    }

    // ---------------------------------------------------------------- dispatchers over HTTP

    private static void assertSigned(Request r, OrderKitEvent e) {
        assertThat(WebhookVerifier.of(SECRET).verify(r.header(WebhookHeaders.SIGNATURE), r.body()))
                .isEqualTo(e);
        assertThat(r.header(WebhookHeaders.EVENT_ID)).isEqualTo(e.id());
        assertThat(r.body()).isEqualTo(EventJson.toBytes(e));
    }

    private static OrderKitEvent liveEvent(String subject) {
        return OrderKitEvent.of(
                EventType.ORDER_CREATED, subject, 1, "shop", Map.of("status", "CREATED"), Instant.now());
    }

    @Test
    void twoDispatchersWithManyThreadsNeverSendOneDeliveryTwiceAtOnce() throws Exception {
        int events = 12;
        try (WebhookReceiver receiver = new WebhookReceiver(WebhookHeaders.DELIVERY_ID)) {
            // every delivery's first request fails slowly, the second one succeeds slowly
            URI url = receiver.endpoint("/race", n -> n == 1 ? new Answer(500, 60) : new Answer(200, 60));
            WebhookDispatcher a = dispatcher(store, 8, Duration.ofSeconds(5));
            WebhookDispatcher b = dispatcher(peer, 8, Duration.ofSeconds(5));
            try (a;
                    b) {
                a.subscribe(WebhookSubscription.of("sub-race", Scope.of("shop"), url, SECRET));
                List<OrderKitEvent> published = new ArrayList<>();
                for (int i = 0; i < events; i++) {
                    published.add(liveEvent("ord_race_" + i));
                }
                // both hand every event over (an outbox redelivery on two processes) and follow it
                List<Callable<Integer>> tasks = new ArrayList<>();
                for (OrderKitEvent e : published) {
                    tasks.add(() -> {
                        a.publish(e);
                        return 0;
                    });
                    tasks.add(() -> {
                        b.publish(e);
                        return b.resumePending();
                    });
                }
                race(tasks);
                a.resumePending();
                for (OrderKitEvent e : published) {
                    String id = WebhookDelivery.idOf(e.id(), "sub-race");
                    await(
                            "delivered " + id,
                            () -> peer.delivery(id)
                                    .map(d -> d.status() == Status.DELIVERED)
                                    .orElse(false));
                }
                assertThat(receiver.maxConcurrentPerDelivery())
                        .as("requests of one delivery running at once")
                        .isEqualTo(1);
                for (OrderKitEvent e : published) {
                    String id = WebhookDelivery.idOf(e.id(), "sub-race");
                    List<Request> got = receiver.requestsOf(id);
                    assertThat(got).as("requests of %s", id).hasSize(2);
                    assertThat(got)
                            .extracting(r -> r.header(WebhookHeaders.ATTEMPT))
                            .containsExactly("1", "2");
                    assertThat(got).allSatisfy(r -> assertSigned(r, e));
                    assertThat(store.delivery(id).orElseThrow().attempts()).isEqualTo(2);
                }
                assertThat(receiver.requests("/race")).hasSize(2 * events);
            }
        }
    }

    private static WebhookDispatcher dispatcher(WebhookStore on, int threads, Duration claimTimeout) {
        return WebhookDispatcher.builder()
                .store(on)
                .threads(threads)
                .maxAttempts(5)
                .backoff(Duration.ofMillis(5), Duration.ofMillis(40))
                .requestTimeout(Duration.ofMillis(800))
                .claimTimeout(claimTimeout)
                .build();
    }

    @Test
    void aDispatcherStartedAfterAnotherWasKilledMidRequestDeliversItsPendingDeliveries() throws Exception {
        try (WebhookReceiver receiver = new WebhookReceiver(WebhookHeaders.DELIVERY_ID)) {
            // the killed process's requests take 600 ms (its request timeout is 800 ms): it dies meanwhile
            URI url = receiver.endpoint("/kill", n -> n == 1 ? new Answer(200, 600) : new Answer(200, 0));
            AtomicBoolean killed = new AtomicBoolean();
            WebhookStore dying = killable(store, killed);
            Duration claimTimeout = Duration.ofMillis(1500);
            OrderKitEvent e1 = liveEvent("ord_kill_1");
            OrderKitEvent e2 = liveEvent("ord_kill_2");
            String id1 = WebhookDelivery.idOf(e1.id(), "sub-kill");
            String id2 = WebhookDelivery.idOf(e2.id(), "sub-kill");
            Map<String, Instant> lapses = new HashMap<>();
            try (WebhookDispatcher first = dispatcher(dying, 4, claimTimeout)) {
                first.subscribe(WebhookSubscription.of("sub-kill", Scope.of("shop"), url, SECRET));
                first.publish(e1);
                first.publish(e2);
                await(
                        "both requests in flight",
                        () -> receiver.requests("/kill").size() == 2);
                killed.set(true); // the process dies: it records nothing more, its claims stay
                for (String id : List.of(id1, id2)) {
                    Instant until = peer.delivery(id).orElseThrow().claimedUntil();
                    assertThat(until).as("claim of %s", id).isNotNull();
                    lapses.put(id, until);
                }

                try (WebhookDispatcher second = dispatcher(peer, 4, claimTimeout)) {
                    assertThat(second.resumePending()).isEqualTo(2);
                    for (String id : List.of(id1, id2)) {
                        await(
                                "resumed " + id,
                                () -> peer.delivery(id)
                                        .map(d -> d.status() == Status.DELIVERED)
                                        .orElse(false));
                    }
                }
            }
            for (OrderKitEvent e : List.of(e1, e2)) {
                String id = WebhookDelivery.idOf(e.id(), "sub-kill");
                List<Request> got = receiver.requestsOf(id);
                // the killed process's request reached the receiver, was never recorded, and is
                // sent again (at least once; the receiver de-duplicates by event id) once its claim lapsed
                assertThat(got).hasSize(2);
                assertThat(got).allSatisfy(r -> assertSigned(r, e));
                assertThat(got.get(1).at()).isAfterOrEqualTo(lapses.get(id));
                WebhookDelivery d = peer.delivery(id).orElseThrow();
                assertThat(d.attempts()).isEqualTo(1);
                assertThat(d.claimedUntil()).isNull();
            }
            assertThat(receiver.maxConcurrentPerDelivery()).isEqualTo(1);
        }
    }

    /** A client that fails every call once {@code killed} is set, as if its process had died. */
    private static WebhookStore killable(WebhookStore delegate, AtomicBoolean killed) {
        return (WebhookStore) Proxy.newProxyInstance(
                WebhookStore.class.getClassLoader(), new Class<?>[] {WebhookStore.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return method.invoke(delegate, args);
                    }
                    if (killed.get()) {
                        throw new IllegalStateException("the process was killed");
                    }
                    try {
                        return method.invoke(delegate, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
