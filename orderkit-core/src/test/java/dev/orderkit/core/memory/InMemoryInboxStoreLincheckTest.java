package dev.orderkit.core.memory;

import dev.orderkit.core.spi.InboxStore;
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
 * Linearizability of {@link InMemoryInboxStore}: claim, complete, release and purge over three
 * message ids and two clock readings (a lease taken at the first has expired at the second). The
 * sequential specification is this class run on one thread.
 */
@Param(name = "id", gen = IntGen.class, conf = "0:2")
@Param(name = "time", gen = IntGen.class, conf = "0:1")
@Param(name = "limit", gen = IntGen.class, conf = "1:2")
public class InMemoryInboxStoreLincheckTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant[] TIMES = {T0, T0.plusSeconds(10)};
    /** Purge bounds: older than the second reading only, or than both. */
    private static final Instant[] OLDER_THAN = {T0.plusSeconds(5), T0.plusSeconds(20)};

    private static final Duration LEASE = Duration.ofSeconds(5);

    private final InMemoryInboxStore inbox = new InMemoryInboxStore(LincheckBudget.STRIPES);

    private static String id(int id) {
        return "stripe:evt_" + id;
    }

    @Operation
    public InboxStore.Claim claim(@Param(name = "id") int id, @Param(name = "time") int time) {
        return inbox.claim(id(id), TIMES[time], LEASE);
    }

    @Operation
    public void complete(@Param(name = "id") int id, @Param(name = "time") int time) {
        inbox.complete(id(id), TIMES[time]);
    }

    @Operation
    public void release(@Param(name = "id") int id) {
        inbox.release(id(id));
    }

    @Operation
    public int purgeCompleted(@Param(name = "time") int olderThan, @Param(name = "limit") int limit) {
        return inbox.purgeCompleted(OLDER_THAN[olderThan], limit);
    }

    private static Actor op(String name, Object... args) {
        return LincheckBudget.op(InMemoryInboxStoreLincheckTest.class, name, args);
    }

    /** Races the first in-memory version lost (a purge deleted one record at a time). */
    static List<ExecutionScenario> knownRaces() {
        List<Actor> twoDone = List.of(op("complete", 0, 0), op("complete", 1, 0));
        return List.of(
                LincheckBudget.scenario(
                        twoDone, List.of(op("purgeCompleted", 1, 2)), List.of(op("claim", 0, 1), op("claim", 1, 1))),
                LincheckBudget.scenario(
                        twoDone, List.of(op("purgeCompleted", 1, 2)), List.of(op("claim", 1, 1), op("claim", 0, 1))));
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
