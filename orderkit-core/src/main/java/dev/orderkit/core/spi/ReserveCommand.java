package dev.orderkit.core.spi;

import dev.orderkit.core.AllocatedLine;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One member of a {@link StockStorage#reserveAll} batch: exactly the arguments of one
 * {@link StockStorage#reserve} call. Immutable and thread-safe.
 *
 * @param reservationId reservation id
 * @param lines allocated lines, canonical order, one per key (copied)
 * @param expiresAt hold expiry
 * @param now current time of the call
 */
public record ReserveCommand(String reservationId, List<AllocatedLine> lines, Instant expiresAt, Instant now) {

    /** Rejects missing parts and copies the lines. */
    public ReserveCommand {
        Objects.requireNonNull(reservationId, "reservationId");
        lines = List.copyOf(lines);
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(now, "now");
    }
}
