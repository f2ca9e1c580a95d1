package dev.orderkit.core.spi;

import dev.orderkit.core.Movement;
import java.util.Objects;

/**
 * A movement with its position in its level's append order ({@link StockStorage#movements(
 * dev.orderkit.core.StockKey, long, int)}).
 *
 * @param position positive; strictly increasing in append order within one level, never reused
 * @param movement the movement
 */
public record PositionedMovement(long position, Movement movement) {
    /** Checks the position. */
    public PositionedMovement {
        if (position < 1) {
            throw new IllegalArgumentException("position must be positive, was " + position);
        }
        Objects.requireNonNull(movement, "movement");
    }
}
