package dev.orderkit.testkit;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.memory.InMemoryStockStorage;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Corrupts an {@link InMemoryStockStorage} behind its back (reflection: it has no such API), as an
 * operator's stray write would corrupt a database: for the drift check's contract.
 */
final class InMemoryDrift {
    private InMemoryDrift() {}

    private static Object field(Object target, String name) throws ReflectiveOperationException {
        Field f = target.getClass().getDeclaredField(name);
        f.setAccessible(true);
        return f.get(target);
    }

    private static Object sku(InMemoryStockStorage storage, String sku) throws ReflectiveOperationException {
        Map<?, ?> skus = (Map<?, ?>) field(storage, "skus");
        return skus.get(sku);
    }

    /** Overwrites a level's counters without a movement. */
    static void plantLevel(InMemoryStockStorage storage, StockKey key, long onHand, long reserved) {
        try {
            Object sku = sku(storage, key.sku());
            Method slot = sku.getClass().getDeclaredMethod("slot", String.class);
            slot.setAccessible(true);
            Object s = slot.invoke(sku, key.location());
            Field oh = s.getClass().getDeclaredField("onHand");
            Field rs = s.getClass().getDeclaredField("reserved");
            oh.setAccessible(true);
            rs.setAccessible(true);
            oh.setLong(s, onHand);
            rs.setLong(s, reserved);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot plant drift in the in-memory storage", e);
        }
    }

    /** Adds a HELD reservation (and its SKU's index entry) without touching the level. */
    @SuppressWarnings("unchecked")
    static void plantOrphanHold(InMemoryStockStorage storage, StockKey key, String id, long quantity, Instant now) {
        try {
            Map<String, Object> reservations = (Map<String, Object>) field(storage, "reservations");
            Reservation hold = new Reservation(
                    id,
                    ReservationState.HELD,
                    List.of(new AllocatedLine(key, quantity)),
                    now.plus(Duration.ofDays(1)),
                    now,
                    now);
            // the storage keeps a compact Hold per reservation (package-private)
            Class<?> holdClass = Class.forName("dev.orderkit.core.memory.Hold");
            Method of = holdClass.getDeclaredMethod("of", Reservation.class);
            of.setAccessible(true);
            Object stored = of.invoke(null, hold);
            reservations.put(id, stored);
            Object due = field(sku(storage, key.sku()), "due"); // a HELD hold is indexed by its expiry
            Method add = due.getClass().getDeclaredMethod("add", holdClass);
            add.setAccessible(true);
            add.invoke(due, stored);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("cannot plant an orphan hold in the in-memory storage", e);
        }
    }
}
