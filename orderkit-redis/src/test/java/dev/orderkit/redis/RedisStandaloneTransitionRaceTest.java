package dev.orderkit.redis;

import redis.clients.jedis.UnifiedJedis;

/** {@link TransitionRaces} on a standalone Redis (one part per reservation). */
class RedisStandaloneTransitionRaceTest extends TransitionRaces {
    @Override
    protected RedisFixture createFixture() {
        return RedisFixture.standalone();
    }

    @Override
    protected UnifiedJedis client() {
        return RedisTestServices.standalone();
    }
}
