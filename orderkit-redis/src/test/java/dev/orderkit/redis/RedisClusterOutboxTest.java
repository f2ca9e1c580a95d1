package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;

/** OutboxContract against the 3-master Redis Cluster: stock events recorded by the stock scripts in the Redis outbox streams. */
class RedisClusterOutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.withOutbox(true);
    }
}
