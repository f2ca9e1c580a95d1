package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Scope;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link dev.orderkit.core.spi.IdempotencyStore}: the claim state machine (acquire,
 * in progress, completed, mismatch, takeover of expired or released leases), fencing of stale
 * holders (design invariant 7), scope isolation (invariant 8), retention and purge.
 * Single-threaded; concurrent claims are in {@link ConcurrencyContract}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class IdempotencyStoreContract extends ContractSupport {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final String FP = "a".repeat(64);
    private static final String OTHER_FP = "b".repeat(64);
    private static final ScopedKey KEY = ScopedKey.of("tenant-1", "key-1");

    /** Subclasses are created by JUnit. */
    protected IdempotencyStoreContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    private ClaimResult claim(ScopedKey key, String fp, String resourceId) {
        return keys().claim(key, fp, resourceId, now(), LEASE);
    }

    private ClaimResult.Acquired acquire(ScopedKey key, String fp, String resourceId) {
        ClaimResult c = claim(key, fp, resourceId);
        assertThat(c).isInstanceOf(ClaimResult.Acquired.class);
        return (ClaimResult.Acquired) c;
    }

    private void complete(ScopedKey key, long token, String response) {
        keys().complete(key, token, response, now(), now().plus(Duration.ofHours(1)));
    }

    @Test
    void firstClaimAcquiresWithTheNewResourceId() {
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        assertThat(a.resourceId()).isEqualTo("ord-1");
        assertThat(a.resumed()).isFalse();
        assertThat(a.fencingToken()).isPositive();
    }

    @Test
    void secondClaimDuringLiveLeaseIsInProgress() {
        acquire(KEY, FP, "ord-1");
        Instant leaseEnd = now().plus(LEASE);
        clock.advance(LEASE.minusMillis(1));
        ClaimResult c = claim(KEY, FP, "ord-2");
        assertThat(c).isEqualTo(new ClaimResult.InProgress(leaseEnd));
    }

    @Test
    void differentFingerprintIsMismatchInEveryState() {
        acquire(KEY, FP, "ord-1");
        assertThat(claim(KEY, OTHER_FP, "ord-2")).isEqualTo(new ClaimResult.Mismatch(FP));
        clock.advance(LEASE.plusSeconds(1));
        assertThat(claim(KEY, OTHER_FP, "ord-3")).isEqualTo(new ClaimResult.Mismatch(FP));
        ClaimResult.Acquired resumed = acquire(KEY, FP, "ord-4");
        complete(KEY, resumed.fencingToken(), "{}");
        assertThat(claim(KEY, OTHER_FP, "ord-5")).isEqualTo(new ClaimResult.Mismatch(FP));
        assertThat(claim(KEY, FP, "ord-6")).isEqualTo(new ClaimResult.Completed("ord-1", "{}"));
    }

    @Test
    void completedClaimReplaysTheStoredResponseVerbatim() {
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        String response = "{\"outcome\":\"PLACED\",\"note\":\"caf\u00e9 \u2603 \\\"quoted\\\" \\n line\","
                + "\"big\":\"" + "x".repeat(20_000) + "\"}";
        complete(KEY, a.fencingToken(), response);
        ClaimResult c = claim(KEY, FP, "ord-2");
        assertThat(c).isEqualTo(new ClaimResult.Completed("ord-1", response));
        clock.advance(Duration.ofMinutes(59));
        assertThat(claim(KEY, FP, "ord-3")).isEqualTo(new ClaimResult.Completed("ord-1", response));
    }

    @Test
    void expiredLeaseIsTakenOverWithTheOriginalResourceId() {
        ClaimResult.Acquired first = acquire(KEY, FP, "ord-1");
        clock.advance(LEASE);
        ClaimResult.Acquired second = acquire(KEY, FP, "ord-2");
        assertThat(second.resumed()).isTrue();
        assertThat(second.resourceId()).isEqualTo("ord-1");
        assertThat(second.fencingToken()).isGreaterThan(first.fencingToken());
        assertThat(claim(KEY, FP, "ord-3")).isInstanceOf(ClaimResult.InProgress.class);

        clock.advance(LEASE.plusMillis(1));
        ClaimResult.Acquired third = acquire(KEY, FP, "ord-4");
        assertThat(third.resourceId()).isEqualTo("ord-1");
        assertThat(third.fencingToken()).isGreaterThan(second.fencingToken());
    }

    @Test
    void staleHolderIsFenced() {
        ClaimResult.Acquired stale = acquire(KEY, FP, "ord-1");
        clock.advance(LEASE.plusSeconds(1));
        ClaimResult.Acquired current = acquire(KEY, FP, "ord-2");

        assertThatThrownBy(() -> complete(KEY, stale.fencingToken(), "{\"stale\":true}"))
                .isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> keys().release(KEY, stale.fencingToken())).isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, FP, "ord-3")).isInstanceOf(ClaimResult.InProgress.class);

        complete(KEY, current.fencingToken(), "{\"current\":true}");
        assertThat(claim(KEY, FP, "ord-4")).isEqualTo(new ClaimResult.Completed("ord-1", "{\"current\":true}"));
        assertThatThrownBy(() -> complete(KEY, stale.fencingToken(), "{\"stale\":true}"))
                .isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, FP, "ord-5")).isEqualTo(new ClaimResult.Completed("ord-1", "{\"current\":true}"));
    }

    @Test
    void aGuessedFutureTokenIsAlsoFenced() {
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        assertThatThrownBy(() -> complete(KEY, a.fencingToken() + 1, "{}")).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> keys().release(KEY, a.fencingToken() + 1)).isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, FP, "ord-2")).isInstanceOf(ClaimResult.InProgress.class);
    }

    @Test
    void releaseLetsTheNextClaimResumeImmediately() {
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        keys().release(KEY, a.fencingToken());
        ClaimResult.Acquired b = acquire(KEY, FP, "ord-2");
        assertThat(b.resumed()).isTrue();
        assertThat(b.resourceId()).isEqualTo("ord-1");
        assertThat(b.fencingToken()).isGreaterThan(a.fencingToken());
        assertThatThrownBy(() -> keys().release(KEY, a.fencingToken())).isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, OTHER_FP, "ord-3")).isEqualTo(new ClaimResult.Mismatch(FP));
    }

    @Test
    void completeAndReleaseAfterCompletionOrOnMissingKeyAreLeaseLost() {
        assertThatThrownBy(() -> complete(KEY, 1, "{}")).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> keys().release(KEY, 1)).isInstanceOf(LeaseLostException.class);
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        complete(KEY, a.fencingToken(), "{\"n\":1}");
        assertThatThrownBy(() -> complete(KEY, a.fencingToken(), "{\"n\":2}")).isInstanceOf(LeaseLostException.class);
        assertThatThrownBy(() -> keys().release(KEY, a.fencingToken())).isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, FP, "ord-2")).isEqualTo(new ClaimResult.Completed("ord-1", "{\"n\":1}"));
    }

    @Test
    void invariant8_scopesAreIsolated() {
        ScopedKey inA = ScopedKey.of("tenant-a", "same-key");
        ScopedKey inB = ScopedKey.of("tenant-b", "same-key");
        ScopedKey inUpper = ScopedKey.of("TENANT-A", "same-key");
        ClaimResult.Acquired a = acquire(inA, FP, "ord-a");
        ClaimResult.Acquired b = acquire(inB, OTHER_FP, "ord-b");
        ClaimResult.Acquired upper = acquire(inUpper, OTHER_FP, "ord-upper");
        assertThat(b.resumed()).isFalse();
        assertThat(b.resourceId()).isEqualTo("ord-b");
        assertThat(upper.resourceId()).isEqualTo("ord-upper");
        complete(inA, a.fencingToken(), "{\"scope\":\"a\"}");
        assertThat(claim(inB, OTHER_FP, "x")).isInstanceOf(ClaimResult.InProgress.class);
        complete(inB, b.fencingToken(), "{\"scope\":\"b\"}");
        assertThat(claim(inA, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-a", "{\"scope\":\"a\"}"));
        assertThat(claim(inB, OTHER_FP, "x")).isEqualTo(new ClaimResult.Completed("ord-b", "{\"scope\":\"b\"}"));
    }

    @Test
    void scopeAndKeyBoundariesDoNotCollide() {
        // naive concatenation ("scope" + ":" + "key") would make these two the same record
        ScopedKey one = ScopedKey.of("a:b", "c");
        ScopedKey two = ScopedKey.of("a", "b:c");
        acquire(one, FP, "ord-1");
        ClaimResult.Acquired b = acquire(two, OTHER_FP, "ord-2");
        assertThat(b.resourceId()).isEqualTo("ord-2");
        assertThat(b.resumed()).isFalse();
    }

    @Test
    void unusualKeysRoundTrip() {
        ScopedKey longest = new ScopedKey(
                new Scope("s\u00e9\u2603 {x}*'".repeat(10)), new IdempotencyKey("k".repeat(IdempotencyKey.MAX_LENGTH)));
        ScopedKey special = ScopedKey.of("scope'; --", "{tag}*?[]%_\\\"'`$:;!~");
        ScopedKey upper = ScopedKey.of("scope'; --", "{TAG}*?[]%_\\\"'`$:;!~");
        ClaimResult.Acquired a = acquire(longest, FP, "ord-long");
        ClaimResult.Acquired b = acquire(special, FP, "ord-special");
        ClaimResult.Acquired c = acquire(upper, FP, "ord-upper");
        complete(longest, a.fencingToken(), "{\"k\":\"long\"}");
        complete(special, b.fencingToken(), "{\"k\":\"special\"}");
        complete(upper, c.fencingToken(), "{\"k\":\"upper\"}");
        assertThat(claim(longest, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-long", "{\"k\":\"long\"}"));
        assertThat(claim(special, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-special", "{\"k\":\"special\"}"));
        assertThat(claim(upper, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-upper", "{\"k\":\"upper\"}"));
        assertThat(claim(ScopedKey.of("scope'; --", "{tag}*"), FP, "fresh")).isInstanceOf(ClaimResult.Acquired.class);
    }

    @Test
    void completedRecordPastRetentionIsClaimedAfresh() {
        ClaimResult.Acquired a = acquire(KEY, FP, "ord-1");
        keys().complete(KEY, a.fencingToken(), "{}", now(), now().plus(Duration.ofMinutes(5)));
        clock.advance(Duration.ofMinutes(5));
        ClaimResult.Acquired fresh = acquire(KEY, OTHER_FP, "ord-2");
        assertThat(fresh.resumed()).isFalse();
        assertThat(fresh.resourceId()).isEqualTo("ord-2");
        assertThat(claim(KEY, FP, "ord-3")).isEqualTo(new ClaimResult.Mismatch(OTHER_FP));
    }

    @Test
    void purgeDeletesOnlyCompletedRecordsPastRetention() {
        Instant t = now();
        for (int i = 0; i < 5; i++) {
            ScopedKey k = ScopedKey.of("tenant-1", "old-" + i);
            ClaimResult.Acquired a = acquire(k, FP, "ord-old-" + i);
            keys().complete(k, a.fencingToken(), "{\"i\":" + i + "}", t, t.plus(Duration.ofMinutes(1 + i)));
        }
        ScopedKey young = ScopedKey.of("tenant-1", "young");
        keys().complete(young, acquire(young, FP, "ord-young").fencingToken(), "{}", t, t.plus(Duration.ofDays(1)));
        ScopedKey leased = ScopedKey.of("tenant-1", "leased");
        acquire(leased, FP, "ord-leased");
        ScopedKey released = ScopedKey.of("tenant-1", "released");
        keys().release(released, acquire(released, FP, "ord-released").fencingToken());

        assertThat(keys().purgeExpired(t.plus(Duration.ofSeconds(59)), 100)).isZero();
        Instant later = t.plus(Duration.ofMinutes(10));
        assertThat(keys().purgeExpired(later, 2)).isEqualTo(2);
        assertThat(keys().purgeExpired(later, 100)).isEqualTo(3);
        assertThat(keys().purgeExpired(later, 100)).isZero();

        clock.set(later);
        ClaimResult.Acquired again = acquire(ScopedKey.of("tenant-1", "old-0"), OTHER_FP, "ord-new");
        assertThat(again.resumed()).isFalse();
        assertThat(again.resourceId()).isEqualTo("ord-new");
        assertThat(claim(young, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-young", "{}"));
        ClaimResult.Acquired resumedLease = acquire(leased, FP, "x");
        assertThat(resumedLease.resumed()).isTrue();
        assertThat(resumedLease.resourceId()).isEqualTo("ord-leased");
        ClaimResult.Acquired resumedRelease = acquire(released, FP, "x");
        assertThat(resumedRelease.resumed()).isTrue();
        assertThat(resumedRelease.resourceId()).isEqualTo("ord-released");
    }
}
