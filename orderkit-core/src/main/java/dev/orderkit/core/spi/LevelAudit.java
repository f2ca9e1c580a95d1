package dev.orderkit.core.spi;

import dev.orderkit.core.StockLevel;
import java.util.Objects;

/**
 * What {@link StockStorage#audit} read of one stock level, atomically: the level, the sums of its
 * movements' deltas and the sum of its active hold lines, all as of one instant.
 *
 * @param level the level as stored
 * @param movementOnHand the sum of the on-hand deltas of all its movements (snapshots included)
 * @param movementReserved the sum of the reserved deltas of all its movements
 * @param activeHolds the sum of the quantities of the lines on this level of its HELD and
 *     COMMITTED reservations
 */
public record LevelAudit(StockLevel level, long movementOnHand, long movementReserved, long activeHolds) {
    /** Checks for null. */
    public LevelAudit {
        Objects.requireNonNull(level, "level");
    }
}
