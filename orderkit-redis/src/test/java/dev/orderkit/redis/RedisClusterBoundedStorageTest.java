package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.BoundedStorageContract;
import java.util.Map;

/**
 * Storage stays flat over many order cycles on the 3-master Redis Cluster (2,000 cycles, enough
 * to pass the warm-up twice over: the 10,000-cycle run is on the standalone server): key counts
 * and entries per key kind, reservation parts in their own slots included.
 */
class RedisClusterBoundedStorageTest extends BoundedStorageContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected Map<String, Long> footprint() {
        return RedisBoundedStorage.footprint((RedisFixture) fixture);
    }

    @Override
    protected int cycles() {
        return 2_000;
    }
}
