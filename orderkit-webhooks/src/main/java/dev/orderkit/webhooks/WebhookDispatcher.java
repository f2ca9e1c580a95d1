package dev.orderkit.webhooks;

import dev.failsafe.Failsafe;
import dev.failsafe.RetryPolicy;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.webhooks.WebhookDelivery.Status;
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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
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
 *   <li>POSTs the event as {@link EventJson} ({@code application/json}, the same bytes on every
 *       attempt) with the headers of {@link WebhookHeaders}: the stable event id (receivers
 *       de-duplicate by it), the type, the delivery id, the attempt number, and
 *       {@code Orderkit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}, one
 *       {@code v1} per secret of the subscription;</li>
 *   <li>succeeds on a 2xx answer; any other status, a timeout ({@code requestTimeout}) or a
 *       connection error is retried with exponential backoff and jitter (Failsafe), up to
 *       {@code maxAttempts} requests; then the delivery is {@code DEAD}: a dead letter, listed by
 *       {@link #deadLetters} and sent again by {@link #replay} / {@link #replayDead}.</li>
 * </ul>
 *
 * <p>Delivery is at least once: a request that timed out may still have been processed, so a
 * receiver may see an event twice, with the same event id. With {@link InMemoryWebhookStore}
 * (the default) pending deliveries are lost if the process stops; a durable store plus
 * {@link #resumePending()} at start-up restarts them. Thread-safe. {@link #close()} stops the
 * delivery threads.
 */
public final class WebhookDispatcher implements EventSink, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);

    private final WebhookStore store;
    private final HttpClient http;
    private final Clock clock;
    private final Duration requestTimeout;
    private final int maxAttempts;
    private final RetryPolicy<Object> retryPolicy;
    private final ScheduledExecutorService scheduler;
    private final Set<String> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private WebhookDispatcher(Builder b) {
        this.store = b.store;
        this.clock = b.clock;
        this.requestTimeout = b.requestTimeout;
        this.maxAttempts = b.maxAttempts;
        HttpClient client = b.httpClient;
        this.http = client != null
                ? client
                : HttpClient.newBuilder()
                        .connectTimeout(b.requestTimeout)
                        .followRedirects(HttpClient.Redirect.NEVER)
                        .build();
        this.retryPolicy = RetryPolicy.builder()
                .handle(DeliveryFailed.class)
                .withMaxAttempts(b.maxAttempts)
                .withBackoff(b.baseBackoff, b.maxBackoff)
                .withJitter(b.jitter)
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
     * jitter, 10 s request timeout, 4 delivery threads).
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
     * Records a delivery per matching subscription and starts it; returns without waiting for the
     * endpoints.
     *
     * @param event the event
     * @throws RuntimeException what the store throws (the outbox then hands the event over again)
     */
    @Override
    public void publish(OrderKitEvent event) {
        Instant now = clock.instant();
        for (WebhookSubscription sub : store.subscriptions()) {
            if (sub.matches(event)) {
                WebhookDelivery d = new WebhookDelivery(
                        WebhookDelivery.idOf(event.id(), sub.id()), sub.id(), event, Status.PENDING, 0, null, now, now);
                if (store.addDelivery(d)) {
                    dispatch(d.id());
                }
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
     * Sends a dead (or delivered) delivery again, with a fresh budget of attempts; the receiver
     * sees the same event id. Does nothing to a pending one.
     *
     * @param deliveryId the delivery
     * @return true if it was restarted
     */
    public boolean replay(String deliveryId) {
        Optional<WebhookDelivery> d = store.delivery(deliveryId);
        if (d.isEmpty() || d.get().status() == Status.PENDING) {
            return false;
        }
        WebhookDelivery current = d.get();
        store.updateDelivery(current.with(Status.PENDING, current.attempts(), current.lastError(), clock.instant()));
        dispatch(deliveryId);
        return true;
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
     * Starts every {@code PENDING} delivery that is not running in this dispatcher (after a
     * restart on a durable store).
     *
     * @param limit the maximum number
     * @return how many were started
     */
    public int resumePending(int limit) {
        int n = 0;
        for (WebhookDelivery d : store.deliveries(Status.PENDING, limit)) {
            if (!inFlight.contains(d.id())) {
                dispatch(d.id());
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

    private void dispatch(String deliveryId) {
        if (!inFlight.add(deliveryId)) {
            return;
        }
        Failsafe.with(retryPolicy)
                .with(scheduler)
                .runAsync(() -> attempt(deliveryId))
                .whenComplete((ok, failure) -> {
                    inFlight.remove(deliveryId);
                    // a delivery cut short by close() stays PENDING: resumePending() restarts it
                    if (failure != null && !closed) {
                        store.delivery(deliveryId).ifPresent(d -> {
                            String error = d.lastError() != null ? d.lastError() : String.valueOf(failure);
                            store.updateDelivery(d.with(Status.DEAD, d.attempts(), error, clock.instant()));
                            LOG.warn(
                                    "webhook delivery {} dead-lettered after {} attempts: {}",
                                    d.id(),
                                    d.attempts(),
                                    error);
                        });
                    }
                });
    }

    /** One HTTP request; throws {@link DeliveryFailed} unless the endpoint answered 2xx. */
    private void attempt(String deliveryId) throws InterruptedException {
        WebhookDelivery d = store.delivery(deliveryId)
                .orElseThrow(() -> new IllegalStateException("unknown delivery " + deliveryId));
        WebhookSubscription sub = store.subscriptions().stream()
                .filter(s -> s.id().equals(d.subscriptionId()))
                .findFirst()
                .orElse(null);
        int attempt = d.attempts() + 1;
        if (sub == null) {
            store.updateDelivery(d.with(Status.PENDING, d.attempts(), "subscription removed", clock.instant()));
            throw new IllegalStateException("subscription " + d.subscriptionId() + " removed"); // not retried
        }
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
        @Nullable String error;
        try {
            HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
            int status = response.statusCode();
            if (status >= 200 && status < 300) {
                store.updateDelivery(d.with(Status.DELIVERED, attempt, null, clock.instant()));
                return;
            }
            error = "HTTP " + status;
        } catch (HttpTimeoutException e) {
            error = "timeout after " + requestTimeout;
        } catch (IOException e) {
            error = "connection error: " + e;
        }
        store.updateDelivery(d.with(Status.PENDING, attempt, error, clock.instant()));
        LOG.debug("webhook delivery {} attempt {}/{} failed: {}", d.id(), attempt, maxAttempts, error);
        throw new DeliveryFailed(error);
    }

    /**
     * Stops the delivery threads: a request in flight is interrupted, scheduled retries are
     * dropped; their deliveries stay {@code PENDING} in the store (see {@link #resumePending()}).
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
    }

    /** A failed attempt (retried). */
    private static final class DeliveryFailed extends RuntimeException {
        private static final long serialVersionUID = 1L;

        DeliveryFailed(String message) {
            super(message, null, false, false);
        }
    }

    /** Builds a {@link WebhookDispatcher}. Not thread-safe. */
    public static final class Builder {
        private WebhookStore store = new InMemoryWebhookStore();
        private @Nullable HttpClient httpClient;
        private Clock clock = Clock.systemUTC();
        private Duration requestTimeout = Duration.ofSeconds(10);
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
         */
        public WebhookDispatcher build() {
            return new WebhookDispatcher(this);
        }
    }
}
