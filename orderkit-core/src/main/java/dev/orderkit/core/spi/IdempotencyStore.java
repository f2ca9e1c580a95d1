package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.LeaseLostException;
import java.time.Duration;
import java.time.Instant;

/**
 * Storage of idempotency records: one per {@link ScopedKey}, holding the request fingerprint, a
 * lease (owner token and expiry), the resource id and, once complete, the stored response.
 *
 * <p>Every method is atomic and thread-safe across processes sharing the backend. Core owns the
 * state machine; implementations only provide these primitives. Infrastructure failures are thrown
 * as {@link BackendUnavailableException}.
 */
public interface IdempotencyStore {

    /**
     * Atomically claims a key.
     * <ul>
     *   <li>no record, or a completed record past its retention: create it with {@code fingerprint},
     *       {@code newResourceId}, a lease until {@code now + lease}, token 1 → {@code Acquired(…, resumed=false)}</li>
     *   <li>record with another fingerprint → {@code Mismatch}</li>
     *   <li>completed record → {@code Completed}</li>
     *   <li>live lease (expiry after {@code now}) → {@code InProgress}</li>
     *   <li>expired or released lease → increment the token, new lease → {@code Acquired(…, resumed=true)}
     *       with the stored resource id</li>
     * </ul>
     *
     * @param key scoped key
     * @param fingerprint request fingerprint (hex SHA-256)
     * @param newResourceId resource id to store if the record is new
     * @param now current time
     * @param lease lease duration
     * @return the claim result
     */
    ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease);

    /**
     * Stores the response and ends the lease, if {@code fencingToken} is still the current token.
     *
     * @param key scoped key
     * @param fencingToken the token from {@code Acquired}
     * @param response the response to replay (JSON)
     * @param now current time
     * @param retainUntil when the record may be purged
     * @throws LeaseLostException if the token is stale or the record is gone or already complete
     */
    void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil);

    /**
     * Ends the lease without a response (after an infrastructure failure), so a retry can resume
     * immediately. The record keeps its fingerprint and resource id.
     *
     * @param key scoped key
     * @param fencingToken the token from {@code Acquired}
     * @throws LeaseLostException if the token is stale
     */
    void release(ScopedKey key, long fencingToken);

    /**
     * Deletes completed records whose retention ended before {@code now}.
     *
     * @param now current time
     * @param limit maximum number of records to delete
     * @return the number deleted
     */
    int purgeExpired(Instant now, int limit);
}
