package dev.orderkit.redis;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.payment.PaymentPermits;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.serialization.Mapper;
import io.github.bucket4j.redis.jedis.Bucket4jJedis;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisException;

/**
 * A payment pace shared by every instance of the application through one token bucket in Redis
 * (Bucket4j's compare-and-swap bucket over Jedis): {@code
 * OrderKit.builder().paymentPacing(PaymentPacing.shared(permits, permits.permitsPerSecond()))}.
 *
 * <pre>{@code
 * UnifiedJedis jedis = RedisClient.create("127.0.0.1", 6379);       // the client of your RedisBackend
 * RedisPaymentPermits permits = RedisPaymentPermits.builder()
 *         .client(jedis).keyPrefix("ok:").permitsPerSecond(25).build();
 * OrderKit kit = OrderKit.builder()
 *         .paymentPacing(PaymentPacing.shared(permits, permits.permitsPerSecond()))
 *         ...
 * }</pre>
 *
 * <p><b>Optional dependencies:</b> add {@code com.bucket4j:bucket4j_jdk17-core} and
 * {@code com.bucket4j:bucket4j_jdk17-jedis} (8.14; the orderkit parent manages the version) to use
 * this class; the rest of the Redis backend does not need them.
 *
 * <p><b>The bucket:</b> one key, {@code <keyPrefix>{pp:<name>}} (a hash tag, so it works on Redis
 * Cluster as well as on a standalone server, with any {@code UnifiedJedis}: {@code RedisClient},
 * {@code JedisPooled}, {@code RedisClusterClient}, {@code JedisCluster}; it is deleted with the
 * backend's keys by {@link RedisBackend#deleteAllKeys()}). Its capacity is
 * {@code max(1, floor(rate / 10))} permits, refilled greedily (continuously) at {@code rate} per
 * second: after the bucket was idle, up to a tenth of a second's worth of calls (at least one) may
 * go at once, otherwise calls are spread evenly; over any interval of {@code t} seconds at most
 * {@code rate * t + capacity} permits are granted, all instances together. The key expires one
 * minute after the bucket would be full again (an idle bucket is full anyway), so nothing is left
 * behind.
 *
 * <p><b>Every instance sharing a bucket must use the same rate</b>: the first to create the key
 * stores its configuration and the others use the stored one. To change the rate, use a new
 * {@link Builder#name(String) name} (or delete the key while the bucket is idle). Time is each
 * instance's clock (Bucket4j's client-side clock): keep the clocks NTP-synchronized.
 *
 * <p>Thread-safe; {@link #tryTake()} never waits for a permit: it costs one Redis round trip (two
 * when it takes a permit: read, then compare-and-swap, repeated if another client changed the
 * bucket in between). The instance does not own the client.
 */
public final class RedisPaymentPermits implements PaymentPermits {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,64}");
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{0,64}");
    /** How long the key outlives the moment its bucket would be full again. */
    private static final Duration KEEP_WHEN_FULL = Duration.ofMinutes(1);

    private final BucketProxy bucket;
    private final String key;
    private final double rate;
    private final long capacity;

    private RedisPaymentPermits(UnifiedJedis client, String key, double rate) {
        this.key = key;
        this.rate = rate;
        this.capacity = capacity(rate);
        BucketConfiguration config = BucketConfiguration.builder()
                .addLimit(limit -> limit.capacity(capacity).refillGreedy(capacity, refillPeriod(capacity, rate)))
                .build();
        this.bucket = Bucket4jJedis.casBasedBuilder(client)
                .keyMapper(Mapper.STRING)
                .expirationAfterWrite(ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_WHEN_FULL))
                .build()
                .builder()
                .build(key, () -> config);
    }

    /**
     * Starts a builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Takes one permit from the shared bucket if one is available now.
     *
     * @return {@link Duration#ZERO} if a permit was taken, else a positive estimate of the wait for
     *     the next one
     * @throws BackendUnavailableException if Redis fails (no permit was taken, or one was taken and
     *     the answer was lost: the bucket then runs one permit short)
     */
    @Override
    public Duration tryTake() {
        ConsumptionProbe probe;
        try {
            probe = bucket.tryConsumeAndReturnRemaining(1);
        } catch (JedisException e) {
            throw new BackendUnavailableException("payment permits: Redis failed on " + key + ": " + e, e);
        }
        if (probe.isConsumed()) {
            return Duration.ZERO;
        }
        return Duration.ofNanos(Math.max(1, probe.getNanosToWaitForRefill()));
    }

    /**
     * The pace all instances together are held to (for {@code PaymentPacing.shared(permits, rate)}).
     *
     * @return permits per second
     */
    public double permitsPerSecond() {
        return rate;
    }

    /**
     * The bucket's capacity: the most permits granted at once after the bucket was idle.
     *
     * @return {@code max(1, floor(permitsPerSecond / 10))}
     */
    public long burst() {
        return capacity;
    }

    /**
     * The Redis key of the bucket.
     *
     * @return {@code <keyPrefix>{pp:<name>}}
     */
    public String key() {
        return key;
    }

    static long capacity(double rate) {
        return Math.max(1, (long) Math.floor(rate / 10));
    }

    static Duration refillPeriod(long capacity, double rate) {
        return Duration.ofNanos(Math.max(1, Math.round(capacity * 1e9 / rate)));
    }

    /** Builder of {@link RedisPaymentPermits}. Not thread-safe. */
    public static final class Builder {
        private @Nullable UnifiedJedis client;
        private String prefix = "orderkit:";
        private String name = "payments";
        private double rate = Double.NaN;

        private Builder() {}

        /**
         * The Redis client (required): the {@code UnifiedJedis} of the {@link RedisBackend}, or any
         * other, standalone or cluster.
         *
         * @param value the client
         * @return this builder
         * @throws NullPointerException if null
         */
        public Builder client(UnifiedJedis value) {
            this.client = Objects.requireNonNull(value, "client");
            return this;
        }

        /**
         * The key prefix (default {@code orderkit:}, as {@link RedisBackend.Builder#keyPrefix}): use
         * the backend's, {@link RedisBackend#keyPrefix()}.
         *
         * @param value up to 64 characters of {@code A-Z a-z 0-9 _ . : -}
         * @return this builder
         * @throws InvalidRequestException naming {@code keyPrefix} if it has other characters
         */
        public Builder keyPrefix(String value) {
            Objects.requireNonNull(value, "keyPrefix");
            if (!PREFIX.matcher(value).matches()) {
                throw new InvalidRequestException("keyPrefix", value, "must match " + PREFIX.pattern());
            }
            this.prefix = value;
            return this;
        }

        /**
         * The bucket's name under the prefix (default {@code payments}): instances with the same
         * prefix and name share one pace.
         *
         * @param value 1 to 64 characters of {@code A-Z a-z 0-9 _ . -}
         * @return this builder
         * @throws InvalidRequestException naming {@code name} if invalid
         */
        public Builder name(String value) {
            Objects.requireNonNull(value, "name");
            if (!NAME.matcher(value).matches()) {
                throw new InvalidRequestException("name", value, "must match " + NAME.pattern());
            }
            this.name = value;
            return this;
        }

        /**
         * The pace of all instances together (required).
         *
         * @param value permits per second, 0.001 .. 1,000,000
         * @return this builder
         * @throws InvalidRequestException naming {@code permitsPerSecond} if out of range
         */
        public Builder permitsPerSecond(double value) {
            if (!(value >= 0.001 && value <= 1_000_000)) {
                throw new InvalidRequestException(
                        "permitsPerSecond", value, "must be between 0.001 and 1000000 per second");
            }
            this.rate = value;
            return this;
        }

        /**
         * Builds the limiter (no Redis call: the key is created by the first {@link RedisPaymentPermits#tryTake()}).
         *
         * @return the limiter
         * @throws NullPointerException if no client was set
         * @throws InvalidRequestException naming {@code permitsPerSecond} if it was not set
         */
        public RedisPaymentPermits build() {
            Objects.requireNonNull(client, "client");
            if (Double.isNaN(rate)) {
                throw new InvalidRequestException("permitsPerSecond", null, "is required");
            }
            return new RedisPaymentPermits(client, prefix + "{pp:" + name + "}", rate);
        }
    }
}
