package dev.orderkit.core.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One stored idempotency record, exactly as an {@link IdempotencyStore} reads and writes it. Core
 * ({@link ClaimTable}) computes every record; a store keeps all fields and gives them back unchanged.
 *
 * <p>A record is in one of three states: <b>leased</b> ({@code leaseUntil} set, no response),
 * <b>released</b> (neither) or <b>completed</b> ({@code response} and {@code retainUntil} set, no
 * lease).
 *
 * @param fingerprint the request fingerprint of the first claim (hex SHA-256)
 * @param resourceId the id of the resource the key creates (the order id), fixed by the first claim
 * @param claimant the id of the claim call that holds (or last held) the lease; a repeat of that call
 *     with a live lease gets the lease back
 * @param token the fencing token of the current (or last) lease
 * @param resumed whether the current (or last) lease took over an earlier one
 * @param leaseUntil when the lease expires; {@code null} when released or completed
 * @param response the stored response (JSON) once completed, else {@code null}
 * @param retainUntil when a completed record may be purged; {@code null} unless completed
 * @param version changes with every write and never repeats for a key: the compare-and-set guard of
 *     {@link IdempotencyStore#replace}
 * @param value the response as the object core completed the key with, set only for a store whose
 *     records never leave this JVM (core's in-memory store: it keeps the record object it was given,
 *     so a replay needs no JSON); then {@code response} is an empty placeholder. Always {@code null}
 *     for a store that serialises records (SQL, Redis): such stores never get one and need not keep it
 */
public record KeyRecord(
        String fingerprint,
        String resourceId,
        String claimant,
        long token,
        boolean resumed,
        @Nullable Instant leaseUntil,
        @Nullable String response,
        @Nullable Instant retainUntil,
        long version,
        @Nullable Object value) {

    /**
     * Validates presence and that the record is in one of its three states.
     *
     * @throws NullPointerException naming a missing field
     * @throws IllegalArgumentException if a completed record has a lease or no retention end
     */
    public KeyRecord {
        Objects.requireNonNull(fingerprint, "fingerprint");
        Objects.requireNonNull(resourceId, "resourceId");
        Objects.requireNonNull(claimant, "claimant");
        if (response != null && (retainUntil == null || leaseUntil != null)) {
            throw new IllegalArgumentException("completed record needs retainUntil and no leaseUntil");
        }
        if (response == null && retainUntil != null) {
            throw new IllegalArgumentException("retainUntil is only set on a completed record");
        }
        if (response == null && value != null) {
            throw new IllegalArgumentException("a response value is only set on a completed record");
        }
    }

    /**
     * A record without a response object (what every serialising store reads and writes).
     *
     * @param fingerprint the request fingerprint of the first claim
     * @param resourceId the id of the resource the key creates
     * @param claimant the id of the claim call that holds (or last held) the lease
     * @param token the fencing token of the current (or last) lease
     * @param resumed whether the current (or last) lease took over an earlier one
     * @param leaseUntil when the lease expires; {@code null} when released or completed
     * @param response the stored response (JSON) once completed, else {@code null}
     * @param retainUntil when a completed record may be purged; {@code null} unless completed
     * @param version the compare-and-set guard
     * @throws NullPointerException naming a missing field
     * @throws IllegalArgumentException if a completed record has a lease or no retention end
     */
    public KeyRecord(
            String fingerprint,
            String resourceId,
            String claimant,
            long token,
            boolean resumed,
            @Nullable Instant leaseUntil,
            @Nullable String response,
            @Nullable Instant retainUntil,
            long version) {
        this(fingerprint, resourceId, claimant, token, resumed, leaseUntil, response, retainUntil, version, null);
    }

    /**
     * Whether the record holds a response.
     *
     * @return true once completed
     */
    public boolean completed() {
        return response != null;
    }

    /**
     * Whether a live lease holds the record at {@code now} (expiry after {@code now}).
     *
     * @param now current time
     * @return true while leased and not expired
     */
    public boolean leasedAt(Instant now) {
        return leaseUntil != null && leaseUntil.isAfter(now);
    }

    /**
     * Whether a completed record's retention ended at {@code now} (it may be purged or claimed afresh).
     *
     * @param now current time
     * @return true for a completed record with {@code retainUntil <= now}
     */
    public boolean retentionEndedAt(Instant now) {
        return retainUntil != null && !retainUntil.isAfter(now);
    }
}
