package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import java.time.Instant;
import java.util.Optional;

/**
 * Storage of idempotency records: one {@link KeyRecord} per {@link ScopedKey}. A store only reads a
 * record, inserts it if absent, replaces it if unchanged (compare-and-set on its version) and purges
 * records whose retention ended; what a record means — every claim answer, takeover, fencing,
 * completion and release — is decided once, in core, by {@link ClaimTable} and applied by
 * {@link IdempotencyClaims}. A store never loops or retries: a lost race is a {@code false} result.
 *
 * <p>Every method is atomic and thread-safe across processes sharing the backend, and keeps every
 * field of a record exactly (a read returns what was written). Infrastructure failures are thrown as
 * {@link BackendUnavailableException}.
 */
public interface IdempotencyStore {

    /**
     * Reads a record.
     *
     * @param key scoped key
     * @return the stored record, or empty if there is none
     */
    Optional<KeyRecord> read(ScopedKey key);

    /**
     * Stores a record if the key has none.
     *
     * @param key scoped key
     * @param record the record
     * @return {@code true} if stored; {@code false} if the key already had a record (left unchanged)
     */
    boolean insert(ScopedKey key, KeyRecord record);

    /**
     * Replaces a record if its stored version is still {@code expectedVersion}.
     *
     * @param key scoped key
     * @param expectedVersion the {@link KeyRecord#version()} the caller read
     * @param next the new record (its version differs from {@code expectedVersion})
     * @return {@code true} if replaced; {@code false} if the record is gone or has another version
     *     (left unchanged)
     */
    boolean replace(ScopedKey key, long expectedVersion, KeyRecord next);

    /**
     * Deletes completed records whose retention ended at {@code now} ({@code retainUntil <= now}).
     * Each deletion is conditional on that at the instant it happens (a record claimed afresh
     * meanwhile stays).
     *
     * @param now current time
     * @param limit maximum number of records to delete
     * @return the number deleted
     */
    int purgeExpired(Instant now, int limit);
}
