package dev.orderkit.redis;

import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Protocol.Command;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * Resolves the Redis servers of the tests (DESIGN.md section 6) and keeps one shared client per
 * JVM:
 * <ul>
 *   <li>standalone: {@code ORDERKIT_TEST_REDIS_URL} (e.g. {@code redis://127.0.0.1:6379}) →
 *       127.0.0.1:6379 → Testcontainers {@code redis:7} → skip (fail if {@code ORDERKIT_IT_REQUIRED}
 *       names {@code redis});</li>
 *   <li>cluster: {@code ORDERKIT_TEST_REDIS_CLUSTER} (comma-separated host:port) → a cluster
 *       answering on 127.0.0.1:7101 → {@code .ci/redis-cluster.sh start} (stopped again at JVM exit)
 *       → skip (fail if {@code ORDERKIT_IT_REQUIRED} names {@code redis-cluster}).</li>
 * </ul>
 */
final class RedisTestServices {
    static final String DEFAULT_CLUSTER = "127.0.0.1:7101,127.0.0.1:7102,127.0.0.1:7103";

    private static RedisClient standalone;
    private static String standaloneUrl;
    private static JedisCluster cluster;
    private static String clusterNodes;

    private RedisTestServices() {}

    static synchronized String standaloneUrl() {
        if (standaloneUrl == null) {
            standaloneUrl = TestServices.resolve(
                    "redis", "ORDERKIT_TEST_REDIS_URL", 6379, "redis://127.0.0.1:6379", RedisTestServices::container);
        }
        return standaloneUrl;
    }

    static synchronized UnifiedJedis standalone() {
        if (standalone == null) {
            standalone = RedisClient.create(URI.create(standaloneUrl()));
        }
        return standalone;
    }

    static synchronized String clusterNodes() {
        if (clusterNodes == null) {
            String env = System.getenv("ORDERKIT_TEST_REDIS_CLUSTER");
            if ((env == null || env.isBlank()) && !clusterAnswers()) {
                // nothing on the default ports: try the CI script (the resolve() container step)
                clusterNodes = TestServices.resolve(
                        "redis-cluster", "ORDERKIT_TEST_REDIS_CLUSTER", 0, null, RedisTestServices::startClusterScript);
            } else {
                clusterNodes = env == null || env.isBlank() ? DEFAULT_CLUSTER : env;
            }
        }
        return clusterNodes;
    }

    static synchronized UnifiedJedis cluster() {
        if (cluster == null) {
            cluster = newCluster(clusterNodes());
        }
        return cluster;
    }

    static JedisCluster newCluster(String nodes) {
        Set<HostAndPort> hp = Arrays.stream(nodes.split(","))
                .map(String::trim)
                .map(HostAndPort::from)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        return new JedisCluster(hp, 5000, 5);
    }

    private static boolean clusterAnswers() {
        if (!TestServices.portOpen("127.0.0.1", 7101)) {
            return false;
        }
        try (RedisClient j = RedisClient.create("127.0.0.1", 7101)) {
            Object info = j.sendCommand(Command.CLUSTER, "INFO");
            return new String((byte[]) info, StandardCharsets.UTF_8).contains("cluster_state:ok");
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** Locates .ci/redis-cluster.sh above the working directory. */
    static Optional<Path> clusterScript() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null) {
            Path s = dir.resolve(".ci/redis-cluster.sh");
            if (Files.isRegularFile(s)) {
                return Optional.of(s);
            }
            dir = dir.getParent();
        }
        return Optional.empty();
    }

    private static Optional<String> startClusterScript() {
        Optional<Path> script = clusterScript();
        if (script.isEmpty()) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder("bash", script.get().toString(), "start")
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                return Optional.empty();
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    new ProcessBuilder("bash", script.get().toString(), "stop")
                            .inheritIO()
                            .start()
                            .waitFor(30, TimeUnit.SECONDS);
                } catch (IOException | InterruptedException e) {
                    // best effort at JVM exit
                }
            }));
            String[] lines = out.split("\n");
            return Optional.of(lines[lines.length - 1].trim());
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @SuppressWarnings("resource")
    private static Optional<String> container() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            return Optional.empty();
        }
        GenericContainer<?> c = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
        c.start();
        return Optional.of("redis://" + c.getHost() + ":" + c.getMappedPort(6379));
    }
}
