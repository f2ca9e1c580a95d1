package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.BackendUnavailableException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** {@link RedisPaymentPermits} on a standalone Redis. */
class RedisStandalonePaymentPermitsTest extends RedisPaymentPermitsContract {
    @Override
    protected UnifiedJedis newClient() {
        return RedisClient.create(URI.create(RedisTestServices.standaloneUrl()));
    }

    @Test
    void anUnreachableRedisIsABackendFailure() throws IOException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort(); // closed again: nothing listens there
        }
        try (UnifiedJedis down = RedisClient.create("127.0.0.1", port)) {
            RedisPaymentPermits permits = RedisPaymentPermits.builder()
                    .client(down)
                    .permitsPerSecond(10)
                    .build();
            assertThatThrownBy(permits::tryTake)
                    .isInstanceOf(BackendUnavailableException.class)
                    .hasMessageContaining("payment permits");
        }
    }
}
