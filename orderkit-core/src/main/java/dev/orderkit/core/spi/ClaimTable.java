package dev.orderkit.core.spi;

import java.time.Instant;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The idempotency claim decision table, in one place: given the stored {@link KeyRecord} (or none)
 * and a call, the answer and the record to write. Pure functions, no I/O; stateless and thread-safe.
 * {@link IdempotencyClaims} applies them over an {@link IdempotencyStore}'s read / insert /
 * compare-and-set, so every backend gives the same answers.
 *
 * <table>
 *   <caption>{@link #claim}: stored record × request → answer (and write)</caption>
 *   <tr><th>stored record</th><th>same fingerprint</th><th>other fingerprint</th></tr>
 *   <tr><td>none, or completed and past retention ({@code retainUntil <= now})</td>
 *       <td colspan="2">{@code Acquired(new token, newResourceId, resumed=false)}: writes a fresh
 *       record (the request's fingerprint, resource id and claimant)</td></tr>
 *   <tr><td>completed, within retention</td><td>{@code Completed(resourceId, response)}</td>
 *       <td rowspan="4">{@code Mismatch(stored fingerprint)}</td></tr>
 *   <tr><td>live lease ({@code leaseUntil > now}), same claimant</td>
 *       <td>{@code Acquired(same token, resourceId, same resumed)}: a repeat of the call that holds
 *       the lease; writes nothing</td></tr>
 *   <tr><td>live lease, other claimant</td><td>{@code InProgress(leaseUntil)}</td></tr>
 *   <tr><td>expired or released lease</td><td>{@code Acquired(new token, stored resourceId,
 *       resumed=true)}: takeover; the claimant becomes the request's</td></tr>
 * </table>
 *
 * <p><b>Tokens.</b> Every write gives the record a new {@link KeyRecord#version() version}
 * {@code max(previous version + 1, now in microseconds since the epoch)}, and a lease's fencing token
 * is the version of the write that acquired it. So tokens strictly increase for a (scope, key) while
 * its record exists, and also across a purge: a purge deletes a record only after its retention
 * ended, so its versions (at most the clock reading of its last write plus its number of writes
 * within a microsecond) are below the clock reading of any later claim — as long as the clocks of
 * the processes sharing the backend do not step back by more than the retention. A stale holder
 * therefore never finds its token again.
 */
public final class ClaimTable {
    private static final long MICROS_PER_SECOND = 1_000_000L;

    private ClaimTable() {}

    /**
     * A decision: the answer, and the record to write for it to hold.
     *
     * @param <A> the answer type
     * @param answer the answer
     * @param write the record to write first (insert when nothing was stored, else compare-and-set on
     *     the stored version); {@code null} when nothing is written
     */
    public record Decision<A>(A answer, @Nullable KeyRecord write) {}

    /**
     * Decides a claim.
     *
     * @param current the stored record, {@code null} if none
     * @param request the claim
     * @return the answer and the record to write (see the table above)
     */
    public static Decision<ClaimResult> claim(@Nullable KeyRecord current, ClaimRequest request) {
        Instant now = request.now();
        if (current == null || current.retentionEndedAt(now)) {
            long token = nextVersion(current, now);
            KeyRecord fresh = leased(request.fingerprint(), request.newResourceId(), request, token, false);
            return new Decision<>(new ClaimResult.Acquired(token, request.newResourceId(), false), fresh);
        }
        if (!current.fingerprint().equals(request.fingerprint())) {
            return new Decision<>(new ClaimResult.Mismatch(current.fingerprint()), null);
        }
        String response = current.response();
        if (response != null) { // completed
            return new Decision<>(new ClaimResult.Completed(current.resourceId(), response, current.value()), null);
        }
        Instant leaseUntil = current.leaseUntil();
        if (leaseUntil != null && leaseUntil.isAfter(now)) { // leased at now
            ClaimResult answer = current.claimant().equals(request.claimant())
                    ? new ClaimResult.Acquired(current.token(), current.resourceId(), current.resumed())
                    : new ClaimResult.InProgress(leaseUntil);
            return new Decision<>(answer, null);
        }
        long token = nextVersion(current, now);
        KeyRecord takeover = leased(current.fingerprint(), current.resourceId(), request, token, true);
        return new Decision<>(new ClaimResult.Acquired(token, current.resourceId(), true), takeover);
    }

    /**
     * Decides a completion: store the response and end the lease, if {@code fencingToken} is the
     * token of the stored, not yet completed record. A repeat of a completion that was applied (same
     * token, response and retention end) is answered {@code true} and writes nothing.
     *
     * @param current the stored record, {@code null} if none
     * @param fencingToken the caller's token
     * @param response the response (JSON)
     * @param now current time
     * @param retainUntil when the record may be purged
     * @return {@code true} with the record to write (or none for a repeat); {@code false} when the
     *     lease is no longer the caller's
     */
    public static Decision<Boolean> complete(
            @Nullable KeyRecord current, long fencingToken, String response, Instant now, Instant retainUntil) {
        return complete(current, fencingToken, response, null, now, retainUntil);
    }

    /**
     * Decides a completion that may also store the response object (see {@link KeyRecord#value()});
     * a repeat must carry an equal object.
     *
     * @param current the stored record, {@code null} if none
     * @param fencingToken the caller's token
     * @param response the response (JSON, or an empty placeholder when {@code value} is given)
     * @param value the response object, or {@code null}
     * @param now current time
     * @param retainUntil when the record may be purged
     * @return as {@link #complete(KeyRecord, long, String, Instant, Instant)}
     */
    public static Decision<Boolean> complete(
            @Nullable KeyRecord current,
            long fencingToken,
            String response,
            @Nullable Object value,
            Instant now,
            Instant retainUntil) {
        if (current == null || current.token() != fencingToken) {
            return new Decision<>(false, null);
        }
        if (current.completed()) {
            // a completed record has both (KeyRecord's constructor checks it)
            boolean repeat = response.equals(current.response())
                    && Objects.equals(value, current.value())
                    && retainUntil.equals(current.retainUntil());
            return new Decision<>(repeat, null);
        }
        return new Decision<>(true, ended(current, response, value, retainUntil, nextVersion(current, now)));
    }

    /**
     * Decides a release: end the lease without a response so the next claim takes over at once, if
     * {@code fencingToken} is the token of the stored, not completed record. Releasing a released
     * lease again is answered {@code true} and writes nothing.
     *
     * @param current the stored record, {@code null} if none
     * @param fencingToken the caller's token
     * @return {@code true} with the record to write (or none); {@code false} when the lease is no
     *     longer the caller's
     */
    public static Decision<Boolean> release(@Nullable KeyRecord current, long fencingToken) {
        if (current == null || current.completed() || current.token() != fencingToken) {
            return new Decision<>(false, null);
        }
        if (current.leaseUntil() == null) {
            return new Decision<>(true, null);
        }
        return new Decision<>(true, ended(current, null, null, null, nextVersion(current, null)));
    }

    /**
     * Decides a renewal: move the end of the lease to {@code newExpiry}, if {@code fencingToken} is
     * the token of the stored record and that record is leased (neither released nor completed).
     * The lease's end may already have passed: as long as nobody took the key over, the token is
     * still current and the renewal wins (the compare-and-set that applies it and a takeover's
     * exclude each other). A renewal to the end the record already has (a repeat after a lost
     * acknowledgement) is answered {@code true} and writes nothing.
     *
     * @param current the stored record, {@code null} if none
     * @param fencingToken the caller's token
     * @param newExpiry the new end of the lease, after {@code now}
     * @param now current time
     * @return {@code true} with the record to write (or none); {@code false} when the lease is no
     *     longer the caller's (taken over, released, completed or purged)
     * @throws IllegalArgumentException if {@code newExpiry} is not after {@code now}
     */
    public static Decision<Boolean> renew(
            @Nullable KeyRecord current, long fencingToken, Instant newExpiry, Instant now) {
        Objects.requireNonNull(newExpiry, "newExpiry");
        Objects.requireNonNull(now, "now");
        if (!newExpiry.isAfter(now)) {
            throw new IllegalArgumentException("newExpiry " + newExpiry + " is not after now " + now);
        }
        if (current == null || current.completed() || current.token() != fencingToken || current.leaseUntil() == null) {
            return new Decision<>(false, null);
        }
        if (newExpiry.equals(current.leaseUntil())) {
            return new Decision<>(true, null);
        }
        return new Decision<>(true, renewed(current, newExpiry, nextVersion(current, now)));
    }

    /**
     * The record {@code current} with its lease ending at {@code newExpiry}, written as {@code version}.
     *
     * @param current a leased record
     * @param newExpiry the new end of the lease
     * @param version the version of the write
     * @return the renewed record
     */
    static KeyRecord renewed(KeyRecord current, Instant newExpiry, long version) {
        return new KeyRecord(
                current.fingerprint(),
                current.resourceId(),
                current.claimant(),
                current.token(),
                current.resumed(),
                newExpiry,
                null,
                null,
                version);
    }

    /** A record leased to the request's claimant by the write of version {@code token}. */
    private static KeyRecord leased(
            String fingerprint, String resourceId, ClaimRequest request, long token, boolean resumed) {
        Instant until = request.now().plus(request.lease());
        return new KeyRecord(fingerprint, resourceId, request.claimant(), token, resumed, until, null, null, token);
    }

    /** The record with its lease ended: completed with {@code response}, or released when it is null. */
    private static KeyRecord ended(
            KeyRecord current,
            @Nullable String response,
            @Nullable Object value,
            @Nullable Instant retainUntil,
            long version) {
        return new KeyRecord(
                current.fingerprint(),
                current.resourceId(),
                current.claimant(),
                current.token(),
                current.resumed(),
                null,
                response,
                retainUntil,
                version,
                value);
    }

    /**
     * The version of the next write: {@code max(previous version + 1, now in microseconds)}, at least 1.
     * The previous token counts as a version too (records written before versions existed).
     *
     * @param previous the stored record, {@code null} if none
     * @param now current time, {@code null} when unknown (then only the previous version counts)
     * @return the new version
     */
    public static long nextVersion(@Nullable KeyRecord previous, @Nullable Instant now) {
        long floor = now == null ? 1 : micros(now);
        if (previous == null) {
            return floor;
        }
        return Math.max(Math.addExact(Math.max(previous.version(), previous.token()), 1), floor);
    }

    /** Microseconds since the epoch, clamped to [1, 2^62]. */
    private static long micros(Instant t) {
        long seconds = t.getEpochSecond();
        if (seconds < 0) {
            return 1;
        }
        if (seconds >= (1L << 62) / MICROS_PER_SECOND) {
            return 1L << 62;
        }
        return Math.max(1, seconds * MICROS_PER_SECOND + t.getNano() / 1_000);
    }
}
