package dev.orderkit.redis;

import redis.clients.jedis.UnifiedJedis;

/** {@link RedisPaymentPermits} on the 3-master Redis Cluster. */
class RedisClusterPaymentPermitsTest extends RedisPaymentPermitsContract {
    @Override
    protected UnifiedJedis newClient() {
        return RedisTestServices.newCluster(RedisTestServices.clusterNodes());
    }
}
