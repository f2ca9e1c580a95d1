package dev.orderkit.core;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One page of a stock level's movements, in append order, as {@link StockLedger#movements(StockKey,
 * String, int)} returns it. Immutable and thread-safe.
 *
 * <p>Cursors are opaque strings naming a position in the level's append order (never reused, stable
 * across {@link OrderKit#purge()}'s compaction of old movements); pass one back to the same level only.
 *
 * @param movements the movements of the page, oldest first (at most the limit asked for)
 * @param nextCursor the cursor of the next page; empty when this page reached the newest movement
 *     of the level at the time of the read
 * @param resumeCursor the cursor just after the last movement of this page (the cursor passed in for
 *     an empty page): pass it later to read only the movements appended since
 */
public record MovementPage(List<Movement> movements, Optional<String> nextCursor, String resumeCursor) {
    /** Copies the list and checks for nulls. */
    public MovementPage {
        movements = List.copyOf(movements);
        Objects.requireNonNull(nextCursor, "nextCursor");
        Objects.requireNonNull(resumeCursor, "resumeCursor");
    }
}
