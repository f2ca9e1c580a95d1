package dev.orderkit.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.InvalidRequestException;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.InboxStore.Claim;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Contract of {@link InboxStore} (the shared message inbox that de-duplicates webhook deliveries):
 * first claim acquires, exactly one winner among 32 racing claims (spread over the primary client
 * and its {@link #peer(BackendFixture) peer}), live leases answer in progress, expired and released
 * claims are taken over, one winner when claims race a release (a claim that lost the race says
 * {@link Claim#CONFLICT} and wrote nothing, never {@code ACQUIRED}), a completion racing claims is
 * never lost, completed messages stay done until purged, purge bounds and limits, hostile and
 * maximum-length ids, input validation, and state shared between two clients. No sequential test
 * accepts {@link Claim#CONFLICT}: it is an answer to a concurrent change only.
 *
 * <p>A backend proves itself with a concrete subclass that implements {@link #createFixture()}
 * (whose {@link BackendFixture#inboxStore()} is the backend's own store) and, for a networked
 * backend, {@link #peer(BackendFixture)}.
 */
public abstract class InboxStoreContract extends ContractSupport {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private static final int RACERS = 32;
    private static final int ROUNDS = 6;
    private static final int CLAIMERS = 8;
    private static final Duration RACE_DEADLINE = Duration.ofSeconds(10);

    private BackendFixture peerFixture;

    /** Subclasses are created by JUnit. */
    protected InboxStoreContract() {}

    @Override
    protected abstract BackendFixture createFixture();

    /** Opens the peer client. */
    @BeforeEach
    protected final void openInboxPeer() {
        peerFixture = peer(fixture);
    }

    /** Closes the peer client (before the primary fixture is closed). */
    @AfterEach
    protected final void closeInboxPeer() {
        if (peerFixture != null && peerFixture != fixture) { // null when peer() failed
            peerFixture.close();
        }
    }

    private InboxStore inbox() {
        return fixture.inboxStore();
    }

    private InboxStore peerInbox() {
        return peerFixture.inboxStore();
    }

    private Claim claim(String id) {
        return inbox().claim(id, now(), LEASE);
    }

    private static long count(List<Object> results, Object value) {
        return results.stream().filter(value::equals).count();
    }

    private static void assertNoErrors(List<Object> results) {
        for (Object r : results) {
            if (r instanceof Throwable t) {
                throw new AssertionError("a concurrent claim failed: " + t, t);
            }
        }
    }

    @Test
    void firstClaimAcquiresAndOtherIdsAreIndependent() {
        assertThat(claim("test:evt_1")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:evt_2")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:evt_1")).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void concurrentClaimsHaveExactlyOneWinner() throws InterruptedException {
        List<Callable<Claim>> tasks = new ArrayList<>();
        Instant t = now();
        for (int i = 0; i < RACERS; i++) {
            InboxStore side = i % 2 == 0 ? inbox() : peerInbox();
            tasks.add(() -> side.claim("test:race", t, LEASE));
        }
        List<Object> results = runConcurrently(RACERS, tasks);
        assertNoErrors(results);
        assertThat(count(results, Claim.ACQUIRED))
                .as("ACQUIRED among %s", results)
                .isEqualTo(1);
        assertThat(count(results, Claim.IN_PROGRESS)).isEqualTo(RACERS - 1);
    }

    @Test
    void concurrentTakeoversOfAnExpiredLeaseHaveExactlyOneWinner() throws InterruptedException {
        assertThat(claim("test:stale")).isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE.plusSeconds(1));
        Instant t = now();
        List<Callable<Claim>> tasks = new ArrayList<>();
        for (int i = 0; i < RACERS; i++) {
            InboxStore side = i % 2 == 0 ? inbox() : peerInbox();
            tasks.add(() -> side.claim("test:stale", t, LEASE));
        }
        List<Object> results = runConcurrently(RACERS, tasks);
        assertNoErrors(results);
        assertThat(count(results, Claim.ACQUIRED))
                .as("ACQUIRED among %s", results)
                .isEqualTo(1);
        assertThat(count(results, Claim.IN_PROGRESS)).isEqualTo(RACERS - 1);
    }

    /**
     * Claims racing the release of a live claim: before the release nobody acquires, after it
     * exactly one claim does. Each claimer claims again while its answer is {@link Claim#CONFLICT}
     * (as a caller's retry policy would) and until it has made a claim that started after the
     * release. A claim that saw the record held and then released must answer {@code CONFLICT} (or
     * acquire it by writing), never {@code ACQUIRED} without owning the lease.
     */
    @Test
    void claimsRacingAReleaseHaveExactlyOneWinner() throws InterruptedException {
        for (int round = 0; round < ROUNDS; round++) {
            String id = "test:release-race-" + round;
            Instant t = now();
            assertThat(inbox().claim(id, t, LEASE)).isEqualTo(Claim.ACQUIRED);
            AtomicBoolean released = new AtomicBoolean();
            List<Callable<Object>> all = new ArrayList<>();
            for (int i = 0; i < CLAIMERS; i++) {
                InboxStore side = i % 2 == 0 ? inbox() : peerInbox();
                all.add(() -> claimUntilSettled(side, id, t, released));
            }
            all.add(() -> {
                Thread.sleep(2);
                inbox().release(id);
                released.set(true);
                return "released";
            });
            List<Object> results = runConcurrently(all.size(), all);
            assertNoErrors(results);
            List<Claim> answers = new ArrayList<>();
            for (Object r : results.subList(0, CLAIMERS)) {
                @SuppressWarnings("unchecked")
                List<Claim> mine = (List<Claim>) r;
                answers.addAll(mine);
            }
            assertThat(answers.stream().filter(Claim.ACQUIRED::equals).count())
                    .as("round %d: ACQUIRED among %s", round, answers)
                    .isEqualTo(1);
            assertThat(answers).doesNotContain(Claim.DONE);
            assertThat(claim(id)).as("the winner holds a lease").isEqualTo(Claim.IN_PROGRESS);
        }
    }

    private static List<Claim> claimUntilSettled(InboxStore side, String id, Instant t, AtomicBoolean released) {
        List<Claim> answers = new ArrayList<>();
        long deadline = System.nanoTime() + RACE_DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            boolean after = released.get();
            Claim c = side.claim(id, t, LEASE);
            answers.add(c);
            if (c == Claim.ACQUIRED || (after && c != Claim.CONFLICT)) {
                return answers;
            }
        }
        throw new AssertionError("no settled answer within " + RACE_DEADLINE + ": " + answers);
    }

    /**
     * Completions racing claims of the same fresh ids, from both clients: whatever the order, every
     * completed message is {@code DONE} afterwards (a completion that loses a race with a claim's
     * insert must still complete).
     */
    @Test
    void completionsRacingClaimsAreNeverLost() throws InterruptedException {
        int ids = RACERS / 4;
        List<Callable<Object>> tasks = new ArrayList<>();
        Instant t = now();
        for (int i = 0; i < ids; i++) {
            String id = "test:complete-race-" + i;
            InboxStore one = i % 2 == 0 ? inbox() : peerInbox();
            InboxStore other = i % 2 == 0 ? peerInbox() : inbox();
            tasks.add(() -> {
                other.complete(id, t);
                return "completed";
            });
            for (int c = 0; c < 3; c++) {
                InboxStore side = c % 2 == 0 ? one : other;
                tasks.add(() -> side.claim(id, t, LEASE));
            }
        }
        List<Object> results = runConcurrently(tasks.size(), tasks);
        assertNoErrors(results);
        for (int i = 0; i < ids; i++) {
            assertThat(claim("test:complete-race-" + i))
                    .as("claim after the completion of complete-race-%d", i)
                    .isEqualTo(Claim.DONE);
        }
    }

    @Test
    void liveLeaseIsInProgressUntilItsLastMillisecond() {
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE.minusMillis(1));
        assertThat(claim("test:evt")).isEqualTo(Claim.IN_PROGRESS);
        assertThat(inbox().claim("test:evt", now(), Duration.ofHours(5))).isEqualTo(Claim.IN_PROGRESS);
    }

    @Test
    void expiredLeaseIsTakenOverWithANewLease() {
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE);
        assertThat(claim("test:evt")).as("lease ends at now + lease").isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE.minusMillis(1));
        assertThat(claim("test:evt")).as("the takeover's own lease").isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofMillis(1));
        assertThat(inbox().claim("test:evt", now(), Duration.ofMillis(1))).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:evt")).isEqualTo(Claim.IN_PROGRESS);
        clock.advance(Duration.ofMillis(1));
        assertThat(claim("test:evt")).as("a 1 ms lease").isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void completedMessageIsDoneForever() {
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        inbox().complete("test:evt", now());
        assertThat(claim("test:evt")).isEqualTo(Claim.DONE);
        clock.advance(Duration.ofDays(400));
        assertThat(claim("test:evt")).isEqualTo(Claim.DONE);
        inbox().release("test:evt");
        assertThat(claim("test:evt")).as("release does not undo a completion").isEqualTo(Claim.DONE);
        inbox().complete("test:evt", now());
        assertThat(claim("test:evt")).isEqualTo(Claim.DONE);
    }

    @Test
    void completeWithoutAClaimOrAfterATakeoverIsDone() {
        inbox().complete("test:never-claimed", now());
        assertThat(claim("test:never-claimed")).isEqualTo(Claim.DONE);

        assertThat(claim("test:taken-over")).isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE.plusSeconds(1));
        assertThat(claim("test:taken-over")).isEqualTo(Claim.ACQUIRED);
        inbox().complete("test:taken-over", now());
        assertThat(claim("test:taken-over")).isEqualTo(Claim.DONE);
    }

    @Test
    void releaseLetsTheNextClaimAcquireImmediately() {
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        inbox().release("test:evt");
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:evt")).as("the new claim holds a lease").isEqualTo(Claim.IN_PROGRESS);

        inbox().release("test:absent");
        assertThat(claim("test:absent")).isEqualTo(Claim.ACQUIRED);
        inbox().release("test:absent");
        inbox().release("test:absent");
        assertThat(claim("test:absent")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void purgeDeletesOnlyCompletedRecordsOlderThanTheBound() {
        Instant t = now();
        for (int i = 0; i < 5; i++) {
            inbox().claim("test:old-" + i, t, LEASE);
            inbox().complete("test:old-" + i, t.plus(Duration.ofMinutes(i)));
        }
        inbox().complete("test:young", t.plus(Duration.ofDays(1)));
        inbox().claim("test:leased", t, Duration.ofDays(30));
        inbox().claim("test:released", t, LEASE);
        inbox().release("test:released");
        inbox().claim("test:expired", t, LEASE);

        assertThat(inbox().purgeCompleted(t, 100)).as("the bound is exclusive").isZero();
        Instant bound = t.plus(Duration.ofMinutes(4));
        assertThat(inbox().purgeCompleted(bound, 2)).as("limit").isEqualTo(2);
        assertThat(inbox().purgeCompleted(bound, 100)).isEqualTo(2);
        assertThat(inbox().purgeCompleted(bound, 100)).isZero();

        clock.set(t.plus(Duration.ofHours(2)));
        for (int i = 0; i < 4; i++) {
            assertThat(claim("test:old-" + i))
                    .as("purged old-%d is new again", i)
                    .isEqualTo(Claim.ACQUIRED);
        }
        assertThat(claim("test:old-4")).as("completed at the bound").isEqualTo(Claim.DONE);
        assertThat(claim("test:young")).isEqualTo(Claim.DONE);
        assertThat(claim("test:leased")).isEqualTo(Claim.IN_PROGRESS);
        assertThat(claim("test:released")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:expired")).isEqualTo(Claim.ACQUIRED);

        assertThat(inbox().purgeCompleted(t.plus(Duration.ofDays(10)), 100)).isEqualTo(2);
        assertThat(claim("test:old-4")).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:young")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void secondCompletionKeepsTheFirstCompletionTime() {
        Instant t = now();
        inbox().complete("test:evt", t);
        inbox().complete("test:evt", t.plus(Duration.ofDays(3)));
        assertThat(inbox().purgeCompleted(t.plusSeconds(1), 10)).isEqualTo(1);
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void unusualIdsRoundTripAndStayDistinct() {
        List<String> ids = new ArrayList<>(List.of(
                "x".repeat(InboxStore.MAX_MESSAGE_ID_LENGTH),
                "\u00e9\u2603\ud83d\ude00".repeat(60) + "x".repeat(15),
                "stripe:evt_'; DROP TABLE inbox; --",
                "{tag}*?[]%_\\\"'`$:;!~ ",
                "{tag}*?[]%_\\\"'`$:;!~",
                "{TAG}*?[]%_\\\"'`$:;!~",
                "a:b",
                "a%3Ab",
                "a",
                "A",
                "a ",
                " a",
                "\u00e1",
                "a\u0301"));
        assertThat(ids.get(1)).hasSize(InboxStore.MAX_MESSAGE_ID_LENGTH);
        for (String id : ids) {
            assertThat(claim(id)).as("first claim of %s", id).isEqualTo(Claim.ACQUIRED);
        }
        Collections.reverse(ids);
        for (int i = 0; i < ids.size(); i++) {
            if (i % 2 == 0) {
                inbox().complete(ids.get(i), now());
            } else {
                inbox().release(ids.get(i));
            }
        }
        for (int i = 0; i < ids.size(); i++) {
            assertThat(claim(ids.get(i)))
                    .as("claim of %s", ids.get(i))
                    .isEqualTo(i % 2 == 0 ? Claim.DONE : Claim.ACQUIRED);
        }
        assertThat(inbox().purgeCompleted(now().plusMillis(1), 1000)).isEqualTo((ids.size() + 1) / 2);
    }

    @Test
    @SuppressWarnings("NullAway") // passes null on purpose: the contract is that null is rejected
    void badInputIsRejectedNamingTheField() {
        String tooLong = "x".repeat(InboxStore.MAX_MESSAGE_ID_LENGTH + 1);
        for (String bad : List.of("", tooLong)) {
            assertThatThrownBy(() -> claim(bad))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("messageId"));
            assertThatThrownBy(() -> inbox().complete(bad, now()))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("messageId"));
            assertThatThrownBy(() -> inbox().release(bad))
                    .isInstanceOfSatisfying(
                            InvalidRequestException.class,
                            e -> assertThat(e.field()).isEqualTo("messageId"));
        }
        assertThatThrownBy(() -> claim(null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("messageId");
        assertThatThrownBy(() -> inbox().claim("test:evt", now(), Duration.ZERO))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("lease"));
        assertThatThrownBy(() -> inbox().claim("test:evt", null, LEASE)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> inbox().purgeCompleted(now(), 0))
                .isInstanceOfSatisfying(
                        InvalidRequestException.class,
                        e -> assertThat(e.field()).isEqualTo("limit"));
        assertThat(claim("test:evt")).as("nothing was written").isEqualTo(Claim.ACQUIRED);
        assertThat(claim(tooLong.substring(1))).isEqualTo(Claim.ACQUIRED);
    }

    @Test
    void aSecondClientSeesTheSameState() {
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        assertThat(peerInbox().claim("test:evt", now(), LEASE)).isEqualTo(Claim.IN_PROGRESS);
        peerInbox().release("test:evt");
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
        clock.advance(LEASE);
        assertThat(peerInbox().claim("test:evt", now(), LEASE)).isEqualTo(Claim.ACQUIRED);
        assertThat(claim("test:evt")).isEqualTo(Claim.IN_PROGRESS);
        peerInbox().complete("test:evt", now());
        assertThat(claim("test:evt")).isEqualTo(Claim.DONE);
        assertThat(peerInbox().claim("test:evt", now(), LEASE)).isEqualTo(Claim.DONE);
        assertThat(peerInbox().purgeCompleted(now().plusMillis(1), 10)).isEqualTo(1);
        assertThat(claim("test:evt")).isEqualTo(Claim.ACQUIRED);
    }
}
