package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.LeaseLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Core's claim protocol over an {@link IdempotencyStore}: each call reads the record, asks
 * {@link ClaimTable} for the answer and writes the decided record with one insert-if-absent or
 * compare-and-set — the shape of ShedLock's {@code StorageBasedLockProvider} over its storage
 * accessor. A claim of a fresh key is a single insert (one round trip).
 *
 * <p>Each call is one attempt and never loops: when the compare-and-set loses against a concurrent
 * writer it throws {@link ConcurrencyConflictException}, and the caller repeats the call with the
 * same arguments (core does so through its Failsafe conflict policy). A repeat after a lost
 * acknowledgement is safe: a claim finds its own lease (same claimant), a completion its own
 * response, a release its own released lease.
 *
 * <p>Thread-safe if the store is.
 */
public final class IdempotencyClaims {
    private final IdempotencyStore store;

    /**
     * Creates the protocol over a store.
     *
     * @param store the store
     * @throws NullPointerException if {@code store} is null
     */
    public IdempotencyClaims(IdempotencyStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Claims a key for a call identified by the resource id it would create (see
     * {@link ClaimRequest#of}).
     *
     * @param key scoped key
     * @param fingerprint request fingerprint (hex SHA-256)
     * @param newResourceId resource id to store if the record is new; also the claimant id, so it
     *     must be fresh per call and the same on each of its retries
     * @param now current time
     * @param lease lease duration
     * @return the answer of {@link ClaimTable#claim}
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public ClaimResult claim(ScopedKey key, String fingerprint, String newResourceId, Instant now, Duration lease) {
        return claim(key, ClaimRequest.of(fingerprint, newResourceId, now, lease));
    }

    /**
     * Claims a key.
     *
     * @param key scoped key
     * @param request the claim
     * @return the answer of {@link ClaimTable#claim}
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public ClaimResult claim(ScopedKey key, ClaimRequest request) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(request, "request");
        ClaimTable.Decision<ClaimResult> fresh = ClaimTable.claim(null, request);
        if (store.insert(key, Objects.requireNonNull(fresh.write(), "a claim on no record writes one"))) {
            return fresh.answer();
        }
        Optional<KeyRecord> current = store.read(key);
        ClaimTable.Decision<ClaimResult> decided = ClaimTable.claim(current.orElse(null), request);
        write(key, current, decided.write(), "claim");
        return decided.answer();
    }

    /**
     * Stores the response and ends the lease, if {@code fencingToken} is still the key's current
     * token. A repeat of an applied completion (same arguments) returns normally.
     *
     * @param key scoped key
     * @param fencingToken the token from {@code Acquired}
     * @param response the response to replay (JSON)
     * @param now current time
     * @param retainUntil when the record may be purged
     * @throws LeaseLostException if the token is stale, or the record is gone or completed otherwise
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public void complete(ScopedKey key, long fencingToken, String response, Instant now, Instant retainUntil) {
        complete(key, fencingToken, response, null, now, retainUntil);
    }

    private void complete(
            ScopedKey key,
            long fencingToken,
            String response,
            @Nullable Object value,
            Instant now,
            Instant retainUntil) {
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(retainUntil, "retainUntil");
        end(
                key,
                fencingToken,
                "complete",
                r -> ClaimTable.complete(r, fencingToken, response, value, now, retainUntil));
    }

    /**
     * Completes a lease the caller acquired, without reading the record first: the record the
     * acquiring claim wrote is known (its fingerprint, resource id, claimant and resumed flag, and
     * its version is the lease's token), so one compare-and-set on that version stores the
     * response. If the record changed since (a repeat of an applied completion, a release, a
     * takeover), the call decides on the stored record exactly like
     * {@link #complete(ScopedKey, long, String, Instant, Instant)}.
     *
     * @param key scoped key
     * @param fingerprint the fingerprint the claim was made with
     * @param claimant the claimant id the claim was made with
     * @param lease the claim's answer
     * @param response the response to replay (JSON; an empty placeholder when {@code value} is given)
     * @param value the response object, only for a store that keeps records in this JVM (see
     *     {@link KeyRecord#value()}), else {@code null}
     * @param now current time
     * @param retainUntil when the record may be purged
     * @throws LeaseLostException if the token is stale, or the record is gone or completed otherwise
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public void completeLease(
            ScopedKey key,
            String fingerprint,
            String claimant,
            ClaimResult.Acquired lease,
            String response,
            @Nullable Object value,
            Instant now,
            Instant retainUntil) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(response, "response");
        Objects.requireNonNull(now, "now");
        Objects.requireNonNull(retainUntil, "retainUntil");
        long token = lease.fencingToken();
        // the record as the acquiring claim wrote it (ClaimTable.leased): its version is the token;
        // the lease's end does not matter to the completion
        KeyRecord leased = new KeyRecord(
                fingerprint, lease.resourceId(), claimant, token, lease.resumed(), now, null, null, token);
        KeyRecord completed = ClaimTable.complete(leased, token, response, value, now, retainUntil)
                .write();
        if (completed != null && store.replace(key, token, completed)) {
            return;
        }
        complete(key, token, response, value, now, retainUntil);
    }

    /**
     * Ends the lease without a response (after an infrastructure failure), so a retry can resume
     * immediately. The record keeps its fingerprint and resource id. Releasing again is a no-op.
     *
     * @param key scoped key
     * @param fencingToken the token from {@code Acquired}
     * @throws LeaseLostException if the token is stale or the record is gone or completed
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public void release(ScopedKey key, long fencingToken) {
        end(key, fencingToken, "release", r -> ClaimTable.release(r, fencingToken));
    }

    /**
     * Deletes completed records whose retention ended (see {@link IdempotencyStore#purgeExpired}).
     *
     * @param now current time
     * @param limit maximum number of records to delete
     * @return the number deleted
     * @throws BackendUnavailableException on infrastructure failure
     */
    public int purgeExpired(Instant now, int limit) {
        return store.purgeExpired(Objects.requireNonNull(now, "now"), limit);
    }

    private void end(
            ScopedKey key, long fencingToken, String what, Function<KeyRecord, ClaimTable.Decision<Boolean>> decide) {
        Objects.requireNonNull(key, "key");
        Optional<KeyRecord> current = store.read(key);
        ClaimTable.Decision<Boolean> decided = decide.apply(current.orElse(null));
        if (!decided.answer()) {
            throw new LeaseLostException("lease token " + fencingToken + " on " + key + " is no longer current");
        }
        write(key, current, decided.write(), what);
    }

    /** Writes a decided record: insert where nothing was read, else compare-and-set on the version read. */
    private void write(ScopedKey key, Optional<KeyRecord> read, @Nullable KeyRecord next, String what) {
        if (next == null) {
            return;
        }
        boolean written = read.isPresent() ? store.replace(key, read.get().version(), next) : store.insert(key, next);
        if (!written) {
            throw new ConcurrencyConflictException(
                    "idempotency record " + key + " changed during " + what + "; repeat the call");
        }
    }
}
