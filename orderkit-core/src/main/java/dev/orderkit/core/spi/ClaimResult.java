package dev.orderkit.core.spi;

import java.time.Instant;
import org.jspecify.annotations.Nullable;

/** The answer of a claim of an idempotency key ({@link ClaimTable#claim}, {@link IdempotencyClaims#claim}). */
public sealed interface ClaimResult {

    /**
     * The caller now holds the lease and must execute (or resume) the request.
     *
     * @param fencingToken token that must accompany {@code complete}/{@code release}; strictly
     *                     increasing per key (also across retention and purges), so a stale
     *                     holder's writes are refused
     * @param resourceId the id of the resource this key creates (the order id): the one given by
     *                   the first claimer, kept across takeovers so a resumed call continues it
     * @param resumed true if this lease took over an earlier expired or released lease
     */
    record Acquired(long fencingToken, String resourceId, boolean resumed) implements ClaimResult {}

    /**
     * Another caller holds a live lease.
     *
     * @param leaseExpiresAt when that lease expires
     */
    record InProgress(Instant leaseExpiresAt) implements ClaimResult {}

    /**
     * The request already completed; replay the stored response.
     *
     * @param resourceId the resource id
     * @param response the stored response (JSON; an empty placeholder when {@code value} is set)
     * @param value the response object, if the store keeps records in this JVM (see
     *     {@link KeyRecord#value()}), else {@code null}
     */
    record Completed(
            String resourceId, String response, @Nullable Object value) implements ClaimResult {

        /**
         * A completion stored as JSON only.
         *
         * @param resourceId the resource id
         * @param response the stored response (JSON)
         */
        public Completed(String resourceId, String response) {
            this(resourceId, response, null);
        }
    }

    /**
     * The key exists with a different request fingerprint.
     *
     * @param storedFingerprint the fingerprint of the first request
     */
    record Mismatch(String storedFingerprint) implements ClaimResult {}
}
