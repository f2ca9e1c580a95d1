package dev.orderkit.core.spi;

import dev.orderkit.core.Reservation;
import dev.orderkit.core.Shortfall;
import dev.orderkit.core.StockLevel;
import java.util.List;

/** The atomic answer of {@link StockStorage#reserve}: every expected outcome is a value. */
public sealed interface ReserveResult {

    /**
     * All lines were held.
     *
     * <p>A backend that learns the new levels of the keys it touched while reserving (e.g. a script
     * that read and wrote them) may hand them back in {@code levels}, so the caller can refresh a
     * level cache without another read. An empty list means "not reported", never "no levels".
     *
     * @param reservation the new reservation
     * @param levels the levels of the touched keys right after the reserve, in no particular order;
     *     empty when the backend does not report them (immutable copy)
     */
    record Reserved(Reservation reservation, List<StockLevel> levels) implements ReserveResult {
        /** Copies the levels. */
        public Reserved {
            levels = List.copyOf(levels);
        }

        /**
         * A reservation without reported levels.
         *
         * @param reservation the new reservation
         */
        public Reserved(Reservation reservation) {
            this(reservation, List.of());
        }
    }

    /**
     * A reservation with this id already existed (in any state); nothing was written.
     *
     * @param reservation the existing reservation
     */
    record AlreadyExists(Reservation reservation) implements ReserveResult {}

    /**
     * At least one line lacked available stock; nothing was written.
     *
     * @param shortfalls the lines short of stock, with the location
     */
    record Insufficient(List<Shortfall> shortfalls) implements ReserveResult {}

    /**
     * At least one line names a stock level that does not exist; nothing was written.
     *
     * @param missing the unknown keys, as {@code sku@location}
     */
    record UnknownStock(List<String> missing) implements ReserveResult {}

    /**
     * The attempt lost a race it cannot settle by itself (e.g. a concurrent attempt with the same id
     * is being rolled back); nothing was written. Core calls again, within its conflict budget.
     *
     * @param reason what was lost, for messages
     */
    record Conflict(String reason) implements ReserveResult {}
}
