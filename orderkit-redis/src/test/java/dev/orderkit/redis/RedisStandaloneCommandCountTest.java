package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveCommand;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestServices;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.RedisClient;

/**
 * Counts the Redis commands each stock primitive runs, with the server's own statistics
 * ({@code CONFIG RESETSTAT}, {@code INFO commandstats}), on an own {@code redis-server} on a free
 * loopback port (the shared server's statistics also count other clients). Counts, never times,
 * are asserted; the server time per script call is printed for the record.
 */
class RedisStandaloneCommandCountTest {
    private static final int N = 200;
    private int port;
    private Process server;

    /**
     * Commands of one measured block: total calls of the commands scripts and callers ran, the
     * script calls and their usec, and which script command ran them (fcall, evalsha, eval; joined
     * by {@code +} when several did).
     */
    record Stats(Map<String, Long> calls, long scriptCalls, long scriptUsec, String scriptCommand) {
        long commands() {
            return calls.values().stream().mapToLong(Long::longValue).sum();
        }

        double perCall(int ops) {
            return commands() / (double) ops;
        }
    }

    @BeforeEach
    void start() throws Exception {
        boolean have = new ProcessBuilder("redis-server", "--version").start().waitFor(10, TimeUnit.SECONDS);
        if (!have && TestServices.required("redis")) {
            throw new AssertionError("redis-server binary missing");
        }
        assumeTrue(have, "redis-server binary not installed");
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        server = new ProcessBuilder(
                        "redis-server",
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no")
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        for (int i = 0; i < 100 && !TestServices.portOpen("127.0.0.1", port); i++) {
            Thread.sleep(50);
        }
        assertThat(TestServices.portOpen("127.0.0.1", port)).isTrue();
    }

    @AfterEach
    void stop() throws IOException, InterruptedException {
        if (server != null) {
            server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Stats measure(Jedis admin, Runnable block) {
        admin.configResetStat();
        block.run();
        Map<String, Long> calls = new LinkedHashMap<>();
        long scriptCalls = 0;
        long scriptUsec = 0;
        List<String> scriptCommands = new ArrayList<>();
        for (String line : admin.info("commandstats").split("\r?\n")) {
            if (!line.startsWith("cmdstat_")) {
                continue;
            }
            String name = line.substring("cmdstat_".length(), line.indexOf(':'));
            long c = field(line, "calls=");
            if (name.equals("evalsha") || name.equals("eval") || name.equals("fcall")) {
                scriptCalls += c;
                scriptUsec += field(line, "usec=");
                scriptCommands.add(name);
            } else if (!name.startsWith("config") && !name.equals("info") && !name.startsWith("function")) {
                calls.put(name, c);
            }
        }
        return new Stats(calls, scriptCalls, scriptUsec, String.join("+", scriptCommands));
    }

    private static long field(String line, String name) {
        int i = line.indexOf(name) + name.length();
        int j = i;
        while (j < line.length() && Character.isDigit(line.charAt(j))) {
            j++;
        }
        return Long.parseLong(line.substring(i, j));
    }

    private static void report(String what, Stats s, int ops) {
        System.out.printf(
                "[command count] %s: %.2f commands per call %s, %.2f scripts per call, %.1f server usec per script call%n",
                what,
                s.perCall(ops),
                s.calls(),
                s.scriptCalls() / (double) ops,
                s.scriptCalls() == 0 ? 0.0 : s.scriptUsec() / (double) s.scriptCalls());
    }

    @Test
    void oneLineReserveRunsAtMostNineCommandsAndCommitNoRoundTripTooMany() {
        Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
        Instant exp = now.plusSeconds(600);
        try (RedisClient c = RedisClient.create("127.0.0.1", port);
                Jedis admin = new Jedis("127.0.0.1", port)) {
            StockStorage s =
                    RedisBackend.builder().client(c).keyPrefix("cnt:").build().stockStorage();
            for (int i = 0; i < N; i++) {
                s.adjust(StockKey.of("sku-" + (i % 10)), 1000, "init-" + i, now);
            }
            // warm the script cache: the first call of each script may be an EVAL after NOSCRIPT
            s.reserve("warm", List.of(new AllocatedLine(StockKey.of("sku-0"), 1)), exp, now);
            s.transition("warm", ReservationTransition.COMMIT, now);

            Stats reserve = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    ReserveResult r = s.reserve(
                            "r-" + i, List.of(new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1)), exp, now);
                    assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
                    assertThat(((ReserveResult.Reserved) r).levels()).hasSize(1);
                }
            });
            report("reserve, 1 line", reserve, N);
            Stats reserve3 = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    assertThat(s.reserve(
                                    "m-" + i,
                                    List.of(
                                            new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1),
                                            new AllocatedLine(StockKey.of("sku-" + ((i + 1) % 10)), 1),
                                            new AllocatedLine(StockKey.of("sku-" + ((i + 2) % 10)), 1)),
                                    exp,
                                    now))
                            .isInstanceOf(ReserveResult.Reserved.class);
                }
            });
            report("reserve, 3 lines", reserve3, N);
            Stats repeat = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    assertThat(s.reserve(
                                    "r-" + i, List.of(new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1)), exp, now))
                            .isInstanceOf(ReserveResult.AlreadyExists.class);
                }
            });
            report("reserve repeated (idempotent)", repeat, N);
            Stats commit = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    assertThat(s.transition("r-" + i, ReservationTransition.COMMIT, now))
                            .isInstanceOf(TransitionResult.Applied.class);
                }
            });
            report("commit, 1 line", commit, N);
            Stats release = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    assertThat(s.transition("m-" + i, ReservationTransition.RELEASE, now))
                            .isInstanceOf(TransitionResult.Applied.class);
                }
            });
            report("release, 3 lines", release, N);
            Stats expire = measure(admin, () -> {
                for (int i = 0; i < N; i++) {
                    assertThat(s.reserve(
                                    "e-" + i,
                                    List.of(new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1)),
                                    now.plusSeconds(1),
                                    now))
                            .isInstanceOf(ReserveResult.Reserved.class);
                }
                for (int i = 0; i < N; i++) {
                    assertThat(s.transition("e-" + i, ReservationTransition.EXPIRE, now.plusSeconds(2)))
                            .isInstanceOf(TransitionResult.Applied.class);
                }
            });
            report("reserve + expire, 1 line", expire, N);
            assertThat(InvariantChecker.checkStock(s)).isEmpty();

            // 9: the six of the hold, the ZADD into the SKU's due set (the index by SKU and expiry),
            // the SADD into the SKU's set of active holds (the drift check's index) and the XADD of
            // its STOCK_RESERVED event into the outbox stream (the stream registry's SADD runs once
            // per process, in the warm-up)
            assertThat(reserve.perCall(N)).as("commands per one-line reserve").isLessThanOrEqualTo(9.0);
            assertThat(reserve.calls()).as("one outbox append per reserve").containsEntry("xadd", (long) N);
            assertThat(reserve.scriptCalls()).as("one script per reserve").isEqualTo(N);
            assertThat(reserve.calls())
                    .as("no expiry range scan on the success path")
                    .doesNotContainKeys("zrangebyscore", "zrange");
            assertThat(reserve3.perCall(N))
                    .as("commands per three-line reserve (with one SADD per SKU into its active set)")
                    .isLessThanOrEqualTo(19.0);
            assertThat(repeat.perCall(N)).as("an idempotent repeat only reads").isLessThanOrEqualTo(2.0);
            // 12: one more than before levels split reserved into held and committed (the commit
            // moves the line's units into the level's committed count), one more for the XADD of its
            // RESERVATION_COMMITTED event
            assertThat(commit.perCall(N)).as("commands per one-line commit").isLessThanOrEqualTo(12.0);
            assertThat(commit.calls()).as("one outbox append per commit").containsEntry("xadd", (long) N);
        }
    }

    /**
     * The scripts run as functions ({@code FCALL}); a client whose server refuses functions runs
     * them by {@code EVALSHA}. Printed for the record: the server time per one-line reserve either
     * way, eight interleaved rounds of 500 (the library's top level runs once per {@code EVALSHA}, once
     * per load as a function). Only which command ran is asserted, never the times.
     */
    @Test
    void scriptsRunAsFunctionsAndFallBackToEvalsha() {
        Instant now = Instant.parse("2030-01-01T00:00:00Z");
        Instant exp = now.plusSeconds(600);
        String url = "redis://127.0.0.1:" + port;
        try (RedisClient c = RedisClient.create("127.0.0.1", port);
                FaultyJedis.NoFunctions old =
                        new FaultyJedis.NoFunctions(url, new AtomicInteger(), new AtomicInteger());
                Jedis admin = new Jedis("127.0.0.1", port)) {
            StockStorage fn =
                    RedisBackend.builder().client(c).keyPrefix("fn:").build().stockStorage();
            StockStorage ev =
                    RedisBackend.builder().client(old).keyPrefix("ev:").build().stockStorage();
            for (StockStorage s : List.of(fn, ev)) {
                for (int i = 0; i < 10; i++) {
                    s.adjust(StockKey.of("sku-" + i), 1_000_000, "init-" + i, now);
                }
                s.reserve("warm", List.of(new AllocatedLine(StockKey.of("sku-0"), 1)), exp, now);
            }
            StringBuilder fnUsec = new StringBuilder();
            StringBuilder evUsec = new StringBuilder();
            for (int round = 0; round < 8; round++) {
                for (StockStorage s : List.of(fn, ev)) {
                    String p = (s == fn ? "f" : "e") + round + "-";
                    Stats st = measure(admin, () -> {
                        for (int i = 0; i < 500; i++) {
                            s.reserve(p + i, List.of(new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1)), exp, now);
                        }
                    });
                    assertThat(st.scriptCalls()).isEqualTo(500);
                    (s == fn ? fnUsec : evUsec)
                            .append(String.format(" %.1f", st.scriptUsec() / (double) st.scriptCalls()));
                }
            }
            System.out.printf(
                    "[functions] server usec per one-line reserve, 8 interleaved rounds of 500:%n"
                            + "  FCALL  %s%n  EVALSHA%s%n",
                    fnUsec, evUsec);
            Stats fnCalls = measure(
                    admin, () -> fn.reserve("once-f", List.of(new AllocatedLine(StockKey.of("sku-1"), 1)), exp, now));
            Stats evCalls = measure(
                    admin, () -> ev.reserve("once-e", List.of(new AllocatedLine(StockKey.of("sku-1"), 1)), exp, now));
            assertThat(fnCalls.scriptCommand()).isEqualTo("fcall");
            assertThat(evCalls.scriptCommand()).isEqualTo("evalsha");
            assertThat(InvariantChecker.checkStock(fn)).isEmpty();
            assertThat(InvariantChecker.checkStock(ev)).isEmpty();
        }
    }

    /**
     * The hot-SKU batch (what the combiner sends when many callers reserve one SKU): every member
     * keeps its own header write, bucket due-index entry and event, but the level is read and
     * written once per batch and the movements, the SKU's due set and its active set get one
     * variadic command each. Asserted per member: the four per-member commands plus the batch's five
     * shared ones spread over the batch; the levels and movements equal those of single reserves.
     */
    @Test
    void hotBatchWritesTheLevelAndTheSkuIndexesOncePerBatch() {
        Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
        Instant exp = now.plusSeconds(600);
        int batch = 32;
        int batches = 20;
        try (RedisClient c = RedisClient.create("127.0.0.1", port);
                Jedis admin = new Jedis("127.0.0.1", port)) {
            StockStorage s =
                    RedisBackend.builder().client(c).keyPrefix("hot:").build().stockStorage();
            StockKey hot = StockKey.of("hot");
            s.adjust(hot, 1_000_000, "init", now);
            s.reserve("warm", List.of(new AllocatedLine(hot, 1)), exp, now);
            s.reserveAll(List.of(
                    new ReserveCommand("warm-1", List.of(new AllocatedLine(hot, 1)), exp, now),
                    new ReserveCommand("warm-2", List.of(new AllocatedLine(hot, 1)), exp, now)));
            Stats st = measure(admin, () -> {
                for (int b = 0; b < batches; b++) {
                    List<ReserveCommand> cmds = new ArrayList<>();
                    for (int i = 0; i < batch; i++) {
                        cmds.add(new ReserveCommand("h-" + b + "-" + i, List.of(new AllocatedLine(hot, 1)), exp, now));
                    }
                    List<ReserveResult> out = s.reserveAll(cmds);
                    for (int i = 0; i < batch; i++) {
                        ReserveResult.Reserved r = (ReserveResult.Reserved) out.get(i);
                        // each member's own answer: the level right after it
                        assertThat(r.levels().get(0).reserved()).isEqualTo(3L + (long) b * batch + i + 1);
                    }
                }
            });
            int members = batch * batches;
            report("hot batch of " + batch + ", per member", st, members);
            System.out.printf(
                    "[command count] hot batch of %d: %.1f server usec per member%n",
                    batch, st.scriptUsec() / (double) members);
            assertThat(st.scriptCalls()).isEqualTo(batches);
            assertThat(st.calls()).containsEntry("hmget", (long) batches).containsEntry("rpush", (long) batches);
            assertThat(st.perCall(members))
                    .as("commands per member: HGET + HSET of its header, ZADD into its bucket's due index, XADD,"
                            + " and five per batch")
                    .isLessThanOrEqualTo(4.0 + 5.0 / batch);
            StockLevel level = s.level(hot).orElseThrow();
            assertThat(level.reserved()).isEqualTo(3L + members);
            assertThat(level.version()).as("one version per movement").isEqualTo(1L + 3 + members);
            assertThat(s.movements(hot)).hasSize(1 + 3 + members);
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }

    /**
     * Expiring 5,000 due holds as the sweeper did before (one {@code transition(EXPIRE)} per hold:
     * a header read and two scripts) and with {@code expireAll} (one script per batch of 500): the
     * round trips (script calls plus top-level header reads) and the time, printed; the batch path's
     * script calls are asserted (the due ids of 16 buckets and one expiry script per batch).
     */
    @Test
    void expiringFiveThousandDueHoldsTakesOneScriptPerBatch() {
        Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
        int n = 5_000;
        try (RedisClient c = RedisClient.create("127.0.0.1", port);
                Jedis admin = new Jedis("127.0.0.1", port)) {
            StockStorage s =
                    RedisBackend.builder().client(c).keyPrefix("exp:").build().stockStorage();
            for (int k = 0; k < 10; k++) {
                s.adjust(StockKey.of("sku-" + k), 2 * n, "init", now);
            }
            for (String set : List.of("one-by-one", "batch")) {
                List<ReserveCommand> cmds = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    cmds.add(new ReserveCommand(
                            set + "-" + i,
                            List.of(new AllocatedLine(StockKey.of("sku-" + (i % 10)), 1)),
                            now.plusSeconds(1),
                            now));
                    if (cmds.size() == s.reserveBatchLimit() || i == n - 1) {
                        assertThat(s.reserveAll(cmds)).allMatch(r -> r instanceof ReserveResult.Reserved);
                        cmds.clear();
                    }
                }
                Instant due = now.plusSeconds(2);
                int[] expired = {0};
                long start = System.nanoTime();
                Stats st = measure(admin, () -> {
                    for (List<String> ids = s.dueReservations(due, 500);
                            !ids.isEmpty();
                            ids = s.dueReservations(due, 500)) {
                        if (set.equals("batch")) {
                            expired[0] += s.expireAll(ids, due).size();
                        } else {
                            for (String id : ids) {
                                if (s.transition(id, ReservationTransition.EXPIRE, due)
                                        instanceof TransitionResult.Applied) {
                                    expired[0]++;
                                }
                            }
                        }
                    }
                });
                long ms = (System.nanoTime() - start) / 1_000_000;
                long reads = st.calls().getOrDefault("hgetall", 0L);
                System.out.printf(
                        "[expiry] %d due holds %-10s: %d round trips (%d scripts + %d header reads), %d commands, %d ms%n",
                        n, set, st.scriptCalls() + reads, st.scriptCalls(), reads, st.commands(), ms);
                assertThat(expired[0]).isEqualTo(n);
                if (set.equals("batch")) {
                    assertThat(st.scriptCalls()).isLessThanOrEqualTo((n / 500 + 1) * (16 + 1));
                    assertThat(reads).isZero();
                }
            }
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }

    /**
     * Lazy expiry on a standalone server: a reserve that fits never scans; a short one scans the
     * buckets' due indexes once, after which the level's next-expiry hint lets further short
     * reserves answer from two reads until a hold on the level can be due; at the expiry the scan
     * runs again and frees the hold, exactly at {@code exp}.
     */
    @Test
    void shortReservesScanForDueHoldsOnlyWhenOneCanBeDue() {
        Instant now = Instant.parse("2030-01-01T00:00:00.123456789Z");
        Instant exp = now.plusSeconds(10);
        StockKey k = StockKey.of("hot");
        try (RedisClient c = RedisClient.create("127.0.0.1", port);
                Jedis admin = new Jedis("127.0.0.1", port)) {
            StockStorage s =
                    RedisBackend.builder().client(c).keyPrefix("cnt:").build().stockStorage();
            s.adjust(k, 10, "init", now);
            assertThat(s.reserve("old", List.of(new AllocatedLine(k, 10)), exp, now))
                    .isInstanceOf(ReserveResult.Reserved.class);
            Stats first = measure(
                    admin,
                    () -> assertThat(s.reserve("new", List.of(new AllocatedLine(k, 1)), exp.plusSeconds(60), now))
                            .isInstanceOf(ReserveResult.Insufficient.class));
            report("short reserve, hint unknown", first, 1);
            assertThat(first.calls()).containsKey("zrangebyscore");
            Stats second = measure(
                    admin,
                    () -> assertThat(s.reserve(
                                    "new", List.of(new AllocatedLine(k, 1)), exp.plusSeconds(60), exp.minusSeconds(5)))
                            .isInstanceOf(ReserveResult.Insufficient.class));
            report("short reserve, nothing due on the level", second, 1);
            assertThat(second.commands()).as("HGET header, HMGET level").isEqualTo(2);
            Stats atExpiry = measure(
                    admin,
                    () -> assertThat(s.reserve("new", List.of(new AllocatedLine(k, 1)), exp.plusSeconds(60), exp))
                            .isInstanceOf(ReserveResult.Reserved.class));
            report("short reserve at the expiry of a hold", atExpiry, 1);
            assertThat(s.level(k).orElseThrow().reserved()).isEqualTo(1);
            assertThat(s.dueReservations(exp, 10))
                    .as("the sweeper still sees the lazily expired hold")
                    .contains("old");
            assertThat(s.reservation("old").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
            assertThat(s.dueReservations(exp.plusSeconds(3600), 10)).containsExactly("new");
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }
}
