package dev.orderkit.redis;

import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.InboxStoreContract;

/** InboxStoreContract against a standalone Redis; the peer is a second client on the same prefix. */
class RedisStandaloneInboxStoreTest extends InboxStoreContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }
}
