package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.redis.internal.Redis;
import dev.orderkit.testkit.InvariantChecker;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * The scripts run as one Redis function library: loaded on first use, loaded again when a server
 * lost it, and replaced by EVALSHA where the server has no functions.
 */
class RedisFunctionsTest {
    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");

    private static String prefix() {
        return "fn-" + UUID.randomUUID().toString().substring(0, 8) + ":";
    }

    private static void reserveTwice(StockStorage s) {
        StockKey k = StockKey.of("sku-fn");
        s.adjust(k, 10, "init", NOW);
        assertThat(s.reserve("r1", List.of(new AllocatedLine(k, 2)), NOW.plusSeconds(60), NOW))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(s.reserve("r2", List.of(new AllocatedLine(k, 3)), NOW.plusSeconds(60), NOW))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(s.level(k).orElseThrow().reserved()).isEqualTo(5);
        assertThat(InvariantChecker.checkStock(s)).isEmpty();
    }

    private static String libraryName(String library) {
        return library.substring("#!lua name=".length(), library.indexOf('\n'));
    }

    @Test
    void aServerThatLostTheLibraryGetsItBackOnTheNextCall() {
        String url = RedisTestServices.standaloneUrl();
        try (RedisClient c = RedisClient.create(url);
                Jedis admin = new Jedis(URI.create(url))) {
            RedisBackend backend =
                    RedisBackend.builder().client(c).keyPrefix(prefix()).build();
            StockStorage s = backend.stockStorage();
            String name = libraryName(new Redis(c, false).library());
            s.adjust(StockKey.of("warm"), 1, "w", NOW);
            assertThat(admin.functionList(name)).as("loaded on first use").hasSize(1);
            admin.functionDelete(name);
            reserveTwice(s);
            assertThat(admin.functionList(name)).as("loaded again").hasSize(1);
        }
    }

    @Test
    void aServerWithoutFunctionsRunsTheScriptsByEvalsha() {
        AtomicInteger fcalls = new AtomicInteger();
        AtomicInteger loads = new AtomicInteger();
        try (FaultyJedis.NoFunctions client =
                new FaultyJedis.NoFunctions(RedisTestServices.standaloneUrl(), fcalls, loads)) {
            StockStorage s = RedisBackend.builder()
                    .client(client)
                    .keyPrefix(prefix())
                    .build()
                    .stockStorage();
            reserveTwice(s);
            assertThat(loads.get())
                    .as("one load attempt, then EVALSHA for good")
                    .isEqualTo(1);
            assertThat(fcalls.get()).isEqualTo(1);
        }
    }
}
