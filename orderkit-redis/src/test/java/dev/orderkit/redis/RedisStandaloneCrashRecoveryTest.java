package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.CrashRecoveryContract;

/** CrashRecoveryContract against a standalone Redis (orders in core's in-memory store). */
class RedisStandaloneCrashRecoveryTest extends CrashRecoveryContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
