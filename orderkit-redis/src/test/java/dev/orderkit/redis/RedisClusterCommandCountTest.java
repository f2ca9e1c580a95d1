package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.testkit.InvariantChecker;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;

/**
 * On Redis Cluster: every part's reply carries its levels, and the commands per reserve / commit
 * are printed from the masters' {@code INFO commandstats} (the shared test cluster's statistics
 * also count other clients, so nothing is asserted on them).
 */
class RedisClusterCommandCountTest {
    private static final int N = 100;

    @Test
    void reserveRepliesCarryTheLevelsOfEveryPart() {
        try (RedisFixture f = RedisFixture.cluster()) {
            StockStorage s = f.stockStorage();
            Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
            Instant exp = now.plusSeconds(600);
            StockKey a = StockKey.of("saga-a");
            StockKey b = StockKey.of("saga-b");
            StockKey c = StockKey.of("saga-c");
            for (StockKey k : List.of(a, b, c)) {
                s.adjust(k, 10 * N, "init", now);
            }
            ReserveResult multi = s.reserve(
                    "multi",
                    List.of(new AllocatedLine(a, 1), new AllocatedLine(b, 2), new AllocatedLine(c, 3)),
                    exp,
                    now);
            assertThat(multi).isInstanceOf(ReserveResult.Reserved.class);
            assertThat(((ReserveResult.Reserved) multi).levels())
                    .extracting(StockLevel::key, StockLevel::reserved)
                    .containsExactlyInAnyOrder(tuple(a, 1L), tuple(b, 2L), tuple(c, 3L));
            for (StockKey k : List.of(a, b, c)) {
                StockLevel reported = ((ReserveResult.Reserved) multi)
                        .levels().stream()
                                .filter(l -> l.key().equals(k))
                                .findFirst()
                                .orElseThrow();
                StockLevel read = s.level(k).orElseThrow();
                assertThat(List.of(reported.onHand(), reported.reserved(), reported.version()))
                        .isEqualTo(List.of(read.onHand(), read.reserved(), read.version()));
            }
            s.reserve("warm", List.of(new AllocatedLine(a, 1)), exp, now);
            s.transition("warm", ReservationTransition.COMMIT, now);

            resetStats();
            for (int i = 0; i < N; i++) {
                assertThat(s.reserve("r-" + i, List.of(new AllocatedLine(a, 1)), exp, now))
                        .isInstanceOf(ReserveResult.Reserved.class);
            }
            print("cluster reserve, 1 line", N);
            resetStats();
            for (int i = 0; i < N; i++) {
                assertThat(s.transition("r-" + i, ReservationTransition.COMMIT, now))
                        .isInstanceOf(TransitionResult.Applied.class);
            }
            print("cluster commit, 1 line", N);
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }

    /**
     * Expiring 5,000 due holds on the cluster one transition at a time (as the sweeper did before)
     * and with {@code expireAll} (claim, parts, finish: one script per slot each): scripts (server
     * statistics of the shared cluster, so other clients may add to them) and time, printed.
     */
    @Test
    void expiringFiveThousandDueHoldsOneByOneAndInBatches() {
        try (RedisFixture f = RedisFixture.cluster()) {
            StockStorage s = f.stockStorage();
            Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
            int n = 5_000;
            for (int k = 0; k < 10; k++) {
                s.adjust(StockKey.of("exp-" + k), 2 * n, "init", now);
            }
            for (String set : List.of("one-by-one", "batch")) {
                for (int i = 0; i < n; i++) {
                    assertThat(s.reserve(
                                    set + "-" + i,
                                    List.of(new AllocatedLine(StockKey.of("exp-" + (i % 10)), 1)),
                                    now.plusSeconds(1),
                                    now))
                            .isInstanceOf(ReserveResult.Reserved.class);
                }
                Instant due = now.plusSeconds(2);
                int expired = 0;
                resetStats();
                long start = System.nanoTime();
                for (List<String> ids = s.dueReservations(due, 500);
                        !ids.isEmpty();
                        ids = s.dueReservations(due, 500)) {
                    if (set.equals("batch")) {
                        expired += s.expireAll(ids, due).size();
                    } else {
                        for (String id : ids) {
                            if (s.transition(id, ReservationTransition.EXPIRE, due)
                                    instanceof TransitionResult.Applied) {
                                expired++;
                            }
                        }
                    }
                }
                long ms = (System.nanoTime() - start) / 1_000_000;
                System.out.printf("[expiry] cluster, %d due holds %s: %d ms%n", n, set, ms);
                print("cluster expiry of " + n + " due holds, " + set, n);
                assertThat(expired).isEqualTo(n);
            }
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }

    private static List<HostAndPort> masters() {
        return List.of(RedisTestServices.clusterNodes().split(",")).stream()
                .map(HostAndPort::from)
                .toList();
    }

    private static void resetStats() {
        for (HostAndPort h : masters()) {
            try (Jedis j = new Jedis(h)) {
                j.configResetStat();
            }
        }
    }

    private static void print(String what, int ops) {
        Map<String, Long> calls = new TreeMap<>();
        long scripts = 0;
        long usec = 0;
        for (HostAndPort h : masters()) {
            try (Jedis j = new Jedis(h)) {
                for (String line : j.info("commandstats").split("\r?\n")) {
                    if (!line.startsWith("cmdstat_")) {
                        continue;
                    }
                    String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                    long c = number(line, "calls=");
                    if (name.equals("evalsha") || name.equals("eval") || name.equals("fcall")) {
                        scripts += c;
                        usec += number(line, "usec=");
                    } else if (!name.startsWith("config")
                            && !name.equals("info")
                            && !name.startsWith("cluster")
                            && !name.startsWith("function")) {
                        calls.merge(name, c, Long::sum);
                    }
                }
            }
        }
        long total = calls.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
                "[command count] %s: %.2f commands per call %s, %.2f scripts per call, %.1f server usec per script call%n",
                what,
                total / (double) ops,
                calls,
                scripts / (double) ops,
                scripts == 0 ? 0.0 : usec / (double) scripts);
    }

    private static long number(String line, String name) {
        int i = line.indexOf(name) + name.length();
        int j = i;
        while (j < line.length() && Character.isDigit(line.charAt(j))) {
            j++;
        }
        return Long.parseLong(line.substring(i, j));
    }
}
