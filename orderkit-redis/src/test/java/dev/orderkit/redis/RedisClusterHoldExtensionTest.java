package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.HoldExtensionContract;

/**
 * HoldExtensionContract against the 3-master Redis Cluster (the hold's two SKUs live in two slots:
 * a header and two parts, extended parts first; orders in core's in-memory store).
 */
class RedisClusterHoldExtensionTest extends HoldExtensionContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }
}
