package dev.orderkit.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The crash and fault suite (issue 16): five scenarios, each at least 40 s of chaos over four
 * worker JVMs, then recovery to quiescence and the checks of {@link Verdict}. Tagged {@code fault}: runs
 * with {@code ./mvnw -B verify -pl orderkit-faults -am -Dfaults} (what {@code .ci/run} does).
 * Knobs: {@code -Dfaults.seconds} (chaos per scenario, default 40), {@code -Dfaults.seed} (the
 * schedule of kills, restarts and key choices; random by default, printed),
 * {@code -Dfaults.minKills} (default 10 per scenario: the chaos lasts {@code faults.seconds} and
 * until that many kills, at most {@code -Dfaults.maxSeconds}, default twice {@code faults.seconds};
 * at least 20 kills across the suite are asserted). Writes the table to
 * {@code target/faults/report.md}.
 */
@Tag("fault")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteTest {
    private static final List<FaultRun.Result> RESULTS = new ArrayList<>();
    private static final Path DIR = Path.of(System.getProperty("faults.dir", "target/faults"));
    private static final long SEED = Long.getLong("faults.seed", System.nanoTime() & 0xffffffL);

    private static FaultRun.Result run(FaultRun.Scenario scenario, long seedOffset) throws Exception {
        FaultRun.Settings settings = FaultRun.Settings.fromSystemProperties();
        System.out.printf(
                Locale.ROOT,
                "fault suite: scenario %s, seed %d (-Dfaults.seed=%d), %d s of chaos%n",
                scenario.name(),
                SEED + seedOffset,
                SEED,
                settings.seconds());
        FaultRun.Result r = new FaultRun(scenario, settings, SEED + seedOffset, DIR).run();
        synchronized (RESULTS) {
            RESULTS.add(r);
        }
        System.out.println(table(List.of(r)));
        System.out.printf(
                Locale.ROOT,
                "  orders %s; gateway calls %d, effective authorizations %d; %d level samples (%d failed "
                        + "while faulted); outbox rows %d (%d still PENDING when recovery was done, drained %.1f s later); "
                        + "submits answered busy %d; typed failures seen by callers %s%n",
                r.statuses(),
                r.gatewayCalls(),
                r.authorizations(),
                r.samples(),
                r.sampleErrors(),
                r.outboxRows(),
                r.pendingAtRest(),
                r.drainSeconds(),
                r.busy(),
                r.errors());
        assertThat(r.verdict().total())
                .as(
                        "violations in %s (seed %d); worker logs under %s:%n%s",
                        scenario.name(),
                        r.seed(),
                        DIR.resolve(scenario.name()),
                        r.verdict().describe(10))
                .isZero();
        // the run was not vacuous
        assertThat(r.kills()).as("SIGKILLs").isGreaterThanOrEqualTo(settings.minKills());
        assertThat(r.acknowledged()).as("acknowledged answers").isPositive();
        assertThat(r.accepted()).as("accepted submits").isPositive();
        assertThat(r.replays())
                .as("replayed answers (keys sent by several processes)")
                .isPositive();
        assertThat(r.reuseRejected()).as("rejected key reuses").isPositive();
        assertThat(r.authorizations()).as("effective authorizations").isPositive();
        assertThat(r.samples()).as("level samples").isPositive();
        assertThat(r.connectionKills()).as("database connections terminated").isPositive();
        assertThat(r.restarts()).as("Redis restarts").isEqualTo(scenario.redisRestarts());
        assertThat(r.events()).as("events delivered").isPositive();
        assertThat(r.redelivered() + r.sinkFailures())
                .as("redeliveries and injected sink failures")
                .isPositive();
        if (scenario.lostCommitRate() > 0) {
            assertThat(r.lostCommits())
                    .as("commits whose acknowledgement was lost")
                    .isPositive();
        }
        return r;
    }

    @Test
    @Order(1)
    void postgresWithAtomicPhases() throws Exception {
        run(new FaultRun.Scenario("postgres-atomic", FaultConfig.Store.POSTGRES, true, 0, 0), 1);
    }

    @Test
    @Order(2)
    void mariadb() throws Exception {
        run(new FaultRun.Scenario("mariadb", FaultConfig.Store.MARIADB, false, 0, 0), 2);
    }

    @Test
    @Order(3)
    void ownRedisRestartedWithOrdersInPostgres() throws Exception {
        run(new FaultRun.Scenario("redis-restart+pg", FaultConfig.Store.OWNED_REDIS, false, 0, 2), 3);
    }

    @Test
    @Order(4)
    void redisClusterWithOrdersInPostgres() throws Exception {
        run(new FaultRun.Scenario("redis-cluster+pg", FaultConfig.Store.REDIS_CLUSTER, false, 0, 0), 4);
    }

    @Test
    @Order(5)
    void postgresWithLostCommitAcknowledgements() throws Exception {
        run(new FaultRun.Scenario("postgres-lost-commits", FaultConfig.Store.POSTGRES, true, 0.02, 0), 5);
    }

    @AfterAll
    static void report() throws IOException {
        if (RESULTS.isEmpty()) {
            return;
        }
        String t = table(RESULTS);
        System.out.println("fault suite, all scenarios:\n" + t);
        Files.createDirectories(DIR);
        Files.writeString(DIR.resolve("report.md"), t, StandardCharsets.UTF_8);
        int kills = RESULTS.stream().mapToInt(FaultRun.Result::kills).sum();
        if (RESULTS.size() == 5) {
            assertThat(kills).as("SIGKILLs across the suite").isGreaterThanOrEqualTo(20);
        }
    }

    /** The table of the issue: counts, then violations by kind (all must be 0). */
    static String table(List<FaultRun.Result> rs) {
        StringBuilder b = new StringBuilder();
        b.append("| scenario | seed | s | kills | conn kills | redis restarts | lost commits | attempts | acknowledged "
                + "| accepted | replays | reuses rejected | recovered | parked | orders | authorizations | events | redelivered "
                + "| sink failures |");
        for (Verdict.Kind k : Verdict.Kind.values()) {
            b.append(' ').append(k.column).append(" |");
        }
        b.append("\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (int i = 0; i < Verdict.Kind.values().length; i++) {
            b.append("---:|");
        }
        b.append('\n');
        for (FaultRun.Result r : rs) {
            b.append(String.format(
                    Locale.ROOT,
                    "| %s | %d | %.0f | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d | %d |",
                    r.scenario().name(),
                    r.seed(),
                    r.seconds(),
                    r.kills(),
                    r.connectionKills(),
                    r.restarts(),
                    r.lostCommits(),
                    r.attempts(),
                    r.acknowledged(),
                    r.accepted(),
                    r.replays(),
                    r.reuseRejected(),
                    r.recovered(),
                    r.parked(),
                    r.orders(),
                    r.authorizations(),
                    r.events(),
                    r.redelivered(),
                    r.sinkFailures()));
            for (Verdict.Kind k : Verdict.Kind.values()) {
                b.append(' ').append(r.verdict().count(k)).append(" |");
            }
            b.append('\n');
        }
        return b.toString();
    }
}
