package dev.orderkit.redis;

import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.TestServices;
import redis.clients.jedis.UnifiedJedis;

/**
 * A Redis backend under a fresh key prefix, with core's in-memory order store. The primary fixture
 * deletes its keys on close; a peer (another client on the same prefix and the same order store)
 * only closes its own client.
 */
final class RedisFixture implements BackendFixture {
    private final RedisBackend backend;
    private final OrderStore orders;
    private final UnifiedJedis ownClient;
    private final String kind;

    private RedisFixture(RedisBackend backend, OrderStore orders, UnifiedJedis ownClient, String kind) {
        this.backend = backend;
        this.orders = orders;
        this.ownClient = ownClient;
        this.kind = kind;
    }

    static RedisFixture standalone() {
        String prefix = TestServices.uniqueName("okt") + ":";
        return new RedisFixture(RedisBackend.builder().client(RedisTestServices.standalone()).keyPrefix(prefix).build(),
                new InMemoryOrderStore(EventSink.discarding()), null, "redis standalone");
    }

    static RedisFixture cluster() {
        String prefix = TestServices.uniqueName("okt") + ":";
        return new RedisFixture(RedisBackend.builder().client(RedisTestServices.cluster()).keyPrefix(prefix).build(),
                new InMemoryOrderStore(EventSink.discarding()), null, "redis cluster");
    }

    /** A second client on the same prefix, as another process would open it. */
    RedisFixture peer() {
        UnifiedJedis c = backend.clusterMode() ? RedisTestServices.newCluster(RedisTestServices.clusterNodes())
                : redis.clients.jedis.RedisClient.create(java.net.URI.create(RedisTestServices.standaloneUrl()));
        return new RedisFixture(RedisBackend.builder().client(c).keyPrefix(backend.keyPrefix()).build(), orders, c,
                kind + " (peer)");
    }

    RedisBackend backend() {
        return backend;
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
    public String description() {
        return kind + " prefix " + backend.keyPrefix() + " + in-memory order store";
    }

    @Override
    public void close() {
        if (ownClient != null) {
            ownClient.close();
        } else {
            backend.deleteAllKeys();
        }
    }
}
