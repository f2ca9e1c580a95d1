package dev.orderkit.redis;

import dev.orderkit.testkit.AsyncPlacementContract;
import dev.orderkit.testkit.BackendFixture;

/**
 * AsyncPlacementContract with the stock on a standalone Redis and the keys and orders in core's
 * in-memory stores (the steps of a submit are separate writes there, not one commit).
 */
class RedisStandaloneAsyncPlacementTest extends AsyncPlacementContract {
    @Override
    protected BackendFixture createFixture() {
        return RedisFixture.standalone();
    }
}
