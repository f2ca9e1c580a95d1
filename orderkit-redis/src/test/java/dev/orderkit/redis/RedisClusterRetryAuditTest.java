package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;

/** {@link RetryAudit} on cluster Redis. */
class RedisClusterRetryAuditTest extends RetryAudit {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
