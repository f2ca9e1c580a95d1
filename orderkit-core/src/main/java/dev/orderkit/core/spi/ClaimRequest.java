package dev.orderkit.core.spi;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The arguments of one claim of an idempotency key (see {@link ClaimTable#claim}).
 *
 * @param fingerprint the request fingerprint (hex SHA-256)
 * @param newResourceId the resource id to store if the claim creates the record
 * @param claimant the id of this claim call: fresh for every call, the same on each of its retries,
 *     so a retry after a lost acknowledgement gets its own live lease back. Never an id another
 *     call could use (a recovery that takes over an order's key passes a fresh id, not the order id)
 * @param now current time
 * @param lease lease duration (positive)
 */
public record ClaimRequest(String fingerprint, String newResourceId, String claimant, Instant now, Duration lease) {

    /**
     * Validates the arguments.
     *
     * @throws NullPointerException naming a missing field
     * @throws IllegalArgumentException if {@code lease} is not positive
     */
    public ClaimRequest {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(newResourceId, "newResourceId");
        Objects.requireNonNull(claimant, "claimant");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(lease, "lease");
        if (lease.isZero() || lease.isNegative()) {
            throw new IllegalArgumentException("lease must be positive: " + lease);
        }
    }

    /**
     * A claim whose call is identified by the resource id it would create (what {@code place} does:
     * it draws a fresh order id per call).
     *
     * @param fingerprint the request fingerprint
     * @param newResourceId the resource id, also the claimant id
     * @param now current time
     * @param lease lease duration
     * @return the request
     */
    public static ClaimRequest of(String fingerprint, String newResourceId, Instant now, Duration lease) {
        return new ClaimRequest(fingerprint, newResourceId, newResourceId, now, lease);
    }
}
