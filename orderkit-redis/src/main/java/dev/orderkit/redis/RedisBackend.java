package dev.orderkit.redis;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.OutboxRelay;
import dev.orderkit.core.observability.Instrumentation;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.redis.internal.Keys;
import dev.orderkit.redis.internal.Redis;
import dev.orderkit.redis.internal.RedisIdempotencyStore;
import dev.orderkit.redis.internal.RedisInboxStore;
import dev.orderkit.redis.internal.RedisOutboxStore;
import dev.orderkit.redis.internal.RedisStockStorage;
import dev.orderkit.redis.internal.SagaHook;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.UnifiedJedis;

/**
 * Entry point of the Redis backend: a {@link StockStorage} (recording its events in an outbox of
 * Redis streams with each change: {@link #outboxPublisher(EventSink)} delivers them), an
 * {@link IdempotencyStore} and an {@link InboxStore} (shared webhook de-duplication) over
 * one Jedis {@link UnifiedJedis} ({@code RedisClient} / {@code JedisPooled} for a standalone
 * server, {@code RedisClusterClient} / {@code JedisCluster} for Redis Cluster) under a key prefix.
 *
 * <pre>{@code
 * RedisBackend redis = RedisBackend.builder().client(RedisClient.create("127.0.0.1", 6379)).keyPrefix("ok:").build();
 * OrderKit kit = OrderKit.builder()
 *     .stockStorage(redis.stockStorage())
 *     .idempotencyStore(redis.idempotencyStore())
 *     .background(Background.on())
 *     .outboxPublishing(redis.outboxPublisher(mySink))   // the stock events, at least once
 *     .build();
 * }</pre>
 *
 * <p>Every method of the returned SPIs takes its time from the caller's {@code now} (core's
 * {@code Clock}), never from the Redis server's {@code TIME}. All processes sharing a prefix must
 * use the same {@link Builder#buckets(int) bucket count} and the same deployment kind (standalone
 * or cluster). The backend does not own the client: closing it is the caller's job.
 *
 * <p>Thread-safe: share one instance per prefix.
 */
public final class RedisBackend {
    private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9_.:-]{0,64}");

    private final Redis redis;
    private final Keys keys;
    private final RedisStockStorage stock;
    private final RedisIdempotencyStore idempotency;
    private final RedisInboxStore inbox;
    private final RedisOutboxStore outbox;

    private RedisBackend(Builder b, UnifiedJedis client) {
        this.redis = new Redis(client, b.cluster != null ? b.cluster : Redis.isClusterClient(client));
        this.keys = new Keys(b.prefix, b.buckets);
        this.outbox = new RedisOutboxStore(redis, keys);
        this.stock = new RedisStockStorage(redis, keys, SagaHook.NONE, outbox);
        this.idempotency = new RedisIdempotencyStore(redis, keys);
        this.inbox = new RedisInboxStore(redis, keys);
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
     * The stock storage (levels, reservations, movements).
     *
     * @return the storage, thread-safe
     */
    public StockStorage stockStorage() {
        return stock;
    }

    /**
     * Upgrade step for data written by a release that did not report held and committed stock
     * apart ({@link dev.orderkit.core.StockLevel#committed()}). Such a level reads as committed
     * {@code 0}; a reservation committed before the upgrade is not counted in it and, when it is
     * released or fulfilled, not subtracted from it (the level converges by itself once those
     * reservations are finished). This call counts every such reservation into its levels now, each
     * atomically with respect to every write of its levels; it is idempotent and safe while other
     * processes run (call it again after the last process of the older release stopped). It scans
     * every reservation of this prefix: run it once per upgrade, not per start.
     *
     * @return the number of reservation parts counted by this call
     * @throws dev.orderkit.core.BackendUnavailableException if Redis fails
     */
    public int countCommittedReservations() {
        return stock.countCommitted();
    }

    /**
     * The idempotency store.
     *
     * @return the store, thread-safe
     */
    public IdempotencyStore idempotencyStore() {
        return idempotency;
    }

    /**
     * The message inbox (e.g. {@code StripeWebhookHandler.builder(orders).inbox(redis.inboxStore())}):
     * one hash per message, hash-tagged by bucket so it works on Redis Cluster. Completed messages
     * are kept until {@link InboxStore#purgeCompleted} deletes them: run it periodically.
     *
     * @return the store, thread-safe and atomic across every client of this prefix
     */
    public InboxStore inboxStore() {
        return inbox;
    }

    /**
     * The outbox's delivery primitives, for a relay of your own ({@code new OutboxRelay(
     * redis.outboxStore(), sink)}, what {@link #outboxPublisher(EventSink)} returns). Every stock
     * change appends its event ({@code StockEvents}: reserved, committed, released, fulfilled,
     * expired, extended, adjusted) to an outbox stream in the same Lua script as the change: one
     * stream per hash slot group (a reservation's events in its header's bucket stream, a level's
     * {@code STOCK_ADJUSTED} in its SKU's stream on a cluster), so the events of one aggregate are
     * one stream in commit order. A redriven dead letter is appended again at its stream's end (a
     * new {@code sequence}, same event id).
     *
     * @return the store, thread-safe and atomic per stream across every client of this prefix
     */
    public OutboxStore outboxStore() {
        return outbox;
    }

    /**
     * A relay delivering the stock events recorded in this backend's outbox to a sink, at least
     * once, in commit order per aggregate, with {@link OutboxRelay.Settings#defaults()}: run it as
     * the kit's background task ({@code OrderKit.builder().background(Background.on())
     * .outboxPublishing(redis.outboxPublisher(sink))}) or call {@link OutboxRelay#runOnce()}
     * yourself; {@link OutboxRelay#deadLetters(int)} and {@link OutboxRelay#redrive(String)} list and
     * redrive dead letters. Any number of relays (threads, processes) may run on one prefix.
     *
     * @param sink where events go (a discarding sink marks them sent, so the purge can delete them)
     * @return the relay, thread-safe
     */
    public OutboxRelay outboxPublisher(EventSink sink) {
        return outboxPublisher(sink, OutboxRelay.Settings.defaults(), Clock.systemUTC(), Instrumentation.noop());
    }

    /**
     * A relay delivering this backend's outbox to a sink (see {@link #outboxPublisher(EventSink)}).
     *
     * @param sink where events go
     * @param settings batch, retry and claim settings
     * @param clock time of claims and backoffs (the kit's clock)
     * @param instrumentation reports each round
     * @return the relay, thread-safe
     */
    public OutboxRelay outboxPublisher(
            EventSink sink, OutboxRelay.Settings settings, Clock clock, Instrumentation instrumentation) {
        return new OutboxRelay(outbox, sink, settings, clock, instrumentation);
    }

    /**
     * The key prefix.
     *
     * @return the prefix
     */
    public String keyPrefix() {
        return keys.prefix();
    }

    /**
     * Whether keys are grouped by cluster hash slot (cross-slot reservations run as sagas).
     *
     * @return true for a cluster client
     */
    public boolean clusterMode() {
        return redis.cluster();
    }

    /**
     * Deletes every key under this prefix (SCAN, on a cluster on every master, then DEL). Meant for
     * tests and tear-down; never call it while other processes use the prefix.
     *
     * @return the number of keys deleted
     * @throws BackendUnavailableException if Redis cannot be reached
     */
    public long deleteAllKeys() {
        List<String> all = redis.scan(keys.allPattern());
        long n = 0;
        for (String k : all) {
            n += redis.call(() -> redis.client().del(k));
        }
        return n;
    }

    /** Builder of {@link RedisBackend}. Not thread-safe. */
    public static final class Builder {
        private @Nullable UnifiedJedis client;
        private String prefix = "orderkit:";
        private int buckets = 16;
        private @Nullable Boolean cluster;

        private Builder() {}

        /**
         * The Redis client (required): {@code RedisClient}, {@code RedisClusterClient},
         * {@code JedisCluster} or any other {@code UnifiedJedis}.
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
         * Key prefix (default {@code orderkit:}): up to 64 characters of {@code A-Z a-z 0-9 _ . : -}
         * (no braces, so hash tags stay ours; no glob characters, so SCAN patterns stay exact).
         *
         * @param value the prefix
         * @return this builder
         * @throws IllegalArgumentException if the prefix has other characters
         */
        public Builder keyPrefix(String value) {
            Objects.requireNonNull(value, "keyPrefix");
            if (!PREFIX.matcher(value).matches()) {
                throw new IllegalArgumentException("keyPrefix must match " + PREFIX.pattern() + ": " + value);
            }
            this.prefix = value;
            return this;
        }

        /**
         * Number of buckets reservation headers and idempotency records are spread over (default
         * 16; each bucket is one hash slot). Must be the same in every process sharing the prefix.
         *
         * @param value 1..1024
         * @return this builder
         * @throws IllegalArgumentException if out of range
         */
        public Builder buckets(int value) {
            if (value < 1 || value > 1024) {
                throw new IllegalArgumentException("buckets must be 1..1024: " + value);
            }
            this.buckets = value;
            return this;
        }

        /**
         * Forces cluster mode on or off (default: on iff the client is a {@code JedisCluster} or
         * {@code RedisClusterClient}).
         * Cluster mode is also correct on a standalone server, just slower.
         *
         * @param value whether to group keys by hash slot
         * @return this builder
         */
        public Builder clusterMode(boolean value) {
            this.cluster = value;
            return this;
        }

        /**
         * Builds the backend.
         *
         * @return the backend
         * @throws NullPointerException if no client was set
         */
        public RedisBackend build() {
            return new RedisBackend(this, Objects.requireNonNull(client, "client"));
        }
    }
}
