package dev.orderkit.core.memory;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.spi.ReservationTransition;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import org.jetbrains.kotlinx.lincheck.Actor;
import org.jetbrains.kotlinx.lincheck.execution.ExecutionScenario;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.junit.jupiter.api.Test;

/**
 * Linearizability of {@link InMemoryStockStorage}: every read (level, levels, allLevels,
 * reservation, reservations, movements, dueReservations) against every write (multi-line reserve,
 * the reservation lifecycle, adjust, setOnHand), over 2 SKUs x 2 locations and 3 reservation ids.
 * The sequential specification is this class run on one thread.
 *
 * <p>Initial state: {@code a@x}, {@code a@y}, {@code b@x} hold 3 each; {@code b@y} does not exist
 * until an adjust or setOnHand creates it, so level creation races with reads and reservations.
 */
@Param(name = "key", gen = IntGen.class, conf = "0:3")
@Param(name = "sku", gen = IntGen.class, conf = "0:1")
@Param(name = "rid", gen = IntGen.class, conf = "0:2")
@Param(name = "shape", gen = IntGen.class, conf = "0:4")
@Param(name = "delta", gen = IntGen.class, conf = "-1:2")
@Param(name = "qty", gen = IntGen.class, conf = "0:4")
@Param(name = "version", gen = IntGen.class, conf = "-1:2")
@Param(name = "ref", gen = IntGen.class, conf = "0:2")
public class InMemoryStockStorageLincheckTest {

    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
    private static final Instant EXPIRES = NOW.plusSeconds(60);
    private static final Instant LATE = NOW.plusSeconds(120);
    private static final String[] SKUS = {"a", "b"};
    private static final StockKey[] KEYS = {
        StockKey.of("a", "x"), StockKey.of("a", "y"), StockKey.of("b", "x"), StockKey.of("b", "y")
    };
    /** Reservation line sets, merged and in canonical order: one SKU, one SKU at two locations, two SKUs. */
    private static final List<List<AllocatedLine>> SHAPES = List.of(
            List.of(line(0, 1)),
            List.of(line(0, 1), line(1, 1)),
            List.of(line(0, 1), line(2, 1)),
            List.of(line(1, 2), line(3, 1)),
            List.of(line(2, 1), line(3, 1)));

    private final InMemoryStockStorage storage = new InMemoryStockStorage();

    /** Seeds three of the four levels. */
    public InMemoryStockStorageLincheckTest() {
        for (int k = 0; k < 3; k++) {
            storage.setOnHand(KEYS[k], 3, -1, "seed", NOW);
        }
    }

    private static AllocatedLine line(int key, long quantity) {
        return new AllocatedLine(KEYS[key], quantity);
    }

    private static String rid(int rid) {
        return "r" + rid;
    }

    @Operation
    public Object reserve(@Param(name = "rid") int rid, @Param(name = "shape") int shape) {
        return LincheckBudget.outcome(() -> storage.reserve(rid(rid), SHAPES.get(shape), EXPIRES, NOW));
    }

    @Operation
    public Object commit(@Param(name = "rid") int rid) {
        return LincheckBudget.outcome(() -> storage.transition(rid(rid), ReservationTransition.COMMIT, NOW));
    }

    @Operation
    public Object release(@Param(name = "rid") int rid) {
        return LincheckBudget.outcome(() -> storage.transition(rid(rid), ReservationTransition.RELEASE, NOW));
    }

    @Operation
    public Object fulfil(@Param(name = "rid") int rid) {
        return LincheckBudget.outcome(() -> storage.transition(rid(rid), ReservationTransition.FULFIL, NOW));
    }

    @Operation
    public Object expire(@Param(name = "rid") int rid) {
        return LincheckBudget.outcome(() -> storage.transition(rid(rid), ReservationTransition.EXPIRE, LATE));
    }

    @Operation
    public Object adjust(@Param(name = "key") int key, @Param(name = "delta") int delta, @Param(name = "ref") int ref) {
        return LincheckBudget.outcome(() -> storage.adjust(KEYS[key], delta, "w" + ref, NOW));
    }

    @Operation
    public Object setOnHand(
            @Param(name = "key") int key,
            @Param(name = "qty") int qty,
            @Param(name = "version") int version,
            @Param(name = "ref") int ref) {
        return LincheckBudget.outcome(() -> storage.setOnHand(KEYS[key], qty, version, "w" + ref, NOW));
    }

    @Operation
    public Optional<StockLevel> level(@Param(name = "key") int key) {
        return storage.level(KEYS[key]);
    }

    @Operation
    public List<StockLevel> levels(@Param(name = "sku") int sku) {
        return storage.levels(SKUS[sku]);
    }

    @Operation
    public List<StockLevel> allLevels() {
        return storage.allLevels();
    }

    @Operation
    public Optional<Reservation> reservation(@Param(name = "rid") int rid) {
        return storage.reservation(rid(rid));
    }

    /** The SPI leaves the order open: compared sorted by id. */
    @Operation
    public List<Reservation> reservations() {
        return storage.reservations(EnumSet.allOf(ReservationState.class)).stream()
                .sorted(Comparator.comparing(Reservation::id))
                .toList();
    }

    @Operation
    public List<Movement> movements(@Param(name = "key") int key) {
        return storage.movements(KEYS[key]);
    }

    @Operation
    public List<String> dueReservations() {
        return storage.dueReservations(LATE, 10);
    }

    private static Actor op(String name, Object... args) {
        return LincheckBudget.op(InMemoryStockStorageLincheckTest.class, name, args);
    }

    /** Races the first in-memory version lost (its reads were not atomic). */
    static List<ExecutionScenario> knownRaces() {
        return List.of(
                // a reservation of a@x + a@y seen half applied by levels("a")
                LincheckBudget.scenario(List.of(), List.of(op("reserve", 1, 1)), List.of(op("levels", 0))),
                // a level being created (b@y) seen with placeholder values
                LincheckBudget.scenario(List.of(), List.of(op("adjust", 3, 1, 0)), List.of(op("level", 3))),
                // the levels show a hold whose reservation does not exist yet
                LincheckBudget.scenario(
                        List.of(), List.of(op("reserve", 2, 2)), List.of(op("level", 2), op("reservation", 2))),
                // a released reservation still listed as due
                LincheckBudget.scenario(
                        List.of(op("reserve", 0, 0)),
                        List.of(op("release", 0)),
                        List.of(op("reservation", 0), op("dueReservations"))));
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
