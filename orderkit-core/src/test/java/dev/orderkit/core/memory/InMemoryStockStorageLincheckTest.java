package dev.orderkit.core.memory;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import java.time.Instant;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import org.jetbrains.lincheck.datastructures.IntGen;
import org.jetbrains.lincheck.datastructures.ModelCheckingOptions;
import org.jetbrains.lincheck.datastructures.Operation;
import org.jetbrains.lincheck.datastructures.Param;
import org.jetbrains.lincheck.datastructures.StressOptions;
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
        StockKey.of("a", "x"), StockKey.of("a", "y"), StockKey.of("b", "x"), StockKey.of("b", "y")};
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

    /** Runs a write; an exception is part of the result (its simple class name). */
    private static Object outcome(Supplier<?> write) {
        try {
            return write.get();
        } catch (RuntimeException e) {
            return e.getClass().getSimpleName();
        }
    }

    private static String rid(int rid) {
        return "r" + rid;
    }

    @Operation
    public Object reserve(@Param(name = "rid") int rid, @Param(name = "shape") int shape) {
        return outcome(() -> storage.reserve(rid(rid), SHAPES.get(shape), EXPIRES, NOW));
    }

    @Operation
    public Object commit(@Param(name = "rid") int rid) {
        return outcome(() -> storage.commit(rid(rid), NOW));
    }

    @Operation
    public Object release(@Param(name = "rid") int rid) {
        return outcome(() -> storage.release(rid(rid), NOW));
    }

    @Operation
    public Object fulfil(@Param(name = "rid") int rid) {
        return outcome(() -> storage.fulfil(rid(rid), NOW));
    }

    @Operation
    public Object expire(@Param(name = "rid") int rid) {
        return outcome(() -> storage.expire(rid(rid), LATE));
    }

    @Operation
    public Object adjust(@Param(name = "key") int key, @Param(name = "delta") int delta,
            @Param(name = "ref") int ref) {
        return outcome(() -> storage.adjust(KEYS[key], delta, "w" + ref, NOW));
    }

    @Operation
    public Object setOnHand(@Param(name = "key") int key, @Param(name = "qty") int qty,
            @Param(name = "version") int version, @Param(name = "ref") int ref) {
        return outcome(() -> storage.setOnHand(KEYS[key], qty, version, "w" + ref, NOW));
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
                .sorted(Comparator.comparing(Reservation::id)).toList();
    }

    @Operation
    public List<Movement> movements(@Param(name = "key") int key) {
        return storage.movements(KEYS[key]);
    }

    @Operation
    public List<String> dueReservations() {
        return storage.dueReservations(LATE, 10);
    }

    @Test
    void stress() {
        new StressOptions()
                .iterations(LincheckBudget.ITERATIONS)
                .invocationsPerIteration(LincheckBudget.STRESS_INVOCATIONS)
                .threads(3)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .check(getClass());
    }

    @Test
    void modelChecking() {
        new ModelCheckingOptions()
                .iterations(LincheckBudget.ITERATIONS)
                .invocationsPerIteration(LincheckBudget.MODEL_CHECKING_INVOCATIONS)
                .threads(2)
                .actorsPerThread(3)
                .actorsBefore(2)
                .actorsAfter(1)
                .check(getClass());
    }
}
