package dev.orderkit.core;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A payment dispute (chargeback) opened by the customer's bank, as reported by the gateway and
 * recorded on the {@link Order} ({@link Order#disputes()}). Immutable.
 *
 * @param id the gateway's dispute id (Stripe: {@code dp_...})
 * @param amount the disputed amount
 * @param status the gateway's status, e.g. Stripe's {@code warning_needs_response},
 *     {@code needs_response}, {@code under_review}, {@code won}, {@code lost}
 * @param reason the gateway's reason (e.g. {@code fraudulent}), or {@code null}
 * @param updatedAt when orderkit last recorded a change
 */
public record Dispute(
        String id, Money amount, String status, @Nullable String reason, Instant updatedAt) {

    /** Statuses after which a dispute never changes again (Stripe's closed statuses). */
    public static final Set<String> CLOSED_STATUSES = Set.of("won", "lost", "warning_closed", "prevented");

    /** Validates presence. */
    public Dispute {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(amount, "amount");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }

    /**
     * Whether the dispute is closed ({@link #CLOSED_STATUSES}).
     *
     * @return true once won, lost or closed
     */
    public boolean closed() {
        return CLOSED_STATUSES.contains(status);
    }

    /**
     * Whether {@code other} says the same as this one (time aside).
     *
     * @param other another report of the dispute
     * @return true if id, amount, status and reason are equal
     */
    public boolean sameAs(Dispute other) {
        return id.equals(other.id)
                && amount.equals(other.amount)
                && status.equals(other.status)
                && Objects.equals(reason, other.reason);
    }
}
