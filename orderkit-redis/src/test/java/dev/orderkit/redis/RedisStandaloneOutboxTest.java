package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.OutboxContract;

/** OutboxContract against a standalone Redis: stock events recorded by the stock scripts in the Redis outbox streams. */
class RedisStandaloneOutboxTest extends OutboxContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.withOutbox(false);
    }
}
