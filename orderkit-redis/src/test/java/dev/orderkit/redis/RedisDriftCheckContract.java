package dev.orderkit.redis;

import dev.orderkit.core.StockKey;
import dev.orderkit.redis.internal.Codec;
import dev.orderkit.redis.internal.Keys;
import dev.orderkit.testkit.DriftCheckContract;
import java.time.Duration;
import java.util.Map;

/**
 * {@link DriftCheckContract} on Redis: drift is planted with plain commands on the fixture's keys
 * ({@code HSET} of the level hash; an orphan part hash in the SKU's slot, indexed in its active set).
 */
abstract class RedisDriftCheckContract extends DriftCheckContract {

    private RedisFixture redis() {
        return (RedisFixture) fixture;
    }

    private Keys layout() {
        return new Keys(redis().backend().keyPrefix(), 16);
    }

    @Override
    protected void plantLevel(StockKey key, long onHand, long reserved) {
        redis().client().hset(layout().level(key), Map.of("oh", Long.toString(onHand), "rs", Long.toString(reserved)));
    }

    @Override
    protected void plantOrphanHold(StockKey key, String reservationId, long quantity) {
        Keys k = layout();
        String part = k.part(key.sku(), reservationId, 1);
        redis().client()
                .hset(
                        part,
                        Map.of(
                                "st", "HELD",
                                "id", reservationId,
                                "exp", Codec.time(clock.instant().plus(Duration.ofDays(1))),
                                "lv", k.level(key),
                                "mv", k.movements(key),
                                "du", k.skuDue(key.sku()),
                                "q", Long.toString(quantity),
                                "ts", Codec.time(clock.instant())));
        redis().client().sadd(k.skuActive(key.sku()), part);
    }
}
