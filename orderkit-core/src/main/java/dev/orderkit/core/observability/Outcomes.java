package dev.orderkit.core.observability;

import dev.orderkit.core.PlacementOutcome;
import java.util.Locale;

/**
 * The outcome values core passes to {@link Timing#success(String)}: lower-case constants, a small
 * fixed set, safe as tag values. A placement's outcome is its {@link PlacementOutcome} in lower case
 * (see {@link #of(PlacementOutcome)}).
 */
public final class Outcomes {
    /** A reservation is held (or a repeated call found its own). */
    public static final String RESERVED = "reserved";
    /** The gateway approved. */
    public static final String APPROVED = "approved";
    /** The gateway declined (a business outcome). */
    public static final String DECLINED = "declined";
    /** The gateway asks for customer action (3-D Secure). */
    public static final String ACTION_REQUIRED = "action_required";
    /** A void by key found no authorization to void. */
    public static final String NOT_FOUND = "not_found";
    /** A submitted order was accepted (its payment follows in the background). */
    public static final String ACCEPTED = "accepted";
    /** A submit was refused because the backlog is full (nothing written). */
    public static final String BUSY = "busy";
    /** A background run finished. */
    public static final String DONE = "done";

    private static final String[] PLACEMENT;

    static {
        PlacementOutcome[] all = PlacementOutcome.values();
        PLACEMENT = new String[all.length];
        for (int i = 0; i < all.length; i++) {
            PLACEMENT[i] = all[i].name().toLowerCase(Locale.ROOT);
        }
    }

    private Outcomes() {}

    /**
     * A placement outcome as an outcome value (no allocation).
     *
     * @param outcome the outcome
     * @return its lower-case name, e.g. {@code "out_of_stock"}
     */
    public static String of(PlacementOutcome outcome) {
        return PLACEMENT[outcome.ordinal()];
    }
}
