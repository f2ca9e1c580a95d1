package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Scope;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.ClaimTable;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.KeyRecord;
import dev.orderkit.core.spi.ScopedKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Contract of {@link IdempotencyStore} under core's claim protocol ({@link IdempotencyClaims}): the
 * claim decision table of {@link ClaimTable} row by row (stored state × claimant × fingerprint →
 * answer, token, resource id, resumed flag), fencing of stale holders (design invariant 7), tokens
 * that never repeat (also across retention and purges), renewal of a lease fenced by its token (a
 * stale, completed or released lease is never renewed), scope isolation (invariant 8), retention and
 * purge, and the store primitives themselves (insert-if-absent, compare-and-set on the version,
 * exact round trips). Single-threaded; concurrent claims are in {@link ConcurrencyContract}.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}.
 */
public abstract class IdempotencyStoreContract extends ContractSupport {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final Duration RETENTION = Duration.ofMinutes(5);
    private static final String FP = "a".repeat(64);
    private static final String OTHER_FP = "b".repeat(64);
    private static final ScopedKey KEY = ScopedKey.of("tenant-1", "key-1");
    private static final String RESPONSE = "{\"outcome\":\"PLACED\"}";
    /** The claimant (and resource id) of the key's first claim in every arranged state. */
    private static final String FIRST = "ord-1";
    /** The claimant that took the lease over in {@link Stored#TAKEN_OVER}. */
    private static final String TAKER = "ord-2";
    /** A caller that never claimed the key before. */
    private static final String NEWCOMER = "ord-new";

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

    // ------------------------------------------------------------------ the claim table, row by row

    /** The stored state a row starts from. */
    private enum Stored {
        NONE("no record"),
        COMPLETED("completed, within retention"),
        COMPLETED_PAST_RETENTION("completed, past retention"),
        LIVE_LEASE("live lease"),
        EXPIRED_LEASE("expired lease"),
        RELEASED_LEASE("released lease"),
        TAKEN_OVER("live lease taken over from an expired one");

        private final String text;

        Stored(String text) {
            this.text = text;
        }
    }

    /** Who claims: the claimant of the current (or last) lease, the one it was taken from, or a newcomer. */
    private enum Caller {
        HOLDER("its claimant"),
        STALE("the claimant it was taken from"),
        NEWCOMER("another claimant");

        private final String text;

        Caller(String text) {
            this.text = text;
        }
    }

    private enum Answer {
        ACQUIRED,
        COMPLETED,
        MISMATCH,
        IN_PROGRESS
    }

    /** What an {@code Acquired} token must be: the current lease's, or above every token issued before. */
    private enum Token {
        SAME,
        NEW,
        NONE
    }

    /** One row of {@link ClaimTable#claim}: the setup, the call and the expected answer. */
    private record Row(
            Stored stored,
            Caller caller,
            boolean sameFingerprint,
            Answer answer,
            Token token,
            boolean firstResourceId,
            boolean resumed) {
        @Override
        public String toString() {
            String expected = answer == Answer.ACQUIRED
                    ? "Acquired(" + token.name().toLowerCase(Locale.ROOT) + " token, "
                            + (firstResourceId ? "stored" : "new") + " resource id, resumed=" + resumed + ")"
                    : answer.name();
            return stored.text + " × " + caller.text + " × " + (sameFingerprint ? "same" : "other") + " fingerprint → "
                    + expected;
        }
    }

    private static Row acquired(Stored s, Caller c, boolean sameFp, Token t, boolean firstRid, boolean resumed) {
        return new Row(s, c, sameFp, Answer.ACQUIRED, t, firstRid, resumed);
    }

    private static Row answer(Stored s, Caller c, boolean sameFp, Answer a) {
        return new Row(s, c, sameFp, a, Token.NONE, false, false);
    }

    /**
     * Every row of the claim table.
     *
     * @return the rows
     */
    static List<Row> claimTableRows() {
        return List.of(
                acquired(Stored.NONE, Caller.NEWCOMER, true, Token.NEW, false, false),
                answer(Stored.COMPLETED, Caller.NEWCOMER, true, Answer.COMPLETED),
                answer(Stored.COMPLETED, Caller.HOLDER, true, Answer.COMPLETED),
                answer(Stored.COMPLETED, Caller.NEWCOMER, false, Answer.MISMATCH),
                acquired(Stored.COMPLETED_PAST_RETENTION, Caller.NEWCOMER, true, Token.NEW, false, false),
                acquired(Stored.COMPLETED_PAST_RETENTION, Caller.NEWCOMER, false, Token.NEW, false, false),
                acquired(Stored.COMPLETED_PAST_RETENTION, Caller.HOLDER, true, Token.NEW, false, false),
                acquired(Stored.LIVE_LEASE, Caller.HOLDER, true, Token.SAME, true, false),
                answer(Stored.LIVE_LEASE, Caller.HOLDER, false, Answer.MISMATCH),
                answer(Stored.LIVE_LEASE, Caller.NEWCOMER, true, Answer.IN_PROGRESS),
                answer(Stored.LIVE_LEASE, Caller.NEWCOMER, false, Answer.MISMATCH),
                acquired(Stored.EXPIRED_LEASE, Caller.NEWCOMER, true, Token.NEW, true, true),
                acquired(Stored.EXPIRED_LEASE, Caller.HOLDER, true, Token.NEW, true, true),
                answer(Stored.EXPIRED_LEASE, Caller.NEWCOMER, false, Answer.MISMATCH),
                acquired(Stored.RELEASED_LEASE, Caller.NEWCOMER, true, Token.NEW, true, true),
                acquired(Stored.RELEASED_LEASE, Caller.HOLDER, true, Token.NEW, true, true),
                answer(Stored.RELEASED_LEASE, Caller.NEWCOMER, false, Answer.MISMATCH),
                acquired(Stored.TAKEN_OVER, Caller.HOLDER, true, Token.SAME, true, true),
                answer(Stored.TAKEN_OVER, Caller.STALE, true, Answer.IN_PROGRESS),
                answer(Stored.TAKEN_OVER, Caller.NEWCOMER, true, Answer.IN_PROGRESS),
                answer(Stored.TAKEN_OVER, Caller.STALE, false, Answer.MISMATCH));
    }

    /** A state arranged through core's protocol: its lease holder, tokens issued so far, lease end. */
    private record Arranged(
            String holder,
            long holderToken,
            List<Long> issued,
            @Nullable Instant leaseEnd) {}

    private Arranged arrange(Stored stored) {
        List<Long> issued = new ArrayList<>();
        if (stored == Stored.NONE) {
            return new Arranged(FIRST, 0, issued, null);
        }
        ClaimResult.Acquired first = acquire(KEY, FP, FIRST);
        issued.add(first.fencingToken());
        Instant leaseEnd = now().plus(LEASE);
        switch (stored) {
            case COMPLETED -> {
                keys().complete(KEY, first.fencingToken(), RESPONSE, now(), now().plus(RETENTION));
                clock.advance(RETENTION.minusMillis(1));
            }
            case COMPLETED_PAST_RETENTION -> {
                keys().complete(KEY, first.fencingToken(), RESPONSE, now(), now().plus(RETENTION));
                clock.advance(RETENTION); // retainUntil <= now: past
            }
            case LIVE_LEASE -> clock.advance(LEASE.minusMillis(1));
            case EXPIRED_LEASE -> clock.advance(LEASE); // leaseUntil <= now: expired
            case RELEASED_LEASE -> keys().release(KEY, first.fencingToken());
            case TAKEN_OVER -> {
                clock.advance(LEASE.plusSeconds(1));
                ClaimResult.Acquired takeover = acquire(KEY, FP, TAKER);
                issued.add(takeover.fencingToken());
                clock.advance(LEASE.minusSeconds(1));
                return new Arranged(TAKER, takeover.fencingToken(), issued, now().plusSeconds(1));
            }
            default -> throw new IllegalStateException(stored.name());
        }
        return new Arranged(FIRST, first.fencingToken(), issued, leaseEnd);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("claimTableRows")
    void claimTable(Row row) {
        Arranged before = arrange(row.stored());
        String claimant = switch (row.caller()) {
            case HOLDER -> before.holder();
            case STALE -> FIRST;
            case NEWCOMER -> NEWCOMER;
        };
        String fp = row.sameFingerprint() ? FP : OTHER_FP;
        Optional<KeyRecord> stored = keyStore().read(KEY);
        ClaimResult got = claim(KEY, fp, claimant);
        switch (row.answer()) {
            case COMPLETED -> assertThat(got).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
            case MISMATCH -> assertThat(got).isEqualTo(new ClaimResult.Mismatch(FP));
            case IN_PROGRESS ->
                assertThat(got)
                        .isEqualTo(new ClaimResult.InProgress(
                                Objects.requireNonNull(before.leaseEnd(), "an in-progress row has a lease end")));
            case ACQUIRED -> {
                assertThat(got).isInstanceOf(ClaimResult.Acquired.class);
                checkAcquired(row, before, fp, claimant, (ClaimResult.Acquired) got);
                return;
            }
        }
        assertThat(keyStore().read(KEY))
                .as("a claim answered " + got + " writes nothing")
                .isEqualTo(stored);
    }

    private void checkAcquired(Row row, Arranged before, String fp, String claimant, ClaimResult.Acquired got) {
        String resourceId = row.firstResourceId() ? FIRST : claimant;
        assertThat(got.resourceId()).as("resource id").isEqualTo(resourceId);
        assertThat(got.resumed()).as("resumed").isEqualTo(row.resumed());
        Instant leaseEnd;
        if (row.token() == Token.SAME) {
            assertThat(got.fencingToken()).as("token of the current lease").isEqualTo(before.holderToken());
            leaseEnd = Objects.requireNonNull(before.leaseEnd(), "the current lease has an end");
        } else {
            assertThat(got.fencingToken()).as("new token").isPositive();
            for (long old : before.issued()) {
                assertThat(got.fencingToken())
                        .as("new token above every earlier one")
                        .isGreaterThan(old);
            }
            leaseEnd = now().plus(LEASE);
        }
        // the call repeated after a lost acknowledgement gets its lease back; anyone else waits
        assertThat(claim(KEY, fp, claimant)).as("repeat of the same call").isEqualTo(got);
        assertThat(claim(KEY, fp, "someone-else")).isEqualTo(new ClaimResult.InProgress(leaseEnd));
        for (long old : before.issued()) {
            if (old != got.fencingToken()) {
                assertThatThrownBy(() -> complete(KEY, old, "{\"stale\":true}"))
                        .as("earlier token " + old + " is fenced")
                        .isInstanceOf(LeaseLostException.class);
            }
        }
        complete(KEY, got.fencingToken(), "{\"row\":true}");
        assertThat(claim(KEY, fp, "after")).isEqualTo(new ClaimResult.Completed(resourceId, "{\"row\":true}"));
    }

    @Test
    void tokensStrictlyIncreaseAcrossTakeoversRetentionAndPurges() {
        List<Long> tokens = new ArrayList<>();
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        tokens.add(a.fencingToken());
        for (int i = 0; i < 3; i++) { // takeovers at one instant
            keys().release(KEY, a.fencingToken());
            a = acquire(KEY, FP, "ord-r" + i);
            tokens.add(a.fencingToken());
        }
        // completed and past retention: claimed afresh with the record still there
        keys().complete(KEY, a.fencingToken(), "{}", now(), now().plus(RETENTION));
        clock.advance(RETENTION);
        a = acquire(KEY, OTHER_FP, "ord-fresh");
        assertThat(a.resumed()).isFalse();
        tokens.add(a.fencingToken());
        // completed, past retention and purged: nothing is left to count from
        keys().complete(KEY, a.fencingToken(), "{}", now(), now().plus(RETENTION));
        clock.advance(RETENTION);
        assertThat(keys().purgeExpired(now(), 10)).isEqualTo(1);
        assertThat(keyStore().read(KEY)).isEmpty();
        a = acquire(KEY, FP, "ord-after-purge");
        tokens.add(a.fencingToken());

        assertThat(tokens).isSorted().doesNotHaveDuplicates();
        for (long old : tokens.subList(0, tokens.size() - 1)) {
            assertThatThrownBy(() -> complete(KEY, old, "{\"stale\":true}")).isInstanceOf(LeaseLostException.class);
            assertThatThrownBy(() -> keys().release(KEY, old)).isInstanceOf(LeaseLostException.class);
        }
        complete(KEY, a.fencingToken(), "{\"current\":true}");
        assertThat(claim(KEY, FP, "x")).isEqualTo(new ClaimResult.Completed("ord-after-purge", "{\"current\":true}"));
    }

    @Test
    void repeatedCompletionOrReleaseOfTheSameLeaseIsANoOp() {
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        keys().release(KEY, a.fencingToken());
        keys().release(KEY, a.fencingToken()); // a retry after a lost acknowledgement
        ClaimResult.Acquired b = acquire(KEY, FP, "ord-b");
        Instant retain = now().plus(RETENTION);
        keys().complete(KEY, b.fencingToken(), RESPONSE, now(), retain);
        keys().complete(KEY, b.fencingToken(), RESPONSE, now(), retain); // the same completion again
        assertThatThrownBy(() -> keys().complete(KEY, b.fencingToken(), "{\"other\":1}", now(), retain))
                .isInstanceOf(LeaseLostException.class);
        assertThat(claim(KEY, FP, "x")).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
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
        assertThat(fresh.fencingToken())
                .as("a fresh claim never reuses a token of the key")
                .isGreaterThan(a.fencingToken());
        assertThatThrownBy(() -> complete(KEY, a.fencingToken(), "{\"stale\":true}"))
                .isInstanceOf(LeaseLostException.class);
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

    // ------------------------------------------------------------------ renewal, fenced by the token

    @Test
    void renewWithTheCurrentTokenExtendsTheLease() {
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        clock.advance(LEASE.minusSeconds(5));
        Instant newEnd = now().plus(LEASE);
        assertThat(keys().renew(KEY, a.fencingToken(), newEnd, now())).isTrue();
        KeyRecord renewed = keyStore().read(KEY).orElseThrow();
        assertThat(renewed.token()).as("a renewal keeps the token").isEqualTo(a.fencingToken());
        assertThat(renewed.leaseUntil()).isEqualTo(newEnd);

        clock.advance(Duration.ofSeconds(10)); // past the claim's end, before the renewed one
        assertThat(claim(KEY, FP, NEWCOMER))
                .as("nobody takes over a renewed lease")
                .isEqualTo(new ClaimResult.InProgress(newEnd));
        assertThat(claim(KEY, FP, FIRST)).as("the holder's own repeat").isEqualTo(a);
        // a repeat after a lost acknowledgement: the same answer, nothing written
        assertThat(keys().renew(KEY, a.fencingToken(), newEnd, now())).isTrue();
        assertThat(keyStore().read(KEY)).contains(renewed);

        complete(KEY, a.fencingToken(), RESPONSE);
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
    }

    @Test
    void renewWithAStaleTokenAfterATakeoverIsRefusedAndChangesNothing() {
        ClaimResult.Acquired stale = acquire(KEY, FP, FIRST);
        clock.advance(LEASE.plusSeconds(1));
        ClaimResult.Acquired current = acquire(KEY, FP, TAKER);
        Instant takerEnd = now().plus(LEASE);
        Optional<KeyRecord> before = keyStore().read(KEY);

        assertThat(keys().renew(KEY, stale.fencingToken(), now().plus(LEASE.multipliedBy(2)), now()))
                .isFalse();
        assertThat(keys().renewLease(
                                KEY, FP, FIRST, stale, stale.fencingToken(), now().plus(LEASE.multipliedBy(2)), now()))
                .as("the one-round-trip renewal of the stale holder")
                .isEmpty();
        assertThat(keyStore().read(KEY)).as("a refused renewal writes nothing").isEqualTo(before);
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.InProgress(takerEnd));

        complete(KEY, current.fencingToken(), RESPONSE);
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
    }

    @Test
    void renewOfACompletedReleasedOrMissingKeyIsRefusedAndChangesNothing() {
        Instant later = now().plus(LEASE);
        assertThat(keys().renew(KEY, 1, later, now())).as("no record").isFalse();
        assertThat(keyStore().read(KEY)).isEmpty();

        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        complete(KEY, a.fencingToken(), RESPONSE);
        Optional<KeyRecord> completed = keyStore().read(KEY);
        assertThat(keys().renew(KEY, a.fencingToken(), later, now()))
                .as("completed")
                .isFalse();
        assertThat(keys().renewLease(KEY, FP, FIRST, a, a.fencingToken(), later, now()))
                .isEmpty();
        assertThat(keyStore().read(KEY)).isEqualTo(completed);
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));

        ScopedKey released = ScopedKey.of("tenant-1", "released");
        ClaimResult.Acquired r = acquire(released, FP, FIRST);
        keys().release(released, r.fencingToken());
        Optional<KeyRecord> afterRelease = keyStore().read(released);
        assertThat(keys().renew(released, r.fencingToken(), later, now()))
                .as("released")
                .isFalse();
        assertThat(keyStore().read(released)).isEqualTo(afterRelease);
        assertThat(acquire(released, FP, NEWCOMER).resumed())
                .as("a released key is still taken over at once")
                .isTrue();
    }

    @Test
    void renewOfALapsedLeaseThatNobodyTookOverWins() {
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        clock.advance(LEASE.plusSeconds(1)); // lapsed: a claim now would take it over
        Instant newEnd = now().plus(LEASE);
        assertThat(keys().renew(KEY, a.fencingToken(), newEnd, now()))
                .as("the token is still current")
                .isTrue();
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.InProgress(newEnd));

        clock.advance(LEASE); // the renewed lease ends too: now it is taken over, and the renewer fenced
        ClaimResult.Acquired taker = acquire(KEY, FP, TAKER);
        assertThat(taker.fencingToken()).isGreaterThan(a.fencingToken());
        assertThat(keys().renew(KEY, a.fencingToken(), now().plus(LEASE), now()))
                .isFalse();
        assertThatThrownBy(() -> complete(KEY, a.fencingToken(), "{\"stale\":true}"))
                .isInstanceOf(LeaseLostException.class);
    }

    @Test
    void renewLeaseIsOneCompareAndSetOnTheLastVersionAndRepeatsSafely() {
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        clock.advance(Duration.ofSeconds(20));
        Instant firstEnd = now().plus(LEASE);
        OptionalLong v1 = keys().renewLease(KEY, FP, FIRST, a, a.fencingToken(), firstEnd, now());
        assertThat(v1).isPresent();
        KeyRecord afterFirst = keyStore().read(KEY).orElseThrow();
        assertThat(afterFirst.version()).isEqualTo(v1.getAsLong()).isGreaterThan(a.fencingToken());
        assertThat(afterFirst.leaseUntil()).isEqualTo(firstEnd);
        assertThat(afterFirst.token()).isEqualTo(a.fencingToken());
        assertThat(afterFirst.claimant()).isEqualTo(FIRST);
        // repeated with the version it started from (its acknowledgement was lost): same answer, no write
        assertThat(keys().renewLease(KEY, FP, FIRST, a, a.fencingToken(), firstEnd, now()))
                .isEqualTo(v1);
        assertThat(keyStore().read(KEY)).contains(afterFirst);

        clock.advance(Duration.ofSeconds(20));
        Instant secondEnd = now().plus(LEASE);
        OptionalLong v2 = keys().renewLease(KEY, FP, FIRST, a, v1.getAsLong(), secondEnd, now());
        assertThat(v2).isPresent();
        assertThat(v2.getAsLong()).isGreaterThan(v1.getAsLong());
        clock.advance(Duration.ofSeconds(20)); // past the first renewal's end
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.InProgress(secondEnd));

        // the completion's compare-and-set on the renewed version; a stale version falls back to a read
        keys().completeLease(KEY, FP, FIRST, a, v2.getAsLong(), RESPONSE, null, now(), now().plus(RETENTION));
        assertThat(claim(KEY, FP, NEWCOMER)).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
        assertThat(keys().renewLease(KEY, FP, FIRST, a, v2.getAsLong(), now().plus(LEASE), now()))
                .as("renewal after completion")
                .isEmpty();

        ScopedKey other = ScopedKey.of("tenant-1", "stale-version");
        ClaimResult.Acquired b = acquire(other, FP, FIRST);
        assertThat(keys().renewLease(other, FP, FIRST, b, b.fencingToken(), now().plus(LEASE), now()))
                .isPresent();
        keys().completeLease(other, FP, FIRST, b, b.fencingToken(), RESPONSE, null, now(), now().plus(RETENTION));
        assertThat(claim(other, FP, NEWCOMER)).isEqualTo(new ClaimResult.Completed(FIRST, RESPONSE));
    }

    @Test
    void renewToAnEndNotAfterNowIsRejected() {
        ClaimResult.Acquired a = acquire(KEY, FP, FIRST);
        Optional<KeyRecord> before = keyStore().read(KEY);
        assertThatThrownBy(() -> keys().renew(KEY, a.fencingToken(), now(), now()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> keys().renewLease(KEY, FP, FIRST, a, a.fencingToken(), now(), now()))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(keyStore().read(KEY)).isEqualTo(before);
    }

    // ------------------------------------------------------------------ the store primitives

    private KeyRecord leased(String claimant, long version) {
        return new KeyRecord(FP, FIRST, claimant, version, false, now().plus(LEASE), null, null, version);
    }

    @Test
    void insertIsIfAbsentAndReplaceIsCompareAndSetOnTheVersion() {
        ScopedKey missing = ScopedKey.of("tenant-1", "missing");
        KeyRecord first = leased("call-1", 7);
        assertThat(keyStore().read(KEY)).isEmpty();
        assertThat(keyStore().insert(KEY, first)).isTrue();
        assertThat(keyStore().insert(KEY, leased("call-2", 9))).isFalse();
        assertThat(keyStore().read(KEY)).contains(first);

        KeyRecord next = new KeyRecord(FP, FIRST, "call-3", 8, true, now().plus(LEASE), null, null, 8);
        assertThat(keyStore().replace(KEY, 6, next)).isFalse();
        assertThat(keyStore().replace(KEY, 8, next)).isFalse();
        assertThat(keyStore().read(KEY)).contains(first);
        assertThat(keyStore().replace(KEY, 7, next)).isTrue();
        assertThat(keyStore().read(KEY)).contains(next);
        assertThat(keyStore().replace(KEY, 7, first))
                .as("the version read before is gone")
                .isFalse();
        assertThat(keyStore().read(KEY)).contains(next);

        assertThat(keyStore().replace(missing, 7, next)).isFalse();
        assertThat(keyStore().read(missing)).isEmpty();
    }

    @Test
    void recordsRoundTripExactlyInEveryState() {
        String response =
                "{\"note\":\"caf\u00e9 \u2603 \\\"quoted\\\" \\n line\",\"big\":\"" + "x".repeat(20_000) + "\"}";
        long big = Long.MAX_VALUE / 4;
        String longId = "r".repeat(255);
        Instant t = now();
        KeyRecord leased = new KeyRecord(FP, longId, "c\u00e9-1", big, true, t.plus(LEASE), null, null, big + 1);
        KeyRecord released = new KeyRecord(FP, longId, "c-2", big + 2, false, null, null, null, big + 3);
        KeyRecord completed =
                new KeyRecord(FP, longId, "c-2", big + 2, false, null, response, t.plusSeconds(60), big + 4);
        KeyRecord fresh = new KeyRecord(OTHER_FP, "ord-x", "c-3", big + 5, false, t.plus(LEASE), null, null, big + 5);

        assertThat(keyStore().insert(KEY, leased)).isTrue();
        assertThat(keyStore().read(KEY)).contains(leased);
        assertThat(keyStore().replace(KEY, leased.version(), released)).isTrue();
        assertThat(keyStore().read(KEY)).contains(released);
        assertThat(keyStore().replace(KEY, released.version(), completed)).isTrue();
        assertThat(keyStore().read(KEY)).contains(completed);
        // past its retention the completed record is claimed afresh: a purge must then leave it
        assertThat(keyStore().replace(KEY, completed.version(), fresh)).isTrue();
        assertThat(keyStore().purgeExpired(t.plus(Duration.ofDays(1)), 10)).isZero();
        assertThat(keyStore().read(KEY)).contains(fresh);

        ScopedKey born = ScopedKey.of("tenant-1", "born-completed");
        assertThat(keyStore().insert(born, completed)).isTrue();
        assertThat(keyStore().read(born)).contains(completed);
        assertThat(keyStore().purgeExpired(t.plusSeconds(59), 10)).isZero();
        assertThat(keyStore().purgeExpired(t.plusSeconds(60), 10)).isEqualTo(1);
        assertThat(keyStore().read(born)).isEmpty();
    }
}
