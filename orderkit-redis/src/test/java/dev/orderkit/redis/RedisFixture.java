package dev.orderkit.redis;

import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.redis.internal.RedisOutboxStore;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.FaultInjection;
import dev.orderkit.testkit.FaultPlan;
import dev.orderkit.testkit.TestServices;
import java.util.function.Function;
import redis.clients.jedis.UnifiedJedis;

/**
 * A Redis backend under a fresh key prefix, with core's in-memory order store. Each fixture opens
 * its own client ({@link FaultyJedis}: a pass-through until {@link #faults()} is armed) and closes
 * it; the primary fixture also deletes its keys on close, a peer (another client on the same prefix
 * and the same order store, as another process would open it) does not.
 */
final class RedisFixture implements BackendFixture {
    private final RedisBackend backend;
    private final OrderStore orders;
    private final UnifiedJedis client;
    private final FaultPlan faults;
    private final FaultyJedis.ScriptFaults scriptFaults;
    private final boolean primary;
    private final String kind;

    private RedisFixture(boolean cluster, String prefix, OrderStore orders, boolean primary, String kind) {
        this(cluster, prefix, b -> orders, primary, kind);
    }

    private RedisFixture(
            boolean cluster, String prefix, Function<RedisBackend, OrderStore> orders, boolean primary, String kind) {
        this.faults = new FaultPlan();
        this.scriptFaults = new FaultyJedis.ScriptFaults(faults);
        this.client = cluster
                ? new FaultyJedis.Cluster(RedisTestServices.clusterNodes(), scriptFaults)
                : new FaultyJedis.Standalone(RedisTestServices.standaloneUrl(), scriptFaults);
        this.backend = RedisBackend.builder().client(client).keyPrefix(prefix).build();
        this.orders = orders.apply(backend);
        this.primary = primary;
        this.kind = kind;
    }

    static RedisFixture standalone() {
        return new RedisFixture(
                false,
                TestServices.uniqueName("okt") + ":",
                new InMemoryOrderStore(EventSink.discarding()),
                true,
                "redis standalone");
    }

    static RedisFixture cluster() {
        return new RedisFixture(
                true,
                TestServices.uniqueName("okt") + ":",
                new InMemoryOrderStore(EventSink.discarding()),
                true,
                "redis cluster");
    }

    /**
     * A fixture for the outbox contract: the in-memory order store delivers each order event right
     * after its change into the Redis outbox (the stream of the order id's bucket, where the stock
     * scripts record the events of the order's hold), so the order's and its hold's events are one
     * ordered stream, as the contract checks. (An in-memory order store is lost with its process
     * anyway; only the stock events are recorded atomically with their changes.)
     */
    static RedisFixture withOutbox(boolean cluster) {
        return new RedisFixture(
                cluster,
                TestServices.uniqueName("okt") + ":",
                b -> new InMemoryOrderStore(e -> ((RedisOutboxStore) b.outboxStore()).append(e)),
                true,
                (cluster ? "redis cluster" : "redis standalone") + " (order events forwarded into the Redis outbox)");
    }

    /** A second client on the same prefix, as another process would open it (with its own faults). */
    RedisFixture peer() {
        return new RedisFixture(backend.clusterMode(), backend.keyPrefix(), orders, false, kind + " (peer)");
    }

    RedisBackend backend() {
        return backend;
    }

    /** This fixture's client. */
    UnifiedJedis client() {
        return client;
    }

    /** The Redis-specific fault controls of this fixture's client (aimed faults, re-send, counter). */
    FaultyJedis.ScriptFaults scriptFaults() {
        return scriptFaults;
    }

    @Override
    public StockStorage stockStorage() {
        return backend.stockStorage();
    }

    @Override
    public IdempotencyStore idempotencyStore() {
        return backend.idempotencyStore();
    }

    @Override
    public InboxStore inboxStore() {
        return backend.inboxStore();
    }

    @Override
    public OrderStore orderStore() {
        return orders;
    }

    @Override
    public OutboxStore outboxStore() {
        return backend.outboxStore();
    }

    /**
     * Script faults of this fixture's client ({@link FaultyJedis}): every Lua script is one write;
     * {@code FAIL_BEFORE} fails it with a connection error before it is sent, {@code LOSE_ACK} runs it
     * and then loses the reply. The in-memory order store is not failed.
     */
    @Override
    public FaultInjection faults() {
        return faults;
    }

    @Override
    public String description() {
        return kind + " prefix " + backend.keyPrefix() + " + in-memory order store";
    }

    @Override
    public void close() {
        try {
            if (primary) {
                faults.disarm();
                backend.deleteAllKeys();
            }
        } finally {
            client.close();
        }
    }
}
