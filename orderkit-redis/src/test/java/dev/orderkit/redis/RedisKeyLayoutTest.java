package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.StockKey;
import dev.orderkit.redis.internal.Keys;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * The applied-writes hash of a level ({@code P{s:SKU}:w:LOC}): in the level's slot, escaped like the
 * other keys, invisible to the level audit, removed by {@code deleteAllKeys} (with the outbox stream
 * of the level's events and the stream registry).
 */
class RedisKeyLayoutTest {
    private final StockKey odd = StockKey.of("sku:{x}%", "loc:{y}");

    @Test
    void appliedWritesShareTheLevelSlotAndAreCleanedUp() {
        for (RedisFixture f : List.of(RedisFixture.standalone(), RedisFixture.cluster())) {
            try (f) {
                Keys keys = new Keys(f.backend().keyPrefix(), 16);
                assertThat(keys.writes(odd))
                        .isEqualTo(f.backend().keyPrefix() + "{s:sku%3A%7Bx%7D%25}:w:loc%3A%7By%7D");
                assertThat(JedisClusterCRC16.getSlot(keys.writes(odd)))
                        .isEqualTo(JedisClusterCRC16.getSlot(keys.level(odd)));
                f.stockStorage().adjust(odd, 3, "ref|with|bars", Instant.EPOCH);
                f.stockStorage().setOnHand(odd, 5, 1, "count", Instant.EPOCH);
                assertThat(f.stockStorage().allLevels())
                        .singleElement()
                        .satisfies(l -> assertThat(l.key()).isEqualTo(odd));
                assertThat(f.stockStorage()
                                .adjust(odd, 3, "ref|with|bars", Instant.EPOCH)
                                .onHand())
                        .isEqualTo(3);
                assertThat(JedisClusterCRC16.getSlot(keys.levelOutbox(odd.sku())))
                        .as("a level's events are appended by its own script: the outbox stream is in its slot")
                        .isEqualTo(JedisClusterCRC16.getSlot(keys.level(odd)));
                assertThat(f.backend().deleteAllKeys())
                        .as("level, movements, locations, writes, the outbox stream of its events, the stream registry")
                        .isEqualTo(6);
                assertThat(f.stockStorage().level(odd)).isEmpty();
            }
        }
    }
}
