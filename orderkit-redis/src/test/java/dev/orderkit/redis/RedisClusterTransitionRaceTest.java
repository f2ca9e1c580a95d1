package dev.orderkit.redis;

import redis.clients.jedis.UnifiedJedis;

/** {@link TransitionRaces} on the 3-master Redis Cluster (one part per slot: three parts). */
class RedisClusterTransitionRaceTest extends TransitionRaces {
    @Override
    protected RedisFixture createFixture() {
        return RedisFixture.cluster();
    }

    @Override
    protected UnifiedJedis client() {
        return RedisTestServices.cluster();
    }
}
