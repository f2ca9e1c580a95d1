package dev.orderkit.core.memory;

import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link InMemoryOrderStore}: insert, compare-and-set update, find, findByKey
 * and findStale over three orders, two of which share an idempotency key (the later-created one
 * must win findByKey whatever the insertion order). The sequential specification is this class run
 * on one thread.
 */
@Param(name = "order", gen = IntGen.class, conf = "0:2")
@Param(name = "key", gen = IntGen.class, conf = "0:1")
@Param(name = "version", gen = IntGen.class, conf = "0:1")
@Param(name = "step", gen = IntGen.class, conf = "0:1")
@Param(name = "limit", gen = IntGen.class, conf = "1:3")
public class InMemoryOrderStoreLincheckTest {

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final String SCOPE = "shop";
    /** Order i is created with key KEY_OF[i] at CREATED_AT[i]: orders 0 and 2 share key k0, 0 is newer. */
    private static final int[] KEY_OF = {0, 1, 0};

    private static final Instant[] CREATED_AT = {T0.plusSeconds(1), T0, T0};
    /** Update steps: the status and time each one writes. */
    private static final OrderStatus[] STEP_STATUS = {OrderStatus.STOCK_RESERVED, OrderStatus.CONFIRMED};

    private static final Instant[] STEP_AT = {T0.plusSeconds(2), T0.plusSeconds(3)};
    private static final Instant[] STALE_BEFORE = {T0.plusSeconds(1), T0.plusSeconds(3)};
    private static final Set<OrderStatus> UNFINISHED = EnumSet.of(OrderStatus.CREATED, OrderStatus.STOCK_RESERVED);

    private final InMemoryOrderStore store =
            new InMemoryOrderStore(new InMemoryOutbox(new InMemoryEventSink()), LincheckBudget.STRIPES);

    private static Order order(int i, OrderStatus status, long version, Instant updatedAt) {
        return new Order(
                "o" + i,
                SCOPE,
                "k" + KEY_OF[i],
                "f".repeat(64),
                status,
                "customer",
                List.of(OrderLine.of("sku", 1, 100)),
                Money.of(100, "EUR"),
                "pm_card",
                Map.of(),
                List.of(),
                null,
                null,
                version,
                CREATED_AT[i],
                updatedAt);
    }

    @Operation
    public boolean insert(@Param(name = "order") int i) {
        return store.insert(order(i, OrderStatus.CREATED, 0, CREATED_AT[i]), List.of());
    }

    @Operation
    public boolean update(
            @Param(name = "order") int i,
            @Param(name = "version") int expectedVersion,
            @Param(name = "step") int step) {
        return store.update(
                order(i, STEP_STATUS[step], expectedVersion + 1, STEP_AT[step]), expectedVersion, List.of());
    }

    @Operation
    public Optional<Order> find(@Param(name = "order") int i) {
        return store.find("o" + i);
    }

    @Operation
    public Optional<Order> findByKey(@Param(name = "key") int key) {
        return store.findByKey(SCOPE, "k" + key);
    }

    @Operation
    public List<Order> findStale(@Param(name = "step") int before, @Param(name = "limit") int limit) {
        return store.findStale(UNFINISHED, STALE_BEFORE[before], limit);
    }

    private static Actor op(String name, Object... args) {
        return LincheckBudget.op(InMemoryOrderStoreLincheckTest.class, name, args);
    }

    /** Races the first in-memory version lost. */
    static List<ExecutionScenario> knownRaces() {
        return List.of(
                // an inserted order found by id but not yet by its key
                LincheckBudget.scenario(
                        List.of(), List.of(op("insert", 0)), List.of(op("find", 0), op("findByKey", 0))),
                // a scan that sees the later of two inserts and not the earlier
                LincheckBudget.scenario(
                        List.of(), List.of(op("insert", 1), op("insert", 2)), List.of(op("findStale", 1, 1))));
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
