package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BoundedStorageContract;
import java.util.Map;

/** Storage stays flat over many order cycles on a standalone Redis: key counts and entries per key kind. */
class RedisStandaloneBoundedStorageTest extends BoundedStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected Map<String, Long> footprint() {
        return RedisBoundedStorage.footprint((RedisFixture) fixture);
    }
}
