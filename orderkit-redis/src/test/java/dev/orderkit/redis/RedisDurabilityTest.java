package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * Starts its own {@code redis-server} (AOF, {@code appendfsync always}) on a free loopback port,
 * kills it with SIGKILL after acknowledged operations and restarts it from the same directory:
 * nothing acknowledged may be lost.
 */
class RedisDurabilityTest {
    private Path dir;
    private int port;
    private Process server;

    @BeforeEach
    void start() throws Exception {
        boolean have = new ProcessBuilder("redis-server", "--version").start().waitFor(10, TimeUnit.SECONDS);
        if (!have && TestServices.required("redis")) {
            throw new AssertionError("redis-server binary missing");
        }
        assumeTrue(have, "redis-server binary not installed");
        dir = Files.createTempDirectory("orderkit-redis-aof");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        startServer();
    }

    private void startServer() throws IOException, InterruptedException {
        server = new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--dir",
                        dir.toString(),
                        "--appendonly",
                        "yes",
                        "--appendfsync",
                        "always",
                        "--save",
                        "",
                        "--daemonize",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve("server.log").toFile())
                .start();
        for (int i = 0; i < 100 && !TestServices.portOpen("127.0.0.1", port); i++) {
            Thread.sleep(50);
        }
        assertThat(TestServices.portOpen("127.0.0.1", port))
                .as("own redis-server on port " + port)
                .isTrue();
    }

    private void killAndRestart() throws IOException, InterruptedException {
        server.destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL: no shutdown save
        startServer();
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private RedisBackend backend(RedisClient c) {
        return RedisBackend.builder().client(c).keyPrefix("dur:").build();
    }

    @Test
    void acknowledgedWritesSurviveSigkillWithAppendfsyncAlways() throws Exception {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        StockKey k = StockKey.of("durable");
        ScopedKey key = ScopedKey.of("shop", "k-1");
        Duration lease = Duration.ofSeconds(30);
        long token;
        try (RedisClient c = RedisClient.create("127.0.0.1", port)) {
            RedisBackend b = backend(c);
            b.stockStorage().adjust(k, 10, "init", now);
            assertThat(b.stockStorage().reserve("r1", List.of(new AllocatedLine(k, 3)), now.plusSeconds(600), now))
                    .isInstanceOf(ReserveResult.Reserved.class);
            ClaimResult claim = new IdempotencyClaims(b.idempotencyStore()).claim(key, "fp", "r1", now, lease);
            assertThat(claim).isInstanceOf(ClaimResult.Acquired.class);
            token = ((ClaimResult.Acquired) claim).fencingToken();
        }
        killAndRestart();
        try (RedisClient c = RedisClient.create("127.0.0.1", port)) {
            RedisBackend b = backend(c);
            assertThat(b.stockStorage().level(k).orElseThrow().reserved()).isEqualTo(3);
            assertThat(b.stockStorage().reservation("r1").orElseThrow().state()).isEqualTo(ReservationState.HELD);
            b.stockStorage().transition("r1", ReservationTransition.COMMIT, now);
            new IdempotencyClaims(b.idempotencyStore())
                    .complete(key, token, "{\"ok\":true}", now, now.plusSeconds(3600));
        }
        killAndRestart();
        try (RedisClient c = RedisClient.create("127.0.0.1", port)) {
            RedisBackend b = backend(c);
            assertThat(b.stockStorage().reservation("r1").orElseThrow().state()).isEqualTo(ReservationState.COMMITTED);
            assertThat(new IdempotencyClaims(b.idempotencyStore()).claim(key, "fp", "other", now, lease))
                    .isEqualTo(new ClaimResult.Completed("r1", "{\"ok\":true}"));
            assertThat(b.stockStorage().movements(k)).hasSize(2);
            assertThat(InvariantChecker.checkStock(b.stockStorage())).isEmpty();
        }
    }
}
