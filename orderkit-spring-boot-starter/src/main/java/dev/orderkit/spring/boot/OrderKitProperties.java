package dev.orderkit.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code orderkit.*} configuration properties of the starter (metadata for IDE completion is
 * generated into the jar). Every property has a default; an application without any gets an
 * in-memory kit with background work on.
 *
 * <p>Bound once at startup by Spring; not meant to be shared across threads while being modified.
 */
@ConfigurationProperties(prefix = "orderkit")
public class OrderKitProperties {

    /** How long a placement holds its idempotency key before another caller may take it over. */
    private @Nullable Duration lease;

    /** How long a completed idempotency key (and its replayable result) is kept. */
    private Duration keyRetention = Duration.ofHours(24);

    /** How long a stock reservation lives before it lapses and its stock is given back. */
    private Duration reservationTtl = Duration.ofMinutes(15);

    /** How long an order may sit in a non-terminal state before recovery finishes it. */
    private Duration stuckAfter = Duration.ofMinutes(1);

    /** How long a placement waits for a concurrent identical placement before answering in progress. */
    private Duration inProgressWait = Duration.ZERO;

    private final Background background = new Background();
    private final Jdbc jdbc = new Jdbc();
    private final Redis redis = new Redis();
    private final Stripe stripe = new Stripe();
    private final Idempotency idempotency = new Idempotency();
    private final Metrics metrics = new Metrics();
    private final Pacing paymentPacing = new Pacing();
    private final Async asyncPlacement = new Async();

    /** Creates the properties with their defaults. */
    public OrderKitProperties() {}

    /**
     * The placement lease ({@code orderkit.lease}).
     *
     * @return the lease, or {@code null} for the kit's default (30 s or the payment call budget)
     */
    public @Nullable Duration getLease() {
        return lease;
    }

    /**
     * Sets the placement lease.
     *
     * @param lease the lease; {@code null} for the default
     */
    public void setLease(@Nullable Duration lease) {
        this.lease = lease;
    }

    /**
     * The idempotency key retention ({@code orderkit.key-retention}, default 24 h).
     *
     * @return the retention
     */
    public Duration getKeyRetention() {
        return keyRetention;
    }

    /**
     * Sets the idempotency key retention.
     *
     * @param keyRetention the retention
     */
    public void setKeyRetention(Duration keyRetention) {
        this.keyRetention = keyRetention;
    }

    /**
     * The reservation time to live ({@code orderkit.reservation-ttl}, default 15 min).
     *
     * @return the time to live
     */
    public Duration getReservationTtl() {
        return reservationTtl;
    }

    /**
     * Sets the reservation time to live.
     *
     * @param reservationTtl the time to live
     */
    public void setReservationTtl(Duration reservationTtl) {
        this.reservationTtl = reservationTtl;
    }

    /**
     * After how long recovery takes over a stuck order ({@code orderkit.stuck-after}, default 1 min).
     *
     * @return the duration
     */
    public Duration getStuckAfter() {
        return stuckAfter;
    }

    /**
     * Sets after how long recovery takes over a stuck order.
     *
     * @param stuckAfter the duration
     */
    public void setStuckAfter(Duration stuckAfter) {
        this.stuckAfter = stuckAfter;
    }

    /**
     * How long a placement waits for a concurrent identical one ({@code orderkit.in-progress-wait},
     * default 0).
     *
     * @return the wait
     */
    public Duration getInProgressWait() {
        return inProgressWait;
    }

    /**
     * Sets how long a placement waits for a concurrent identical one.
     *
     * @param inProgressWait the wait
     */
    public void setInProgressWait(Duration inProgressWait) {
        this.inProgressWait = inProgressWait;
    }

    /**
     * Background work settings ({@code orderkit.background.*}).
     *
     * @return the settings
     */
    public Background getBackground() {
        return background;
    }

    /**
     * JDBC backend settings ({@code orderkit.jdbc.*}).
     *
     * @return the settings
     */
    public Jdbc getJdbc() {
        return jdbc;
    }

    /**
     * Redis backend settings ({@code orderkit.redis.*}).
     *
     * @return the settings
     */
    public Redis getRedis() {
        return redis;
    }

    /**
     * Stripe settings ({@code orderkit.stripe.*}).
     *
     * @return the settings
     */
    public Stripe getStripe() {
        return stripe;
    }

    /**
     * HTTP idempotency layer settings ({@code orderkit.idempotency.*}).
     *
     * @return the settings
     */
    public Idempotency getIdempotency() {
        return idempotency;
    }

    /**
     * Metrics and observation settings ({@code orderkit.metrics.*}).
     *
     * @return the settings
     */
    public Metrics getMetrics() {
        return metrics;
    }

    /**
     * Payment call pacing ({@code orderkit.payment-pacing.*}).
     *
     * @return the settings
     */
    public Pacing getPaymentPacing() {
        return paymentPacing;
    }

    /**
     * Asynchronous placement settings ({@code orderkit.async-placement.*}).
     *
     * @return the settings
     */
    public Async getAsyncPlacement() {
        return asyncPlacement;
    }

    /**
     * {@code orderkit.payment-pacing.*}: the pace of the kit's payment calls (core's
     * {@code PaymentPacing}). Without {@code permits-per-second} the calls are not paced (a 429 still
     * pauses them); with it and no {@code PaymentPermits} bean, this JVM is paced on its own
     * ({@code PaymentPacing.perSecond}); with a {@code PaymentPermits} bean (e.g. a
     * {@code RedisPaymentPermits} or {@code JdbcPaymentPermits} every instance shares), the kit takes
     * its permits from that bean ({@code PaymentPacing.shared}) and {@code permits-per-second}, the
     * pace the bean allows all instances together, is required.
     */
    public static class Pacing {
        /**
         * Payment calls per second, 0.001..1000000: of this JVM, or of all instances together when
         * the context has a PaymentPermits bean (then required); unset: not paced.
         */
        private @Nullable Double permitsPerSecond;

        /** How long a payment call waits for a permit (or for a 429's pause to end) before it fails as rate limited, 0..10 min. */
        private Duration maxWait = Duration.ofSeconds(10);

        /** How long a 429 without Retry-After pauses the payment calls, 1 ms..10 min. */
        private Duration pauseWithoutHint = Duration.ofSeconds(1);

        /** Creates the settings with their defaults. */
        public Pacing() {}

        /**
         * Payment calls per second.
         *
         * @return the pace, or {@code null} (default) for none (or, with a {@code PaymentPermits}
         *     bean, a startup failure)
         */
        public @Nullable Double getPermitsPerSecond() {
            return permitsPerSecond;
        }

        /**
         * Sets the payment calls per second.
         *
         * @param permitsPerSecond the pace; {@code null} for none
         */
        public void setPermitsPerSecond(@Nullable Double permitsPerSecond) {
            this.permitsPerSecond = permitsPerSecond;
        }

        /**
         * How long a call waits for a permit (default 10 s).
         *
         * @return the wait
         */
        public Duration getMaxWait() {
            return maxWait;
        }

        /**
         * Sets how long a call waits for a permit.
         *
         * @param maxWait the wait
         */
        public void setMaxWait(Duration maxWait) {
            this.maxWait = maxWait;
        }

        /**
         * The pause after a 429 without {@code Retry-After} (default 1 s).
         *
         * @return the pause
         */
        public Duration getPauseWithoutHint() {
            return pauseWithoutHint;
        }

        /**
         * Sets the pause after a 429 without {@code Retry-After}.
         *
         * @param pauseWithoutHint the pause
         */
        public void setPauseWithoutHint(Duration pauseWithoutHint) {
            this.pauseWithoutHint = pauseWithoutHint;
        }
    }

    /**
     * {@code orderkit.async-placement.*}: asynchronous placement ({@code OrderService.submit}, core's
     * {@code AsyncPlacement}): the payment workers, which run with the background work
     * ({@code orderkit.background.*}), and the bound of the accepted-but-unpaid backlog.
     */
    public static class Async {
        /** Payment workers per instance (threads calling the gateway), 1..256. */
        private int workers = 4;

        /** How often an idle instance looks for accepted orders, 10 ms..1 min. */
        private Duration pollEvery = Duration.ofMillis(200);

        /** Orders accepted but not yet paid (all instances together) beyond which submit answers busy, 1..10000000. */
        private int maxBacklog = 10_000;

        /**
         * How long the stock hold of an accepted order lasts, 1 s..1 day: it must outlast a full
         * backlog at the payment pace (checked at startup).
         */
        private Duration holdTtl = Duration.ofMinutes(30);

        /** How long a counted backlog is reused before it is counted again, 0..1 min (0: on every submit). */
        private Duration backlogRefresh = Duration.ofSeconds(1);

        /** Creates the settings with their defaults. */
        public Async() {}

        /**
         * Payment workers per instance (default 4).
         *
         * @return the number of workers
         */
        public int getWorkers() {
            return workers;
        }

        /**
         * Sets the payment workers per instance.
         *
         * @param workers the number of workers
         */
        public void setWorkers(int workers) {
            this.workers = workers;
        }

        /**
         * The idle poll period (default 200 ms).
         *
         * @return the period
         */
        public Duration getPollEvery() {
            return pollEvery;
        }

        /**
         * Sets the idle poll period.
         *
         * @param pollEvery the period
         */
        public void setPollEvery(Duration pollEvery) {
            this.pollEvery = pollEvery;
        }

        /**
         * The backlog bound (default 10,000).
         *
         * @return the bound
         */
        public int getMaxBacklog() {
            return maxBacklog;
        }

        /**
         * Sets the backlog bound.
         *
         * @param maxBacklog the bound
         */
        public void setMaxBacklog(int maxBacklog) {
            this.maxBacklog = maxBacklog;
        }

        /**
         * The hold time to live of an accepted order (default 30 min).
         *
         * @return the time to live
         */
        public Duration getHoldTtl() {
            return holdTtl;
        }

        /**
         * Sets the hold time to live of an accepted order.
         *
         * @param holdTtl the time to live
         */
        public void setHoldTtl(Duration holdTtl) {
            this.holdTtl = holdTtl;
        }

        /**
         * How long a counted backlog is reused (default 1 s).
         *
         * @return the period
         */
        public Duration getBacklogRefresh() {
            return backlogRefresh;
        }

        /**
         * Sets how long a counted backlog is reused.
         *
         * @param backlogRefresh the period
         */
        public void setBacklogRefresh(Duration backlogRefresh) {
            this.backlogRefresh = backlogRefresh;
        }
    }

    /**
     * {@code orderkit.metrics.*}: the {@code MicrometerInstrumentation} of
     * {@link OrderKitMetricsAutoConfiguration}, used when {@code orderkit-micrometer} is on the class
     * path and the application has a MeterRegistry or an ObservationRegistry bean.
     */
    public static class Metrics {
        /** Whether orderkit records its meters and observations in the application's registries. */
        private boolean enabled = true;

        /**
         * Whether to record the orderkit.*.duration timers; unset: record them unless the
         * ObservationRegistry already turns orderkit's observations into timers (a
         * MeterObservationHandler bean, as Spring Boot's actuator defines).
         */
        private @Nullable Boolean timers;

        /** Creates the settings with their defaults. */
        public Metrics() {}

        /**
         * Whether orderkit's instrumentation is auto-configured (default true).
         *
         * @return whether enabled
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether orderkit's instrumentation is auto-configured.
         *
         * @param enabled whether enabled
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Whether the {@code orderkit.*.duration} timers are recorded.
         *
         * @return true or false, or {@code null} (default) to decide from the context: off when an
         *     ObservationRegistry bean and a MeterObservationHandler bean exist, on otherwise
         */
        public @Nullable Boolean getTimers() {
            return timers;
        }

        /**
         * Sets whether the {@code orderkit.*.duration} timers are recorded.
         *
         * @param timers true or false; {@code null} to decide from the context
         */
        public void setTimers(@Nullable Boolean timers) {
            this.timers = timers;
        }
    }

    /** {@code orderkit.background.*}: the kit's periodic work, run by {@link OrderKitBackgroundLifecycle}. */
    public static class Background {
        /** Whether recovery, expiry, outbox publishing and purge run in this application. */
        private boolean enabled = true;

        /** Period of the recovery sweep. */
        private Duration recoveryEvery = Duration.ofSeconds(30);

        /** Period of the expiry of lapsed stock holds. */
        private Duration expiryEvery = Duration.ofSeconds(5);

        /** Period of the outbox publishing round (JDBC backend; to the EventSink bean, or marked sent without one). */
        private Duration outboxEvery = Duration.ofSeconds(1);

        /** Period of the retention purge. */
        private Duration purgeEvery = Duration.ofMinutes(10);

        /** Fixed part of the delay before each task's first run (a random part is added). */
        private Duration initialDelay = Duration.ofSeconds(5);

        /** How long shutdown waits for a run in flight. */
        private Duration shutdownTimeout = Duration.ofSeconds(10);

        /** Creates the settings with their defaults. */
        public Background() {}

        /**
         * Whether background work runs (default true).
         *
         * @return whether enabled
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether background work runs.
         *
         * @param enabled whether enabled
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Recovery period (default 30 s).
         *
         * @return the period
         */
        public Duration getRecoveryEvery() {
            return recoveryEvery;
        }

        /**
         * Sets the recovery period.
         *
         * @param recoveryEvery the period
         */
        public void setRecoveryEvery(Duration recoveryEvery) {
            this.recoveryEvery = recoveryEvery;
        }

        /**
         * Expiry period (default 5 s).
         *
         * @return the period
         */
        public Duration getExpiryEvery() {
            return expiryEvery;
        }

        /**
         * Sets the expiry period.
         *
         * @param expiryEvery the period
         */
        public void setExpiryEvery(Duration expiryEvery) {
            this.expiryEvery = expiryEvery;
        }

        /**
         * Outbox publishing period (default 1 s).
         *
         * @return the period
         */
        public Duration getOutboxEvery() {
            return outboxEvery;
        }

        /**
         * Sets the outbox publishing period.
         *
         * @param outboxEvery the period
         */
        public void setOutboxEvery(Duration outboxEvery) {
            this.outboxEvery = outboxEvery;
        }

        /**
         * Purge period (default 10 min).
         *
         * @return the period
         */
        public Duration getPurgeEvery() {
            return purgeEvery;
        }

        /**
         * Sets the purge period.
         *
         * @param purgeEvery the period
         */
        public void setPurgeEvery(Duration purgeEvery) {
            this.purgeEvery = purgeEvery;
        }

        /**
         * Initial delay (default 5 s).
         *
         * @return the delay
         */
        public Duration getInitialDelay() {
            return initialDelay;
        }

        /**
         * Sets the initial delay.
         *
         * @param initialDelay the delay
         */
        public void setInitialDelay(Duration initialDelay) {
            this.initialDelay = initialDelay;
        }

        /**
         * Shutdown timeout (default 10 s).
         *
         * @return the timeout
         */
        public Duration getShutdownTimeout() {
            return shutdownTimeout;
        }

        /**
         * Sets the shutdown timeout.
         *
         * @param shutdownTimeout the timeout
         */
        public void setShutdownTimeout(Duration shutdownTimeout) {
            this.shutdownTimeout = shutdownTimeout;
        }
    }

    /** {@code orderkit.jdbc.*}: the JDBC backend, used when the application has a DataSource bean. */
    public static class Jdbc {
        /** Whether to use the application's DataSource for orderkit. */
        private boolean enabled = true;

        /** Prefix of orderkit's tables. */
        private String tablePrefix = "ok_";

        /**
         * Whether orderkit creates and upgrades its tables on startup; false leaves it to Flyway with
         * the scripts in classpath:db/orderkit/{h2,mysql,postgresql}.
         */
        private boolean migrate = true;

        /** Creates the settings with their defaults. */
        public Jdbc() {}

        /**
         * Whether the JDBC backend is used when a DataSource exists (default true).
         *
         * @return whether enabled
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the JDBC backend is used.
         *
         * @param enabled whether enabled
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * Table prefix (default {@code ok_}).
         *
         * @return the prefix
         */
        public String getTablePrefix() {
            return tablePrefix;
        }

        /**
         * Sets the table prefix.
         *
         * @param tablePrefix the prefix
         */
        public void setTablePrefix(String tablePrefix) {
            this.tablePrefix = tablePrefix;
        }

        /**
         * Whether tables are migrated on startup (default true).
         *
         * @return whether to migrate
         */
        public boolean isMigrate() {
            return migrate;
        }

        /**
         * Sets whether tables are migrated on startup.
         *
         * @param migrate whether to migrate
         */
        public void setMigrate(boolean migrate) {
            this.migrate = migrate;
        }
    }

    /**
     * {@code orderkit.redis.*}: the Redis backend (stock, idempotency keys, webhook inbox), used when
     * the application has a UnifiedJedis bean or sets {@code orderkit.redis.uri}.
     */
    public static class Redis {
        /** Whether to use Redis for orderkit when a UnifiedJedis bean exists or a URI is set. */
        private boolean enabled = true;

        /** Redis URI, e.g. redis://127.0.0.1:6379, for a client the starter creates (when no UnifiedJedis bean exists). */
        private @Nullable String uri;

        /** Prefix of every key orderkit writes. */
        private String keyPrefix = "orderkit:";

        /**
         * Number of buckets (hash slots) reservation headers and idempotency records are spread over,
         * 1..1024; the same in every process sharing the prefix.
         */
        private int buckets = 16;

        /** Whether the server is a Redis Cluster; detected from the client when not set. */
        private @Nullable Boolean clusterMode;

        /** Creates the settings with their defaults. */
        public Redis() {}

        /**
         * Whether the Redis backend is used (default true).
         *
         * @return whether enabled
         */
        public boolean isEnabled() {
            return enabled;
        }

        /**
         * Sets whether the Redis backend is used.
         *
         * @param enabled whether enabled
         */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /**
         * The Redis URI.
         *
         * @return the URI, or {@code null} when not set
         */
        public @Nullable String getUri() {
            return uri;
        }

        /**
         * Sets the Redis URI.
         *
         * @param uri the URI
         */
        public void setUri(@Nullable String uri) {
            this.uri = uri;
        }

        /**
         * Key prefix (default {@code orderkit:}).
         *
         * @return the prefix
         */
        public String getKeyPrefix() {
            return keyPrefix;
        }

        /**
         * Sets the key prefix.
         *
         * @param keyPrefix the prefix
         */
        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        /**
         * Buckets records are spread over (default 16).
         *
         * @return the bucket count
         */
        public int getBuckets() {
            return buckets;
        }

        /**
         * Sets the buckets records are spread over.
         *
         * @param buckets the bucket count
         */
        public void setBuckets(int buckets) {
            this.buckets = buckets;
        }

        /**
         * Whether the server is a Redis Cluster.
         *
         * @return whether cluster mode is on, or {@code null} to detect it
         */
        public @Nullable Boolean getClusterMode() {
            return clusterMode;
        }

        /**
         * Sets whether the server is a Redis Cluster.
         *
         * @param clusterMode whether cluster mode is on; {@code null} to detect it
         */
        public void setClusterMode(@Nullable Boolean clusterMode) {
            this.clusterMode = clusterMode;
        }
    }

    /** {@code orderkit.stripe.*}: Stripe payments, used when {@code orderkit.stripe.api-key} is set. */
    public static class Stripe {
        /** Secret or restricted Stripe API key; setting it switches Stripe payments on. Never logged. */
        private @Nullable String apiKey;

        /** Webhook endpoint signing secret (whsec_...); setting it registers the webhook endpoint. Never logged. */
        private @Nullable String webhookSecret;

        /** Older signing secrets still accepted while rotating. */
        private List<String> previousWebhookSecrets = new ArrayList<>();

        /** Path of the Stripe webhook endpoint. */
        private String webhookPath = "/orderkit/webhooks/stripe";

        /** Stripe API base URL (for tests against a fake Stripe). */
        private @Nullable String apiBase;

        /** Return URL for payment methods that redirect the customer. */
        private @Nullable String returnUrl;

        /** Creates the settings with their defaults. */
        public Stripe() {}

        /**
         * The API key.
         *
         * @return the key, or {@code null} when Stripe is off
         */
        public @Nullable String getApiKey() {
            return apiKey;
        }

        /**
         * Sets the API key.
         *
         * @param apiKey the key
         */
        public void setApiKey(@Nullable String apiKey) {
            this.apiKey = apiKey;
        }

        /**
         * The webhook signing secret.
         *
         * @return the secret, or {@code null} when the webhook endpoint is off
         */
        public @Nullable String getWebhookSecret() {
            return webhookSecret;
        }

        /**
         * Sets the webhook signing secret.
         *
         * @param webhookSecret the secret
         */
        public void setWebhookSecret(@Nullable String webhookSecret) {
            this.webhookSecret = webhookSecret;
        }

        /**
         * Older signing secrets accepted while rotating.
         *
         * @return the secrets
         */
        public List<String> getPreviousWebhookSecrets() {
            return previousWebhookSecrets;
        }

        /**
         * Sets the older signing secrets accepted while rotating.
         *
         * @param previousWebhookSecrets the secrets
         */
        public void setPreviousWebhookSecrets(List<String> previousWebhookSecrets) {
            this.previousWebhookSecrets = previousWebhookSecrets;
        }

        /**
         * The webhook endpoint path (default {@code /orderkit/webhooks/stripe}).
         *
         * @return the path
         */
        public String getWebhookPath() {
            return webhookPath;
        }

        /**
         * Sets the webhook endpoint path.
         *
         * @param webhookPath the path
         */
        public void setWebhookPath(String webhookPath) {
            this.webhookPath = webhookPath;
        }

        /**
         * The API base URL.
         *
         * @return the URL, or {@code null} for Stripe's
         */
        public @Nullable String getApiBase() {
            return apiBase;
        }

        /**
         * Sets the API base URL.
         *
         * @param apiBase the URL
         */
        public void setApiBase(@Nullable String apiBase) {
            this.apiBase = apiBase;
        }

        /**
         * The return URL.
         *
         * @return the URL, or {@code null}
         */
        public @Nullable String getReturnUrl() {
            return returnUrl;
        }

        /**
         * Sets the return URL.
         *
         * @param returnUrl the URL
         */
        public void setReturnUrl(@Nullable String returnUrl) {
            this.returnUrl = returnUrl;
        }
    }

    /** {@code orderkit.idempotency.*}: the HTTP Idempotency-Key layer of {@link Idempotent} endpoints. */
    public static class Idempotency {
        /** Name of the request header carrying the idempotency key. */
        private String header = "Idempotency-Key";

        /** How long the first request holds the key; a retry after that may run again. */
        private Duration lease = Duration.ofSeconds(30);

        /** How long a completed response is kept for replay. */
        private Duration retention = Duration.ofHours(24);

        /** Response headers stored with the response and replayed (Content-Type always is). */
        private List<String> replayedHeaders = new ArrayList<>(List.of("Location", "Content-Language"));

        /** Creates the settings with their defaults. */
        public Idempotency() {}

        /**
         * The header name (default {@code Idempotency-Key}).
         *
         * @return the name
         */
        public String getHeader() {
            return header;
        }

        /**
         * Sets the header name.
         *
         * @param header the name
         */
        public void setHeader(String header) {
            this.header = header;
        }

        /**
         * The lease of a first request (default 30 s).
         *
         * @return the lease
         */
        public Duration getLease() {
            return lease;
        }

        /**
         * Sets the lease of a first request.
         *
         * @param lease the lease
         */
        public void setLease(Duration lease) {
            this.lease = lease;
        }

        /**
         * The retention of a completed response (default 24 h).
         *
         * @return the retention
         */
        public Duration getRetention() {
            return retention;
        }

        /**
         * Sets the retention of a completed response.
         *
         * @param retention the retention
         */
        public void setRetention(Duration retention) {
            this.retention = retention;
        }

        /**
         * The replayed response headers (default {@code Location}, {@code Content-Language}).
         *
         * @return the header names
         */
        public List<String> getReplayedHeaders() {
            return replayedHeaders;
        }

        /**
         * Sets the replayed response headers.
         *
         * @param replayedHeaders the header names
         */
        public void setReplayedHeaders(List<String> replayedHeaders) {
            this.replayedHeaders = replayedHeaders;
        }
    }
}
