package dev.orderkit.core;

import java.util.List;
import java.util.Objects;

/**
 * The answer of {@link StockLedger#verify}: which of the checked stock levels disagree with their
 * own ledger. Immutable and thread-safe.
 *
 * @param checked the number of levels checked (the keys asked for that have a level)
 * @param unknown the keys asked for that have no stock level (not checked), in the order asked
 * @param drifts every disagreement found, by key (canonical order), then check, then quantity;
 *     empty when every checked level is consistent
 */
public record DriftReport(int checked, List<StockKey> unknown, List<Drift> drifts) {
    /** Copies the lists. */
    public DriftReport {
        unknown = List.copyOf(unknown);
        drifts = List.copyOf(drifts);
    }

    /**
     * Whether no drift was found.
     *
     * @return {@code drifts().isEmpty()}
     */
    public boolean clean() {
        return drifts.isEmpty();
    }

    /**
     * One quantity of one level that disagrees with what its ledger says it must be.
     *
     * @param key the level
     * @param check which check found it
     * @param quantity which quantity of the level
     * @param expected the value the ledger gives (the movements' sum, or the active holds' sum)
     * @param actual the value stored on the level
     */
    public record Drift(StockKey key, Check check, Quantity quantity, long expected, long actual) {
        /** Checks for nulls. */
        public Drift {
            Objects.requireNonNull(key, "key");
            Objects.requireNonNull(check, "check");
            Objects.requireNonNull(quantity, "quantity");
        }
    }

    /** The two checks {@link StockLedger#verify} runs on every level. */
    public enum Check {
        /** The level equals the replay of its movements (the sums of their deltas), both quantities. */
        REPLAY,
        /**
         * The level's reserved equals the sum of the lines on it of its active reservations
         * ({@link ReservationState#HELD} and {@link ReservationState#COMMITTED}).
         */
        HOLDS
    }

    /** A quantity of a stock level. */
    public enum Quantity {
        /** {@link StockLevel#onHand()}. */
        ON_HAND,
        /** {@link StockLevel#reserved()}. */
        RESERVED
    }
}
