package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.StockPolicyContract;

/** StockPolicyContract against the 3-master Redis Cluster (orders in core's in-memory store). */
class RedisClusterStockPolicyTest extends StockPolicyContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
