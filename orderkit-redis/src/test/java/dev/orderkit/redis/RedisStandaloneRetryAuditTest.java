package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;

/** {@link RetryAudit} on standalone Redis. */
class RedisStandaloneRetryAuditTest extends RetryAudit {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
