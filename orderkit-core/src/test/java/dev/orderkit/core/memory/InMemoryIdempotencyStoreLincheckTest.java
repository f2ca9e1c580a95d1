package dev.orderkit.core.memory;

import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.spi.ClaimRequest;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.function.Supplier;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link InMemoryIdempotencyStore} under core's claim protocol
 * ({@link IdempotencyClaims}: read, decide, insert or compare-and-set; a lost compare-and-set is
 * repeated, as core's conflict policy does): claim, complete, release, renew and purge over two keys, two
 * fingerprints, two claimants, two clock readings (a lease taken at the first has expired at the
 * second) and two retention ends (one passed at the second reading). The clock readings are a few
 * microseconds after the epoch so that fencing tokens (clock-derived) stay small enough to guess:
 * {@link #TOKENS}. The sequential specification is this class run on one thread.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "fp", gen = IntGen.class, conf = "0:1")
@Param(name = "who", gen = IntGen.class, conf = "0:1")
@Param(name = "time", gen = IntGen.class, conf = "0:1")
@Param(name = "token", gen = IntGen.class, conf = "0:3")
@Param(name = "limit", gen = IntGen.class, conf = "1:2")
public class InMemoryIdempotencyStoreLincheckTest {

    private static final Instant T0 = Instant.EPOCH.plus(1, ChronoUnit.MICROS);
    /** Clock readings: now, and later than a lease or a short retention. */
    private static final Instant[] TIMES = {T0, Instant.EPOCH.plus(20, ChronoUnit.MICROS)};
    /** Retention ends: passed at the later reading, or not. */
    private static final Instant[] RETAIN = {T0.plus(5, ChronoUnit.MICROS), T0.plus(60, ChronoUnit.MICROS)};
    /** Tokens the claims can hand out: at the first reading 1, 2 ..., at the second 20, 21 ... */
    private static final long[] TOKENS = {1, 2, 20, 21};

    private static final Duration LEASE = Duration.of(10, ChronoUnit.MICROS);
    private static final ScopedKey[] KEYS = {ScopedKey.of("shop", "k0"), ScopedKey.of("shop", "k1")};
    private static final String[] FINGERPRINTS = {"a".repeat(64), "b".repeat(64)};

    private final IdempotencyClaims store = new IdempotencyClaims(new InMemoryIdempotencyStore());

    /** Repeats a call whose compare-and-set lost (what core's conflict policy does). */
    private static Object untilApplied(Supplier<?> call) {
        String lost = ConcurrencyConflictException.class.getSimpleName();
        while (true) {
            Object out = LincheckBudget.outcome(call);
            if (!lost.equals(out)) {
                return out;
            }
        }
    }

    @Operation
    public Object claim(
            @Param(name = "key") int key,
            @Param(name = "fp") int fp,
            @Param(name = "who") int who,
            @Param(name = "time") int time) {
        return untilApplied(() -> store.claim(
                KEYS[key], new ClaimRequest(FINGERPRINTS[fp], "order-" + who, "call-" + who, TIMES[time], LEASE)));
    }

    @Operation
    public Object complete(
            @Param(name = "key") int key, @Param(name = "token") int token, @Param(name = "time") int retain) {
        return untilApplied(() -> {
            store.complete(KEYS[key], TOKENS[token], "{\"r\":" + token + "}", T0, RETAIN[retain]);
            return null;
        });
    }

    @Operation
    public Object release(@Param(name = "key") int key, @Param(name = "token") int token) {
        return untilApplied(() -> {
            store.release(KEYS[key], TOKENS[token]);
            return null;
        });
    }

    /** Renews the lease to one lease length after the clock reading. */
    @Operation
    public Object renew(
            @Param(name = "key") int key, @Param(name = "token") int token, @Param(name = "time") int time) {
        return untilApplied(() -> store.renew(KEYS[key], TOKENS[token], TIMES[time].plus(LEASE), TIMES[time]));
    }

    @Operation
    public int purgeExpired(@Param(name = "time") int time, @Param(name = "limit") int limit) {
        return store.purgeExpired(TIMES[time], limit);
    }

    private static Actor op(String name, Object... args) {
        return LincheckBudget.op(InMemoryIdempotencyStoreLincheckTest.class, name, args);
    }

    /**
     * Races the first in-memory version lost (a purge deleted one record at a time: two completed
     * records past retention, purged while a claim whose clock reads earlier looks at both), and the
     * races the protocol's insert-if-absent and compare-and-set decide (two callers claiming a fresh
     * key, two callers taking over an expired lease).
     */
    static List<ExecutionScenario> knownRaces() {
        List<Actor> freshRace = List.of(op("claim", 0, 0, 0, 0), op("claim", 0, 0, 1, 0));
        List<Actor> takeoverRace = List.of(op("claim", 1, 0, 0, 1), op("release", 1, 0));
        List<Actor> otherTakeover = List.of(op("claim", 1, 0, 1, 1), op("claim", 0, 0, 0, 1));
        // a lapsed lease renewed by its holder (token 1) while another caller takes it over
        List<Actor> renewRace = List.of(op("renew", 1, 0, 1), op("claim", 1, 0, 0, 1));
        List<Actor> twoCompleted = List.of(
                op("claim", 0, 0, 0, 0), op("complete", 0, 0, 0), op("claim", 1, 0, 0, 0), op("complete", 1, 0, 0));
        return List.of(
                LincheckBudget.scenario(
                        twoCompleted,
                        List.of(op("purgeExpired", 1, 2)),
                        List.of(op("claim", 0, 0, 1, 0), op("claim", 1, 0, 1, 0))),
                LincheckBudget.scenario(
                        twoCompleted,
                        List.of(op("purgeExpired", 1, 2)),
                        List.of(op("claim", 1, 0, 1, 0), op("claim", 0, 0, 1, 0))),
                LincheckBudget.scenario(List.of(), freshRace.subList(0, 1), freshRace.subList(1, 2)),
                LincheckBudget.scenario(List.of(op("claim", 1, 0, 0, 0)), takeoverRace, otherTakeover),
                LincheckBudget.scenario(
                        List.of(op("claim", 1, 0, 0, 0)), renewRace.subList(0, 1), renewRace.subList(1, 2)));
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
