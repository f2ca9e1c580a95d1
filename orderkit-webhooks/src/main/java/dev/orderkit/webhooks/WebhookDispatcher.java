package dev.orderkit.webhooks;

import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.webhooks.WebhookDelivery.Status;
import dev.orderkit.webhooks.WebhookStore.Claim;
import dev.orderkit.webhooks.internal.Hmac;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers events to subscribed URLs as signed HTTP POSTs: an {@link EventSink} for the outbox
 * publisher, e.g. {@code backend.outboxPublisher(WebhookDispatcher.builder().build())}.
 *
 * <p>{@link #publish} records one {@code PENDING} {@link WebhookDelivery} per matching
 * {@link WebhookSubscription} in the {@link WebhookStore} (an event handed over again, by an
 * outbox redelivery, is recorded once per subscription) and returns; the deliveries run on the
 * dispatcher's own threads, so a slow or failing endpoint never holds back the outbox or another
 * subscriber. Each request:
 * <ul>
 *   <li>is sent only under a {@linkplain WebhookStore#claim claim} of the delivery (held for
 *       {@code claimTimeout}), so dispatchers sharing a durable store (threads, processes) never
 *       send one delivery at the same time; a dispatcher whose claim was taken over records
 *       nothing;</li>
 *   <li>POSTs the event as {@link EventJson} ({@code application/json}, the same bytes on every
 *       attempt) with the headers of {@link WebhookHeaders}: the stable event id (receivers
 *       de-duplicate by it), the type, the delivery id, the attempt number, and
 *       {@code Orderkit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}, one
 *       {@code v1} per secret of the subscription;</li>
 *   <li>succeeds on a 2xx answer; any other status, a timeout ({@code requestTimeout}) or a
 *       connection error is retried with exponential backoff and jitter, up to
 *       {@code maxAttempts} requests; the time of the next attempt is stored with the delivery
 *       (durable backoff). Then the delivery is {@code DEAD}: a dead letter, listed by
 *       {@link #deadLetters} and sent again by {@link #replay} / {@link #replayDead}.</li>
 * </ul>
 *
 * <p>Delivery is at least once: a request that timed out may still have been processed, and a
 * process killed after a request but before recording it sends it again after a restart, so a
 * receiver may see an event twice, with the same event id. With {@link InMemoryWebhookStore}
 * (the default) pending deliveries are lost if the process stops; with a durable store
 * ({@code JdbcWebhooks.store(backend)} of orderkit-jdbc), {@link #resumePending()} at start-up picks them up: each is
 * sent when its next attempt is due and the claim of a killed dispatcher has lapsed. A dispatcher
 * keeps following the deliveries it started or resumed until they are delivered or dead, also
 * when another dispatcher sends one of them. Clocks of processes sharing a store must agree to
 * well within {@code claimTimeout}. Thread-safe. {@link #close()} stops the delivery threads.
 */
public final class WebhookDispatcher implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
    /** The shortest wait before looking at a delivery another dispatcher holds again. */
    private static final Duration MIN_FOLLOW = Duration.ofMillis(50);

    private final WebhookStore store;
    private final HttpClient http;
    private final Clock clock;
    private final Duration requestTimeout;
    private final Duration claimTimeout;
    private final int maxAttempts;
    private final Duration baseBackoff;
    private final Duration maxBackoff;
    private final double jitter;
    private final ScheduledExecutorService scheduler;
    /** Deliveries this dispatcher follows (a step is scheduled or running). */
    private final Set<String> watched = ConcurrentHashMap.newKeySet();
    /** Claims of requests running now, given back by {@link #close()}. */
    private final Map<String, Claim> sending = new ConcurrentHashMap<>();

    private volatile boolean closed;

    private WebhookDispatcher(Builder b) {
        this.store = b.store;
        this.clock = b.clock;
        this.requestTimeout = b.requestTimeout;
        this.maxAttempts = b.maxAttempts;
        this.baseBackoff = b.baseBackoff;
        this.maxBackoff = b.maxBackoff;
        this.jitter = b.jitter;
        Duration claim = b.claimTimeout;
        this.claimTimeout =
                claim != null ? claim : b.requestTimeout.multipliedBy(2).plusSeconds(30);
        if (claimTimeout.compareTo(requestTimeout) <= 0) {
            throw new IllegalArgumentException(
                    "claimTimeout " + claimTimeout + " must be longer than requestTimeout " + requestTimeout);
        }
        HttpClient client = b.httpClient;
        this.http = client != null
                ? client
                : HttpClient.newBuilder()
                        .connectTimeout(b.requestTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
        AtomicInteger n = new AtomicInteger();
        this.scheduler = Executors.newScheduledThreadPool(b.threads, r -> {
            Thread t = new Thread(r, "orderkit-webhooks-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Starts a builder (in-memory store, 8 attempts, backoff 1 s doubling up to 5 min with 25 %
     * jitter, 10 s request timeout, claims of 2 x request timeout + 30 s, 4 delivery threads).
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Adds or replaces a subscription.
     *
     * @param subscription the subscription
     */
    public void subscribe(WebhookSubscription subscription) {
        store.saveSubscription(Objects.requireNonNull(subscription, "subscription"));
    }

    /**
     * Removes a subscription; its pending deliveries end as dead letters.
     *
     * @param subscriptionId the id
     * @return true if it existed
     */
    public boolean unsubscribe(String subscriptionId) {
        return store.removeSubscription(subscriptionId);
    }

    /**
     * Records a delivery per matching subscription (once per event and subscription) and follows
     * it; returns without waiting for the endpoints.
     *
     * @param event the event
     * @throws RuntimeException what the store throws (the outbox then hands the event over again)
     */
    @Override
    public void publish(OrderKitEvent event) {
        Instant now = clock.instant();
        for (WebhookSubscription sub : store.subscriptions()) {
            if (sub.matches(event)) {
                WebhookDelivery d = WebhookDelivery.pending(event, sub.id(), now);
                store.addDelivery(d);
                // followed also when it was recorded before: a hand-over repeated after a lost
                // acknowledgement of the insert would otherwise leave it to resumePending()
                watch(d.id());
            }
        }
    }

    /**
     * A delivery's state.
     *
     * @param deliveryId {@code <event id>@<subscription id>}
     * @return it, or empty
     */
    public Optional<WebhookDelivery> delivery(String deliveryId) {
        return store.delivery(deliveryId);
    }

    /**
     * The dead letters, oldest first.
     *
     * @param limit the maximum number
     * @return a snapshot
     */
    public List<WebhookDelivery> deadLetters(int limit) {
        return store.deliveries(Status.DEAD, limit);
    }

    /**
     * Sends a dead (or delivered) delivery again, with a fresh budget of attempts (the attempt
     * count starts again at 0); the receiver sees the same event id. Does nothing to a pending one.
     *
     * @param deliveryId the delivery
     * @return true if it was restarted
     */
    public boolean replay(String deliveryId) {
        boolean restarted = store.replay(Objects.requireNonNull(deliveryId, "deliveryId"), clock.instant());
        watch(deliveryId); // also if pending already (e.g. a replay whose acknowledgement was lost)
        return restarted;
    }

    /**
     * Replays the oldest dead letters.
     *
     * @param limit the maximum number
     * @return how many were restarted
     */
    public int replayDead(int limit) {
        int n = 0;
        for (WebhookDelivery d : deadLetters(limit)) {
            if (replay(d.id())) {
                n++;
            }
        }
        return n;
    }

    /**
     * Follows every {@code PENDING} delivery of the store that this dispatcher does not follow yet
     * (after a restart on a durable store, or to take over from a dispatcher that stopped): each is
     * sent when its next attempt is due and no live claim holds it.
     *
     * @param limit the maximum number
     * @return how many this dispatcher started to follow
     */
    public int resumePending(int limit) {
        int n = 0;
        for (WebhookDelivery d : store.deliveries(Status.PENDING, limit)) {
            if (watch(d.id())) {
                n++;
            }
        }
        return n;
    }

    /**
     * {@link #resumePending(int)} with no practical limit.
     *
     * @return how many were started
     */
    public int resumePending() {
        return resumePending(Integer.MAX_VALUE);
    }

    /**
     * Retention: deletes delivered states last updated before a bound (see
     * {@link WebhookStore#purgeDelivered}).
     *
     * @param olderThan the bound
     * @param limit the maximum number
     * @return how many were deleted
     */
    public int purgeDelivered(Instant olderThan, int limit) {
        return store.purgeDelivered(Objects.requireNonNull(olderThan, "olderThan"), limit);
    }

    /** Starts following a delivery unless this dispatcher does already. */
    private boolean watch(String deliveryId) {
        if (closed || !watched.add(deliveryId)) {
            return false;
        }
        schedule(deliveryId, Duration.ZERO);
        return true;
    }

    private void schedule(String deliveryId, Duration delay) {
        try {
            scheduler.schedule(() -> step(deliveryId), Math.max(0, delay.toNanos()), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
            watched.remove(deliveryId); // closed: the delivery stays PENDING in the store
        }
    }

    /** One step of a followed delivery: a request if it can be claimed, else a look later. */
    private void step(String deliveryId) {
        @Nullable Duration next;
        try {
            next = stepOnce(deliveryId);
        } catch (RuntimeException e) {
            next = maxBackoff.compareTo(Duration.ofSeconds(1)) < 0 ? maxBackoff : Duration.ofSeconds(1);
            LOG.warn("webhook delivery {}: the store failed, trying again in {}", deliveryId, next, e);
        }
        if (closed) {
            watched.remove(deliveryId);
        } else if (next != null) {
            schedule(deliveryId, next);
        } else {
            watched.remove(deliveryId);
            try { // replayed while this step ended it: follow it again
                if (store.delivery(deliveryId)
                        .map(d -> d.status() == Status.PENDING)
                        .orElse(false)) {
                    watch(deliveryId);
                }
            } catch (RuntimeException e) {
                LOG.warn("webhook delivery {}: the store failed", deliveryId, e);
            }
        }
    }

    /** Returns the wait before the next step, or null once the delivery is delivered or dead. */
    private @Nullable Duration stepOnce(String deliveryId) {
        Instant now = clock.instant();
        Optional<Claim> claim = store.claim(deliveryId, now, now.plus(claimTimeout));
        if (claim.isPresent()) {
            return send(claim.get());
        }
        Optional<WebhookDelivery> d = store.delivery(deliveryId);
        if (d.isEmpty() || d.get().status() != Status.PENDING) {
            return null;
        }
        Instant at = d.get().nextAttemptAt();
        Instant until = d.get().claimedUntil();
        if (until != null && until.isAfter(at)) {
            at = until; // another dispatcher sends it: look again when its claim lapses
        }
        Duration wait = Duration.between(clock.instant(), at);
        return wait.compareTo(MIN_FOLLOW) < 0 ? MIN_FOLLOW : wait;
    }

    /** One HTTP request under a claim, recorded under the same claim. */
    private @Nullable Duration send(Claim claim) {
        WebhookDelivery d = claim.delivery();
        sending.put(d.id(), claim);
        try {
            Optional<WebhookSubscription> found = store.subscription(d.subscriptionId());
            if (found.isEmpty()) {
                Instant now = clock.instant();
                if (!store.markFailed(claim, d.attempts(), "subscription removed", now, true, now)) {
                    return MIN_FOLLOW;
                }
                LOG.warn("webhook delivery {} dead-lettered: subscription {} removed", d.id(), d.subscriptionId());
                return null;
            }
            int attempt = d.attempts() + 1;
            String error;
            try {
                int status = request(found.get(), d, attempt);
                if (status >= 200 && status < 300) {
                    return store.markDelivered(claim, attempt, clock.instant()) ? null : MIN_FOLLOW;
                }
                error = "HTTP " + status;
            } catch (HttpTimeoutException e) {
                error = "timeout after " + requestTimeout;
            } catch (IOException e) {
                error = "connection error: " + e;
            } catch (InterruptedException e) {
                // close(): give the claim back so the next dispatcher sends it at once
                giveBack(claim);
                Thread.currentThread().interrupt();
                return null;
            }
            boolean dead = attempt >= maxAttempts;
            Instant now = clock.instant();
            Instant next = now.plus(backoff(attempt));
            if (!store.markFailed(claim, attempt, error, next, dead, now)) {
                return MIN_FOLLOW; // the claim lapsed and another dispatcher took over: follow it
            }
            if (dead) {
                LOG.warn("webhook delivery {} dead-lettered after {} attempts: {}", d.id(), attempt, error);
                return null;
            }
            LOG.debug("webhook delivery {} attempt {}/{} failed: {}", d.id(), attempt, maxAttempts, error);
            return Duration.between(clock.instant(), next);
        } finally {
            sending.remove(d.id(), claim);
        }
    }

    /** Sends one signed request; returns the status code. */
    private int request(WebhookSubscription sub, WebhookDelivery d, int attempt)
            throws IOException, InterruptedException {
        byte[] body = EventJson.toBytes(d.event());
        long t = clock.instant().getEpochSecond();
        StringBuilder signature = new StringBuilder("t=").append(t);
        for (String secret : sub.secrets()) {
            signature.append(",v1=").append(Hmac.sign(secret, t, body));
        }
        HttpRequest request = HttpRequest.newBuilder(sub.url())
                .timeout(requestTimeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "orderkit-webhooks")
                .header(WebhookHeaders.SIGNATURE, signature.toString())
                .header(WebhookHeaders.EVENT_ID, d.event().id())
                .header(WebhookHeaders.EVENT_TYPE, d.event().type().name())
                .header(WebhookHeaders.DELIVERY_ID, d.id())
                .header(WebhookHeaders.ATTEMPT, Integer.toString(attempt))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    /** The wait after the n-th failed request: base doubling up to max, with +/- jitter. */
    private Duration backoff(int attempt) {
        double nanos = Math.min(
                (double) baseBackoff.toNanos() * Math.pow(2, Math.min(attempt - 1, 62)), (double) maxBackoff.toNanos());
        double factor = 1 + jitter * (ThreadLocalRandom.current().nextDouble() * 2 - 1);
        return Duration.ofNanos((long) (nanos * factor));
    }

    /** Unclaims, with the thread's interrupt flag cleared (drivers refuse interrupted threads). */
    private void giveBack(Claim claim) {
        boolean interrupted = Thread.interrupted();
        try {
            store.unclaim(claim);
        } catch (RuntimeException e) {
            LOG.warn(
                    "webhook delivery {}: could not give its claim back (it lapses on its own)",
                    claim.delivery().id(),
                    e);
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /**
     * Stops the delivery threads: a request in flight is interrupted and its claim given back,
     * scheduled retries are dropped; their deliveries stay {@code PENDING} in the store (see
     * {@link #resumePending()}).
     */
    @Override
    public void close() {
        closed = true;
        scheduler.shutdownNow();
        try {
            scheduler.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Claim claim : sending.values()) { // requests still stuck: their marks are fenced now
            giveBack(claim);
        }
        watched.clear();
    }

    /** Builds a {@link WebhookDispatcher}. Not thread-safe. */
    public static final class Builder {
        private WebhookStore store = new InMemoryWebhookStore();
        private @Nullable HttpClient httpClient;
        private Clock clock = Clock.systemUTC();
        private Duration requestTimeout = Duration.ofSeconds(10);
        private @Nullable Duration claimTimeout;
        private int maxAttempts = 8;
        private Duration baseBackoff = Duration.ofSeconds(1);
        private Duration maxBackoff = Duration.ofMinutes(5);
        private double jitter = 0.25;
        private int threads = 4;

        private Builder() {}

        /**
         * Where subscriptions and delivery states live (default: a new {@link InMemoryWebhookStore}).
         *
         * @param value the store
         * @return this builder
         */
        public Builder store(WebhookStore value) {
            this.store = Objects.requireNonNull(value, "store");
            return this;
        }

        /**
         * The HTTP client (default: a new one, no redirects, connect timeout = request timeout).
         *
         * @param value the client
         * @return this builder
         */
        public Builder httpClient(HttpClient value) {
            this.httpClient = Objects.requireNonNull(value, "httpClient");
            return this;
        }

        /**
         * The clock of signature timestamps and delivery states.
         *
         * @param value the clock
         * @return this builder
         */
        public Builder clock(Clock value) {
            this.clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /**
         * How long one request may take before it counts as failed (default 10 s).
         *
         * @param value a positive duration
         * @return this builder
         * @throws IllegalArgumentException if not positive
         */
        public Builder requestTimeout(Duration value) {
            if (value.isNegative() || value.isZero()) {
                throw new IllegalArgumentException("requestTimeout must be positive");
            }
            this.requestTimeout = value;
            return this;
        }

        /**
         * How long a claim of a delivery holds: no other dispatcher sends it meanwhile (default
         * 2 x request timeout + 30 s). Must exceed the longest a request can take (connect plus
         * request timeout); a dispatcher killed mid-request delays its delivery by up to this long.
         *
         * @param value longer than the request timeout (checked by {@link #build()})
         * @return this builder
         */
        public Builder claimTimeout(Duration value) {
            this.claimTimeout = Objects.requireNonNull(value, "claimTimeout");
            return this;
        }

        /**
         * Requests per delivery before it is dead-lettered (default 8).
         *
         * @param value at least 1
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder maxAttempts(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxAttempts must be >= 1: " + value);
            }
            this.maxAttempts = value;
            return this;
        }

        /**
         * Exponential backoff between attempts: {@code base}, doubling, capped at {@code max}
         * (default 1 s .. 5 min).
         *
         * @param base the first delay, positive
         * @param max the cap, greater than {@code base}
         * @return this builder
         * @throws IllegalArgumentException if {@code base} is not positive or {@code max <= base}
         */
        public Builder backoff(Duration base, Duration max) {
            if (base.isNegative() || base.isZero() || max.compareTo(base) <= 0) {
                throw new IllegalArgumentException("backoff needs 0 < base < max");
            }
            this.baseBackoff = base;
            this.maxBackoff = max;
            return this;
        }

        /**
         * Random jitter of each delay, as a fraction of it (default 0.25: ±25 %).
         *
         * @param value in [0, 1]
         * @return this builder
         * @throws IllegalArgumentException if outside [0, 1]
         */
        public Builder jitter(double value) {
            if (!(value >= 0 && value <= 1)) {
                throw new IllegalArgumentException("jitter must be in [0, 1]: " + value);
            }
            this.jitter = value;
            return this;
        }

        /**
         * Delivery threads: requests running at once (default 4).
         *
         * @param value at least 1
         * @return this builder
         * @throws IllegalArgumentException if below 1
         */
        public Builder threads(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("threads must be >= 1: " + value);
            }
            this.threads = value;
            return this;
        }

        /**
         * Builds the dispatcher (its threads start on the first delivery).
         *
         * @return the dispatcher
         * @throws IllegalArgumentException if the claim timeout is not longer than the request timeout
         */
        public WebhookDispatcher build() {
            return new WebhookDispatcher(this);
        }
    }
}
