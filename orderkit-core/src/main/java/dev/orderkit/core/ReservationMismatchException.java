package dev.orderkit.core;

import java.util.List;

/**
 * {@link StockLedger#reserve} was repeated with an existing reservation id but other lines: a
 * client bug, like an idempotency key reused with another body (HTTP 422 in a web API). The existing
 * reservation was not changed and nothing was held.
 *
 * <p>A repeat matches when the existing reservation is exactly a hold of the repeated request: the
 * same SKUs with the same total quantity each, and every line with a fixed location held at that
 * location. The hold's expiry is not compared (it was fixed by the first call).
 */
public class ReservationMismatchException extends OrderKitException {
    private static final long serialVersionUID = 1L;
    private final String reservationId;
    private final transient List<AllocatedLine> existingLines;
    private final transient List<ReservationLine> requestedLines;

    /**
     * Creates the exception.
     *
     * @param reservationId the reused id
     * @param existingLines the lines the existing reservation holds
     * @param requestedLines the lines of the refused request
     */
    public ReservationMismatchException(
            String reservationId, List<AllocatedLine> existingLines, List<ReservationLine> requestedLines) {
        super("reservation id '" + reservationId + "' was already used for other lines: it holds " + existingLines
                + ", the request asked for " + requestedLines);
        this.reservationId = reservationId;
        this.existingLines = List.copyOf(existingLines);
        this.requestedLines = List.copyOf(requestedLines);
    }

    /**
     * The reused reservation id.
     *
     * @return the id
     */
    public String reservationId() {
        return reservationId;
    }

    /**
     * The lines the existing reservation holds (canonical order).
     *
     * @return the lines
     */
    public List<AllocatedLine> existingLines() {
        return existingLines;
    }

    /**
     * The lines of the refused request.
     *
     * @return the lines
     */
    public List<ReservationLine> requestedLines() {
        return requestedLines;
    }
}
