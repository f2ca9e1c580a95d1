package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.testkit.PaymentPermitsHammer;
import dev.orderkit.testkit.TestServices;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.UnifiedJedis;

/**
 * {@link RedisPaymentPermits} on a real Redis: two limiters with their own clients (two
 * application instances) share one bucket under a fresh key prefix.
 */
abstract class RedisPaymentPermitsContract {
    private UnifiedJedis clientA;
    private UnifiedJedis clientB;
    private String prefix;

    /** A new client of the server under test (the caller closes it). */
    protected abstract UnifiedJedis newClient();

    @BeforeEach
    void clients() {
        clientA = newClient();
        clientB = newClient();
        prefix = TestServices.uniqueName("okpp") + ":";
    }

    @AfterEach
    void cleanUp() {
        try {
            RedisBackend.builder().client(clientA).keyPrefix(prefix).build().deleteAllKeys();
        } finally {
            clientA.close();
            clientB.close();
        }
    }

    private RedisPaymentPermits permits(UnifiedJedis client, double rate) {
        return RedisPaymentPermits.builder()
                .client(client)
                .keyPrefix(prefix)
                .name("payments")
                .permitsPerSecond(rate)
                .build();
    }

    @Test
    void twoInstancesHammeringOneBucketShareOnePace() throws Exception {
        RedisPaymentPermits a = permits(clientA, 100);
        RedisPaymentPermits b = permits(clientB, 100);
        assertThat(a.key()).isEqualTo(b.key()).isEqualTo(prefix + "{pp:payments}");
        assertThat(a.burst()).isEqualTo(10);

        PaymentPermitsHammer.Result r = PaymentPermitsHammer.run(List.of(a, b), 3, Duration.ofSeconds(2));

        PaymentPermitsHammer.assertPace(r, 100, a.burst());
        System.out.println("redis " + getClass().getSimpleName() + ": " + r);
    }

    @Test
    void aDrainedBucketDeniesWithTheWaitForTheNextPermit() {
        RedisPaymentPermits a =
                permits(clientA, 0.1); // burst 1, one permit every 10 s (a slow machine never sees a refill)
        RedisPaymentPermits b = permits(clientB, 0.1);
        assertThat(a.tryTake()).isZero();
        Duration wait = b.tryTake();
        assertThat(wait).isPositive().isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(a.tryTake()).isPositive();
        // the key is under the prefix and expires by itself once idle
        Long ttl = clientA.pttl(a.key());
        assertThat(ttl).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(2).toMillis());
    }

    @Test
    void theFirstInstanceConfiguresTheBucket() {
        RedisPaymentPermits slow = permits(clientA, 0.1); // burst 1, one permit every 10 s
        RedisPaymentPermits fast = permits(clientB, 1000); // would allow a burst of 100
        assertThat(slow.tryTake()).isZero();
        assertThat(fast.tryTake())
                .as("the stored configuration (0.1/s) applies")
                .isPositive();
    }

    @Test
    void settingsAreValidated() {
        assertThatThrownBy(() -> RedisPaymentPermits.builder().permitsPerSecond(0))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("permitsPerSecond");
        assertThatThrownBy(() -> RedisPaymentPermits.builder().permitsPerSecond(Double.NaN))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> RedisPaymentPermits.builder().name("a{b}"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("name");
        assertThatThrownBy(() -> RedisPaymentPermits.builder().keyPrefix("x*"))
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("keyPrefix");
        assertThatThrownBy(() -> RedisPaymentPermits.builder().client(clientA).build())
                .isInstanceOf(InvalidRequestException.class)
                .hasMessageContaining("permitsPerSecond");
        assertThat(RedisPaymentPermits.capacity(0.001)).isEqualTo(1);
        assertThat(RedisPaymentPermits.capacity(1_000_000)).isEqualTo(100_000);
        assertThat(RedisPaymentPermits.refillPeriod(1, 0.5)).isEqualTo(Duration.ofSeconds(2));
    }
}
