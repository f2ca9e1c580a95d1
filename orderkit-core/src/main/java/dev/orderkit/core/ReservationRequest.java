package dev.orderkit.core;

import dev.orderkit.core.internal.Check;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A request to hold stock for several lines, all or nothing. Idempotent on {@link #reservationId()}.
 *
 * @param reservationId caller-chosen id, 1..128 characters
 * @param lines 1..500 lines; a SKU (with the same fixed location) may appear once
 * @param ttl how long the hold lasts before it expires, 1 second .. 7 days
 */
public record ReservationRequest(String reservationId, List<ReservationLine> lines, Duration ttl) {
    /** Maximum number of lines in one reservation. */
    public static final int MAX_LINES = 500;
    /** Shortest allowed hold. */
    public static final Duration MIN_TTL = Duration.ofSeconds(1);
    /** Longest allowed hold. */
    public static final Duration MAX_TTL = Duration.ofDays(7);

    /**
     * Validates the request.
     *
     * @throws InvalidRequestException naming the field if any part is invalid
     */
    public ReservationRequest {
        Check.identifier(reservationId, "reservationId", 128);
        Check.notNull(lines, "lines");
        if (lines.isEmpty() || lines.size() > MAX_LINES) {
            throw new InvalidRequestException("lines", lines.size(), "must contain 1.." + MAX_LINES + " lines");
        }
        int n = lines.size();
        Set<String> seen = n > 16 ? new HashSet<>() : null; // few lines: compared pairwise, no set
        for (int i = 0; i < n; i++) {
            ReservationLine line = Check.notNull(lines.get(i), "lines", i);
            boolean duplicate = false;
            if (seen != null) {
                duplicate = !seen.add(line.sku() + '\u0000' + line.location());
            } else {
                for (int j = 0; j < i && !duplicate; j++) {
                    duplicate = sameKey(lines.get(j), line);
                }
            }
            if (duplicate) {
                throw new InvalidRequestException("lines[" + i + "].sku", line.sku(), "appears more than once");
            }
        }
        lines = List.copyOf(lines);
        Check.ttl(ttl, "ttl", MIN_TTL, MAX_TTL);
    }

    private static boolean sameKey(ReservationLine a, ReservationLine b) {
        return a.sku().equals(b.sku()) && Objects.equals(a.location(), b.location());
    }
}
