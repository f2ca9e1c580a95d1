package dev.orderkit.core.memory;

import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link InMemoryIdempotencyStore}: claim, complete, release and purge over two
 * keys, two fingerprints, two clock readings (a lease taken at the first has expired at the second)
 * and two retention ends (one passed at the second reading). The sequential specification is this
 * class run on one thread.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "fp", gen = IntGen.class, conf = "0:1")
@Param(name = "time", gen = IntGen.class, conf = "0:1")
@Param(name = "token", gen = IntGen.class, conf = "1:2")
@Param(name = "limit", gen = IntGen.class, conf = "1:2")
public class InMemoryIdempotencyStoreLincheckTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    /** Clock readings: now, and later than a lease or a short retention. */
    private static final Instant[] TIMES = {T0, T0.plusSeconds(10)};
    /** Retention ends: passed at the later reading, or not. */
    private static final Instant[] RETAIN = {T0.plusSeconds(5), T0.plusSeconds(60)};

    private static final Duration LEASE = Duration.ofSeconds(5);
    private static final ScopedKey[] KEYS = {ScopedKey.of("shop", "k0"), ScopedKey.of("shop", "k1")};
    private static final String[] FINGERPRINTS = {"a".repeat(64), "b".repeat(64)};

    private final InMemoryIdempotencyStore store = new InMemoryIdempotencyStore();

    @Operation
    public Object claim(@Param(name = "key") int key, @Param(name = "fp") int fp, @Param(name = "time") int time) {
        return LincheckBudget.outcome(
                () -> store.claim(KEYS[key], FINGERPRINTS[fp], "order-" + key + "-" + fp, TIMES[time], LEASE));
    }

    @Operation
    public Object complete(
            @Param(name = "key") int key, @Param(name = "token") int token, @Param(name = "time") int retain) {
        return LincheckBudget.outcomeOfVoid(
                () -> store.complete(KEYS[key], token, "{\"r\":" + token + "}", T0, RETAIN[retain]));
    }

    @Operation
    public Object release(@Param(name = "key") int key, @Param(name = "token") int token) {
        return LincheckBudget.outcomeOfVoid(() -> store.release(KEYS[key], token));
    }

    @Operation
    public int purgeExpired(@Param(name = "time") int time, @Param(name = "limit") int limit) {
        return store.purgeExpired(TIMES[time], limit);
    }

    private static Actor op(String name, Object... args) {
        return LincheckBudget.op(InMemoryIdempotencyStoreLincheckTest.class, name, args);
    }

    /**
     * Races the first in-memory version lost (a purge deleted one record at a time): two completed
     * records past retention, purged while a claim whose clock reads earlier looks at both.
     */
    static List<ExecutionScenario> knownRaces() {
        List<Actor> twoCompleted =
                List.of(op("claim", 0, 0, 0), op("complete", 0, 1, 0), op("claim", 1, 0, 0), op("complete", 1, 1, 0));
        return List.of(
                LincheckBudget.scenario(
                        twoCompleted,
                        List.of(op("purgeExpired", 1, 2)),
                        List.of(op("claim", 0, 0, 0), op("claim", 1, 0, 0))),
                LincheckBudget.scenario(
                        twoCompleted,
                        List.of(op("purgeExpired", 1, 2)),
                        List.of(op("claim", 1, 0, 0), op("claim", 0, 0, 0))));
    }

    @Test
    void stress() {
        LincheckBudget.stress(knownRaces()).check(getClass());
    }

    @Test
    void modelChecking() {
        LincheckBudget.modelChecking(knownRaces()).check(getClass());
    }
}
