package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.InboxStoreContract;

/** InboxStoreContract against the 3-master Redis Cluster; the peer is a second client on the same prefix. */
class RedisClusterInboxStoreTest extends InboxStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
