package dev.orderkit.core;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How far a stock level may be reserved beyond its on-hand units: none (the default), backorders
 * up to a limit, or preorders up to a limit until a date (stock not yet arrived). Set per
 * (sku, location) with {@link StockLedger#setPolicy} and reported on {@link StockLevel#policy()}.
 *
 * <p>A reservation fits a level when {@code reserved + quantity <= onHand + allowance(now)}, so the
 * level's invariant is {@code 0 <= reserved <= onHand + limit}. When the allowance shrinks (a
 * preorder's date passes, the limit is lowered, the policy is removed) existing reservations stay:
 * {@code reserved} may then exceed {@code onHand + allowance}, and new reservations are refused
 * until restocks or releases bring it back under. Immutable and thread-safe.
 *
 * @param kind none, backorder or preorder
 * @param limit units that may be reserved beyond on-hand (0 for {@link Kind#NONE})
 * @param until end of a preorder's allowance (exclusive; {@code null} for the other kinds)
 */
public record StockPolicy(Kind kind, long limit, @Nullable Instant until) {

    /** The kinds of policy. */
    public enum Kind {
        /** Nothing beyond on-hand. */
        NONE,
        /** Up to {@code limit} units beyond on-hand, with no end. */
        BACKORDER,
        /** Up to {@code limit} units beyond on-hand while {@code now < until}. */
        PREORDER
    }

    private static final StockPolicy NONE = new StockPolicy(Kind.NONE, 0, null);

    /**
     * Validates the components.
     *
     * @throws InvalidRequestException if the limit is negative, above {@code 1,000,000,000}, not
     *     zero for {@link Kind#NONE}, or {@code until} is missing for a preorder or present otherwise
     */
    public StockPolicy {
        Objects.requireNonNull(kind, "kind");
        if (limit < 0 || limit > 1_000_000_000L) {
            throw new InvalidRequestException("limit", limit, "must be between 0 and 1,000,000,000");
        }
        if (kind == Kind.NONE && limit != 0) {
            throw new InvalidRequestException("limit", limit, "must be 0 without a backorder or preorder policy");
        }
        if ((kind == Kind.PREORDER) != (until != null)) {
            throw new InvalidRequestException(
                    "until", String.valueOf(until), "is required for a preorder and only for a preorder");
        }
    }

    /**
     * No reservations beyond on-hand.
     *
     * @return the policy
     */
    public static StockPolicy none() {
        return NONE;
    }

    /**
     * Backorders: up to {@code limit} units may be reserved beyond on-hand.
     *
     * @param limit units, 0 to 1,000,000,000
     * @return the policy
     * @throws InvalidRequestException if the limit is out of range
     */
    public static StockPolicy backorder(long limit) {
        return new StockPolicy(Kind.BACKORDER, limit, null);
    }

    /**
     * Preorders: up to {@code limit} units may be reserved beyond on-hand until {@code until}
     * (exclusive); after it, nothing beyond on-hand.
     *
     * @param limit units, 0 to 1,000,000,000
     * @param until end of the allowance
     * @return the policy
     * @throws InvalidRequestException if the limit is out of range
     * @throws NullPointerException if {@code until} is null
     */
    public static StockPolicy preorder(long limit, Instant until) {
        return new StockPolicy(Kind.PREORDER, limit, Objects.requireNonNull(until, "until"));
    }

    /**
     * Units that may be reserved beyond on-hand at {@code now}.
     *
     * @param now the time of the reservation
     * @return {@code limit} for a backorder, {@code limit} for a preorder while {@code now < until}, else 0
     */
    public long allowance(Instant now) {
        return switch (kind) {
            case NONE -> 0;
            case BACKORDER -> limit;
            case PREORDER -> now.isBefore(Objects.requireNonNull(until, "until")) ? limit : 0;
        };
    }

    /**
     * The instant until which the allowance lasts, as a storage encodes it: {@link Instant#MAX}
     * for a backorder (no end), {@code until} for a preorder, {@link Instant#MIN} for none.
     *
     * @return the end of the allowance
     */
    public Instant allowedUntil() {
        return switch (kind) {
            case NONE -> Instant.MIN;
            case BACKORDER -> Instant.MAX;
            case PREORDER -> Objects.requireNonNull(until, "until");
        };
    }
}
