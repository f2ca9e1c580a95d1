package dev.orderkit.core.spi;

import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.LeaseLostException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
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
 * response, a release its own released lease, a renewal its own lease end.
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
        Objects.requireNonNull(lease, "lease");
        completeLease(key, fingerprint, claimant, lease, lease.fencingToken(), response, value, now, retainUntil);
    }

    /**
     * Completes a lease the caller acquired and may have renewed since (see
     * {@link #renewLease}): like {@link #completeLease(ScopedKey, String, String, ClaimResult.Acquired,
     * String, Object, Instant, Instant)}, with the compare-and-set on {@code version}, the version of
     * the caller's last write of the record (the token after the claim, the answer of the last
     * renewal after one). A wrong version costs a read, never a wrong answer.
     *
     * @param key scoped key
     * @param fingerprint the fingerprint the claim was made with
     * @param claimant the claimant id the claim was made with
     * @param lease the claim's answer
     * @param version the version of the caller's last write of the record
     * @param response the response to replay (JSON; an empty placeholder when {@code value} is given)
     * @param value the response object, only for a store that keeps records in this JVM, else {@code null}
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
            long version,
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
        // the record as the caller's last write left it (the acquiring claim, ClaimTable.leased, or a
        // renewal); the lease's end does not matter to the completion
        KeyRecord leased = known(fingerprint, claimant, lease, version, now);
        KeyRecord completed = ClaimTable.complete(leased, token, response, value, now, retainUntil)
                .write();
        if (completed != null && store.replace(key, version, completed)) {
            return;
        }
        complete(key, token, response, value, now, retainUntil);
    }

    /**
     * Renews a lease, fenced by its token: moves the lease's end to {@code newExpiry} if
     * {@code fencingToken} is still the key's current token and the lease was neither released nor
     * completed (see {@link ClaimTable#renew}). One read and one compare-and-set; atomic on every
     * store because the write is a compare-and-set on the version read, so a renewal and a takeover
     * of the same key exclude each other. A worker calls it before an external call made under the
     * lease: {@code false} means another worker holds the key now and the call must not be made.
     *
     * @param key scoped key
     * @param fencingToken the token from {@code Acquired}
     * @param newExpiry the new end of the lease, after {@code now}
     * @param now current time
     * @return {@code true} if the lease is the caller's and now ends at {@code newExpiry};
     *     {@code false} (nothing written) if it was taken over, released, completed or purged
     * @throws IllegalArgumentException if {@code newExpiry} is not after {@code now}
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public boolean renew(ScopedKey key, long fencingToken, Instant newExpiry, Instant now) {
        Objects.requireNonNull(key, "key");
        Optional<KeyRecord> current = store.read(key);
        ClaimTable.Decision<Boolean> decided = ClaimTable.renew(current.orElse(null), fencingToken, newExpiry, now);
        if (decided.answer()) {
            write(key, current, decided.write(), "renew");
        }
        return decided.answer();
    }

    /**
     * Renews a lease the caller acquired, without reading the record first: one compare-and-set on
     * {@code version}, the version of the caller's last write of the record (the token after the
     * claim, the answer of the previous renewal after one). If the record changed since (a repeat of
     * an applied renewal, a takeover, a completion), the call decides on the stored record exactly
     * like {@link #renew}.
     *
     * @param key scoped key
     * @param fingerprint the fingerprint the claim was made with
     * @param claimant the claimant id the claim was made with
     * @param lease the claim's answer
     * @param version the version of the caller's last write of the record
     * @param newExpiry the new end of the lease, after {@code now}
     * @param now current time
     * @return the record's version after the renewal (pass it to the next renewal or completion);
     *     empty (nothing written) if the lease is no longer the caller's
     * @throws IllegalArgumentException if {@code newExpiry} is not after {@code now}
     * @throws ConcurrencyConflictException if a concurrent write won (repeat the call)
     * @throws BackendUnavailableException on infrastructure failure
     */
    public OptionalLong renewLease(
            ScopedKey key,
            String fingerprint,
            String claimant,
            ClaimResult.Acquired lease,
            long version,
            Instant newExpiry,
            Instant now) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(lease, "lease");
        Objects.requireNonNull(newExpiry, "newExpiry");
        Objects.requireNonNull(now, "now");
        if (!newExpiry.isAfter(now)) {
            throw new IllegalArgumentException("newExpiry " + newExpiry + " is not after now " + now);
        }
        KeyRecord known = known(fingerprint, claimant, lease, version, now);
        long next = ClaimTable.nextVersion(known, now);
        if (store.replace(key, version, ClaimTable.renewed(known, newExpiry, next))) {
            return OptionalLong.of(next);
        }
        Optional<KeyRecord> current = store.read(key);
        ClaimTable.Decision<Boolean> decided =
                ClaimTable.renew(current.orElse(null), lease.fencingToken(), newExpiry, now);
        if (!decided.answer()) {
            return OptionalLong.empty();
        }
        KeyRecord written = decided.write();
        write(key, current, written, "renew");
        // a true answer means a record was read (with our token)
        return OptionalLong.of(
                written != null ? written.version() : current.orElseThrow().version());
    }

    /**
     * The record as the caller's last write left it: the acquiring claim ({@code version} = token) or
     * a renewal. Its lease end is unknown here and never compared ({@code now} stands in for it).
     */
    private static KeyRecord known(
            String fingerprint, String claimant, ClaimResult.Acquired lease, long version, Instant now) {
        return new KeyRecord(
                fingerprint,
                lease.resourceId(),
                claimant,
                lease.fencingToken(),
                lease.resumed(),
                now,
                null,
                null,
                version);
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
