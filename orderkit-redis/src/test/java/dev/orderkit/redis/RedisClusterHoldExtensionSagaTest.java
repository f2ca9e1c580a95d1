package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.redis.internal.Keys;
import dev.orderkit.redis.internal.Redis;
import dev.orderkit.redis.internal.RedisStockStorage;
import dev.orderkit.redis.internal.SagaHook;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.util.JedisClusterCRC16;

/**
 * Hold extension of a cross-slot reservation on the real cluster: parts are extended slot by slot
 * before the header, so a process dying between two steps leaves parts that expire later than their
 * header (a retry completes the extension; otherwise the header's expiry expires every part), and a
 * part expired lazily (by a reserve in its slot) before the extension reached it makes the
 * extension refused as due, never half-applied.
 */
class RedisClusterHoldExtensionSagaTest {
    private static final class Crash extends RuntimeException {
        Crash() {
            super("simulated crash");
        }
    }

    private RedisFixture fixture;
    private Redis redis;
    private Keys keys;
    private final AtomicReference<Runnable> at = new AtomicReference<>();
    private final AtomicReference<String> step = new AtomicReference<>();
    private RedisStockStorage hooked;
    private RedisStockStorage clean;
    private final Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
    private final Instant oldExpiry = now.plusSeconds(60);
    private final Instant newExpiry = now.plusSeconds(600);
    private final StockKey a = StockKey.of("ext-a");
    private final StockKey b = StockKey.of("ext-b");
    private final StockKey c = StockKey.of("ext-c");

    @BeforeEach
    void open() {
        fixture = RedisFixture.cluster();
        keys = new Keys(fixture.backend().keyPrefix(), 16);
        redis = new Redis(RedisTestServices.cluster(), true);
        hooked = new RedisStockStorage(redis, keys, (s, id, index) -> {
            if ((s + ":" + index).equals(step.get())) {
                Runnable r = at.getAndSet(null);
                if (r != null) {
                    r.run();
                }
            }
        });
        clean = new RedisStockStorage(redis, keys, SagaHook.NONE);
        for (StockKey k : List.of(a, b, c)) {
            clean.adjust(k, 10, "init", now);
        }
        assertThat(List.of(a, b, c).stream()
                        .map(k -> JedisClusterCRC16.getSlot(keys.level(k)))
                        .collect(Collectors.toSet()))
                .as("the test SKUs live in three slots")
                .hasSize(3);
        assertThat(clean.reserve(
                        "h",
                        List.of(new AllocatedLine(a, 2), new AllocatedLine(b, 3), new AllocatedLine(c, 4)),
                        oldExpiry,
                        now))
                .isInstanceOf(ReserveResult.Reserved.class);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    private long reserved(StockKey k) {
        return clean.level(k).map(StockLevel::reserved).orElseThrow();
    }

    private void crashAt(String s) {
        step.set(s);
        at.set(() -> {
            throw new Crash();
        });
    }

    @Test
    void aRetryCompletesAnExtensionThatDiedBetweenItsParts() {
        crashAt("extend-part:0");
        assertThatThrownBy(() -> hooked.extend("h", newExpiry, now)).isInstanceOf(Crash.class);
        assertThat(clean.reservation("h").orElseThrow().expiresAt())
                .as("the header decides")
                .isEqualTo(oldExpiry);

        ExtendResult retry = clean.extend("h", newExpiry, now.plusSeconds(1));

        assertThat(retry).isInstanceOf(ExtendResult.Extended.class);
        assertThat(clean.reservation("h").orElseThrow().expiresAt()).isEqualTo(newExpiry);
        assertThat(clean.extend("h", newExpiry, now.plusSeconds(2)))
                .isEqualTo(new ExtendResult.Unchanged(clean.reservation("h").orElseThrow()));
        // at the old expiry no part is due: a reserve that needs the stock finds it held
        assertThat(clean.reserve("taker", List.of(new AllocatedLine(c, 10)), newExpiry, oldExpiry))
                .isInstanceOf(ReserveResult.Insufficient.class);
        assertThat(clean.dueReservations(oldExpiry, 10)).isEmpty();
        assertThat(clean.dueReservations(List.of(a.sku(), b.sku(), c.sku()), oldExpiry, 10))
                .isEmpty();
        assertThat(clean.expireAll(List.of("h"), oldExpiry)).isEmpty();
        assertThat(reserved(a) + reserved(b) + reserved(c)).isEqualTo(9);
        // at the new one every part is
        assertThat(clean.reserve("taker", List.of(new AllocatedLine(c, 10)), newExpiry.plusSeconds(60), newExpiry))
                .isInstanceOf(ReserveResult.Reserved.class);
        assertThat(clean.reservation("h").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(a)).isZero();
        assertThat(reserved(b)).isZero();
        assertThat(reserved(c)).isEqualTo(10);
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    @Test
    void withoutARetryTheHeadersExpiryExpiresEveryPartIncludingTheExtendedOnes() {
        crashAt("extend-part:1");
        assertThatThrownBy(() -> hooked.extend("h", newExpiry, now)).isInstanceOf(Crash.class);

        assertThat(clean.dueReservations(oldExpiry, 10)).containsExactly("h");
        List<Reservation> expired = clean.expireAll(List.of("h"), oldExpiry);

        assertThat(expired).extracting(Reservation::id).containsExactly("h");
        assertThat(clean.reservation("h").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(a)).isZero();
        assertThat(reserved(b)).isZero();
        assertThat(reserved(c)).isZero();
        assertThat(clean.extend("h", newExpiry, oldExpiry))
                .isInstanceOfSatisfying(
                        ExtendResult.Refused.class, r -> assertThat(r.due()).isTrue());
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }

    @Test
    void aPartExpiredLazilyBeforeTheExtensionReachedItMakesTheExtensionRefusedAsDue() {
        step.set("extend-part:0");
        // another process, whose clock is at the expiry, needs all of b: its reserve expires the b part lazily
        at.set(() -> assertThat(clean.reserve("taker", List.of(new AllocatedLine(b, 10)), newExpiry, oldExpiry))
                .isInstanceOf(ReserveResult.Reserved.class));

        ExtendResult r = hooked.extend("h", newExpiry, oldExpiry.minusMillis(1));

        assertThat(r)
                .isInstanceOfSatisfying(
                        ExtendResult.Refused.class, f -> assertThat(f.due()).isTrue());
        Reservation h = clean.reservation("h").orElseThrow(); // the read completes the expiry
        assertThat(h.state()).isEqualTo(ReservationState.EXPIRED);
        assertThat(reserved(a)).isZero();
        assertThat(reserved(b)).isEqualTo(10);
        assertThat(reserved(c)).isZero();
        assertThat(InvariantChecker.checkStock(clean)).isEmpty();
    }
}
