package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.testkit.FaultInjection.Fault;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.UnifiedJedis;

/**
 * The Redis fixture's {@link dev.orderkit.testkit.FaultInjection} ({@link FaultyJedis}) fails where
 * the network does: {@code FAIL_BEFORE} leaves the server untouched, {@code LOSE_ACK} applies the
 * script and loses its reply, also on the {@code EVAL} fallback after {@code NOSCRIPT}.
 */
abstract class ScriptFaults {
    private final Instant now = Instant.parse("2030-01-01T00:00:00Z");
    private final StockKey k = StockKey.of("faulty");
    private RedisFixture fixture;
    private StockStorage stock;

    protected abstract RedisFixture createFixture();

    @BeforeEach
    void open() {
        fixture = createFixture();
        stock = fixture.stockStorage();
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void failBeforeRunsNothing() {
        fixture.faults().arm(Fault.FAIL_BEFORE, 1);
        assertThatThrownBy(() -> stock.adjust(k, 5, "in-1", now)).isInstanceOf(BackendUnavailableException.class);
        assertThat(stock.level(k)).isEmpty();
        assertThat(stock.adjust(k, 5, "in-1", now).onHand()).isEqualTo(5);
        assertThat(fixture.faults().injected()).isEqualTo(1);
    }

    @Test
    void loseAckRunsTheScriptAndLosesTheReply() {
        fixture.faults().arm(Fault.LOSE_ACK, 1);
        assertThatThrownBy(() -> stock.adjust(k, 5, "in-1", now)).isInstanceOf(BackendUnavailableException.class);
        assertThat(stock.level(k).orElseThrow().onHand()).isEqualTo(5);
        StockLevel again = stock.adjust(k, 5, "in-1", now); // the retry is answered from the record
        assertThat(again.onHand()).isEqualTo(5);
        assertThat(stock.movements(k)).hasSize(1);
    }

    @Test
    void theEvalFallbackAfterNoscriptGetsTheFaultOfItsScript() {
        stock.adjust(k, 1, "warm-up", now);
        flushScripts();
        fixture.faults().arm(Fault.LOSE_ACK, 1);
        assertThatThrownBy(() -> stock.adjust(k, 5, "in-1", now)).isInstanceOf(BackendUnavailableException.class);
        assertThat(fixture.faults().injected()).isEqualTo(1);
        assertThat(stock.level(k).orElseThrow().onHand()).isEqualTo(6);
        flushScripts();
        fixture.faults().arm(Fault.FAIL_BEFORE, 1);
        assertThatThrownBy(() -> stock.adjust(k, 1, "in-2", now)).isInstanceOf(BackendUnavailableException.class);
        assertThat(stock.level(k).orElseThrow().onHand()).isEqualTo(6);
        assertThat(fixture.faults().injected()).isEqualTo(2);
    }

    private void flushScripts() {
        UnifiedJedis c = fixture.backend().clusterMode() ? RedisTestServices.cluster() : RedisTestServices.standalone();
        if (c instanceof JedisCluster jc) {
            for (var pool : jc.getClusterNodes().values()) {
                try (var conn = pool.getResource()) {
                    new Jedis(conn).scriptFlush();
                }
            }
        } else {
            c.scriptFlush();
        }
    }
}
