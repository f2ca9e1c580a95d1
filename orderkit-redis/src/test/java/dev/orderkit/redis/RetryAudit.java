package dev.orderkit.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.Movement;
import dev.orderkit.core.MovementReason;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.Reservation;
import dev.orderkit.core.ReservationLine;
import dev.orderkit.core.ReservationRequest;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.event.EventJson;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.ExtendResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StockEvents;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.testkit.BackendFixture;
import dev.orderkit.testkit.ContractSupport;
import dev.orderkit.testkit.FaultInjection.Fault;
import dev.orderkit.testkit.InvariantChecker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.resps.StreamEntry;

/**
 * Audit of every Redis write primitive under a retry after an ambiguous failure (see
 * docs/redis-retry-audit.md): for each primitive, each of its scripts in turn fails before it is
 * sent or loses its reply after it ran, then the primitive is called again with the same arguments
 * (what core's backend retry does). The retry must end in the state of a single successful call,
 * with one movement per effect and clean invariants. A second group sends every script twice with
 * the same arguments (what JedisCluster itself does after a connection error) through whole order
 * flows.
 */
abstract class RetryAudit extends ContractSupport {
    private static final Duration LEASE = Duration.ofSeconds(30);
    private final StockKey a = StockKey.of("saga-a");
    private final StockKey b = StockKey.of("saga-b");
    private final StockKey c = StockKey.of("saga-c");
    private Instant t;
    private Instant exp;
    private FaultyJedis.ScriptFaults scripts;

    /** Why a primitive's first call failed: the fault, and whether any script of it had run. */
    private record Attempt(Fault fault, int failedScript) {}

    private Reservation commit(String id, Instant at) {
        return stock().transition(id, ReservationTransition.COMMIT, at).reservationOrThrow();
    }

    private Reservation release(String id, Instant at) {
        return stock().transition(id, ReservationTransition.RELEASE, at).reservationOrThrow();
    }

    private Reservation fulfil(String id, Instant at) {
        return stock().transition(id, ReservationTransition.FULFIL, at).reservationOrThrow();
    }

    /** The reservation if this call expired it (or finished an expiry decided earlier). */
    private Optional<Reservation> expire(String id, Instant at) {
        TransitionResult r = stock().transition(id, ReservationTransition.EXPIRE, at);
        return r instanceof TransitionResult.Applied a ? Optional.of(a.reservation()) : Optional.empty();
    }

    @BeforeEach
    void setUp() {
        t = now();
        exp = t.plusSeconds(600);
        scripts = ((RedisFixture) fixture).scriptFaults();
        for (StockKey k : List.of(a, b, c)) {
            stockUp(k, 10_000);
        }
    }

    @Override
    protected BackendFixture peer(BackendFixture primary) {
        return ((RedisFixture) primary).peer();
    }

    /**
     * Runs {@code op} on a fresh subject once cleanly (to count its scripts), then, for both faults
     * and every script k, on a fresh subject with script k failing, followed by one retry; {@code check}
     * verifies each subject after its (retried) call.
     */
    private <T> void everyScript(String name, Consumer<String> setup, Function<String, T> op, Check<T> check) {
        String probe = name + "-clean";
        setup.accept(probe);
        int before = scripts.scripts();
        T clean = op.apply(probe);
        int n = scripts.scripts() - before;
        assertThat(n).as(name + " runs at least one script").isPositive();
        check.verify(probe, null, clean);
        for (Fault f : Fault.values()) {
            for (int k = 1; k <= n; k++) {
                String id = name + "-" + f + "-" + k;
                setup.accept(id);
                scripts.aim(f, k);
                boolean failed = false;
                try {
                    Object unused = op.apply(id); // only whether it failed matters here
                } catch (BackendUnavailableException e) {
                    failed = true;
                }
                assertThat(failed)
                        .as(name + ": script " + k + " of " + n + " failed with " + f)
                        .isTrue();
                T retried = op.apply(id);
                check.verify(id, new Attempt(f, k), retried);
                assertThat(InvariantChecker.checkStock(stock()))
                        .as(name + " " + f + " at script " + k)
                        .isEmpty();
            }
        }
    }

    @FunctionalInterface
    private interface Check<T> {
        void verify(String id, Attempt failedFirst, T result);
    }

    private List<AllocatedLine> lines() {
        return List.of(new AllocatedLine(a, 1), new AllocatedLine(b, 1), new AllocatedLine(c, 1));
    }

    private void reserve(String id) {
        assertThat(stock().reserve(id, lines(), exp, t)).isInstanceOf(ReserveResult.Reserved.class);
    }

    private void movedOnce(String id, MovementReason reason) {
        for (StockKey k : List.of(a, b, c)) {
            List<Movement> ms = stock().movements(k).stream()
                    .filter(m -> m.reference().equals(id) && m.reason() == reason)
                    .toList();
            assertThat(ms).as(reason + " of " + id + " on " + k).hasSize(1);
        }
    }

    /**
     * The ids of the events recorded in the Redis outbox streams (read, not claimed) whose subject
     * is {@code subject}, in stream order.
     */
    private List<String> recorded(String subject) {
        RedisFixture f = (RedisFixture) fixture;
        List<String> out = new ArrayList<>();
        for (String stream : f.client().smembers(f.backend().keyPrefix() + "{ob}:streams")) {
            for (StreamEntry e : f.client().xrange(stream, "-", "+")) {
                OrderKitEvent ev = EventJson.fromBytes(e.getFields().get("e").getBytes(StandardCharsets.UTF_8));
                if (ev.subjectId().equals(subject)) {
                    out.add(ev.id());
                }
            }
        }
        return out;
    }

    /** Every event of the reservation, each recorded once, in order. */
    private void recordedOnce(String id, String... types) {
        List<String> want = new ArrayList<>();
        for (String type : types) {
            want.add(id + ":" + type + (type.equals("stock_reserved") ? ":0" : ":1"));
        }
        assertThat(recorded(id)).as("outbox events of " + id).containsExactlyElementsOf(want);
    }

    /** The level's STOCK_ADJUSTED of the write with reference {@code ref}, recorded once. */
    private void adjustedOnce(StockKey key, String ref) {
        String subject = StockEvents.subjectOf(key);
        assertThat(recorded(subject))
                .as("outbox events of " + subject)
                .containsOnlyOnce(subject + ":stock_adjusted:" + ref);
    }

    private ReservationState state(String id) {
        return stock().reservation(id).map(Reservation::state).orElseThrow();
    }

    // ------------------------------------------------------------------ stock

    @Test
    void reserve() {
        everyScript("reserve", id -> {}, id -> stock().reserve(id, lines(), exp, t), (id, f, r) -> {
            assertThat(r).isInstanceOfAny(ReserveResult.Reserved.class, ReserveResult.AlreadyExists.class);
            assertThat(state(id)).isEqualTo(ReservationState.HELD);
            movedOnce(id, MovementReason.RESERVE);
            recordedOnce(id, "stock_reserved");
        });
    }

    @Test
    void commit() {
        everyScript("commit", this::reserve, id -> commit(id, t), (id, f, r) -> {
            assertThat(r.state()).isEqualTo(ReservationState.COMMITTED);
            assertThat(state(id)).isEqualTo(ReservationState.COMMITTED);
            recordedOnce(id, "stock_reserved", "reservation_committed");
        });
    }

    @Test
    void commitRetriedAfterTheDeadline() {
        everyScript(
                "late-commit",
                this::reserve,
                new Function<String, Reservation>() {
                    private final Map<String, Integer> calls = new HashMap<>();

                    @Override
                    public Reservation apply(String id) {
                        // the retry comes after the expiry: a commit that claimed the header still completes
                        int call = calls.merge(id, 1, Integer::sum);
                        TransitionResult r = stock().transition(
                                        id, ReservationTransition.COMMIT, call == 1 ? t : exp.plusSeconds(1));
                        return r instanceof TransitionResult.Refused ? null : r.reservationOrThrow();
                    }
                },
                (id, f, r) -> {
                    if (f != null && f.fault() == Fault.FAIL_BEFORE && f.failedScript() == 1) {
                        assertThat(r)
                                .as("never claimed before the deadline: too late now")
                                .isNull();
                        assertThat(state(id)).isEqualTo(ReservationState.HELD);
                        recordedOnce(id, "stock_reserved");
                        return;
                    }
                    assertThat(r.state()).isEqualTo(ReservationState.COMMITTED);
                    assertThat(state(id)).isEqualTo(ReservationState.COMMITTED);
                    recordedOnce(id, "stock_reserved", "reservation_committed");
                });
    }

    @Test
    void release() {
        everyScript("release", this::reserve, id -> release(id, t), (id, f, r) -> {
            assertThat(r.state()).isEqualTo(ReservationState.RELEASED);
            assertThat(state(id)).isEqualTo(ReservationState.RELEASED);
            movedOnce(id, MovementReason.RELEASE);
            recordedOnce(id, "stock_reserved", "reservation_released");
        });
    }

    @Test
    void releaseOfACommittedReservation() {
        everyScript(
                "release-committed",
                id -> {
                    reserve(id);
                    commit(id, t);
                },
                id -> release(id, t),
                (id, f, r) -> {
                    assertThat(state(id)).isEqualTo(ReservationState.RELEASED);
                    movedOnce(id, MovementReason.RELEASE);
                    recordedOnce(id, "stock_reserved", "reservation_committed", "reservation_released");
                });
    }

    @Test
    void fulfil() {
        everyScript(
                "fulfil",
                id -> {
                    reserve(id);
                    commit(id, t);
                },
                id -> fulfil(id, t),
                (id, f, r) -> {
                    assertThat(r.state()).isEqualTo(ReservationState.FULFILLED);
                    assertThat(state(id)).isEqualTo(ReservationState.FULFILLED);
                    movedOnce(id, MovementReason.FULFIL);
                    recordedOnce(id, "stock_reserved", "reservation_committed", "reservation_fulfilled");
                });
    }

    @Test
    void expire() {
        everyScript("expire", this::reserve, id -> expire(id, exp), (id, f, r) -> {
            if (f == null || f.fault() == Fault.FAIL_BEFORE) {
                assertThat(r).as("the call that expired it reports it").isPresent();
            }
            assertThat(state(id)).isEqualTo(ReservationState.EXPIRED);
            movedOnce(id, MovementReason.EXPIRE);
            recordedOnce(id, "stock_reserved", "reservation_expired");
        });
    }

    @Test
    void expireAll() {
        everyScript("expire-all", this::reserve, id -> stock().expireAll(List.of(id), exp), (id, f, r) -> {
            assertThat(state(id)).isEqualTo(ReservationState.EXPIRED);
            movedOnce(id, MovementReason.EXPIRE);
            recordedOnce(id, "stock_reserved", "reservation_expired");
        });
    }

    @Test
    void extend() {
        Instant later = exp.plusSeconds(60);
        everyScript("extend", this::reserve, id -> stock().extend(id, later, t), (id, f, r) -> {
            assertThat(r).isInstanceOfAny(ExtendResult.Extended.class, ExtendResult.Unchanged.class);
            assertThat(stock().reservation(id).orElseThrow().expiresAt()).isEqualTo(later);
            assertThat(recorded(id))
                    .as("outbox events of " + id)
                    .containsExactly(id + ":stock_reserved:0", id + ":hold_extended:" + later.toEpochMilli());
        });
    }

    @Test
    void adjust() {
        everyScript("adjust", id -> {}, id -> stock().adjust(a, 3, id, t), (id, f, r) -> {
            List<Movement> ms = stock().movements(a).stream()
                    .filter(m -> m.reference().equals(id))
                    .toList();
            assertThat(ms).hasSize(1);
            adjustedOnce(a, id);
        });
        assertThat(stock().level(a).orElseThrow().onHand()).isEqualTo(10_000 + 3 * (1 + 2 * 1));
    }

    @Test
    void setOnHand() {
        Map<String, StockLevel> read = new HashMap<>();
        everyScript(
                "set",
                id -> read.put(id, stock().level(b).orElseThrow()),
                id -> stock().setOnHand(
                                b, read.get(id).onHand() + 1, read.get(id).version(), id, t),
                (id, f, r) -> {
                    assertThat(r.onHand()).isEqualTo(read.get(id).onHand() + 1);
                    assertThat(r.version()).isEqualTo(read.get(id).version() + 1);
                    assertThat(stock().movements(b).stream()
                                    .filter(m -> m.reference().equals(id)))
                            .hasSize(1);
                    adjustedOnce(b, id);
                });
    }

    // ------------------------------------------------------------------ idempotency keys

    private ScopedKey key(String id) {
        return new ScopedKey(Scope.of("audit"), IdempotencyKey.of(id));
    }

    @Test
    void idempotencyClaim() {
        IdempotencyClaims keys = keys();
        everyScript("claim", id -> {}, id -> keys.claim(key(id), "fp", "res-" + id, t, LEASE), (id, f, r) -> {
            // the repeat of the call (same claimant) finds its own lease, whether or not the first ran
            assertThat(r).isInstanceOf(ClaimResult.Acquired.class);
            ClaimResult.Acquired a = (ClaimResult.Acquired) r;
            assertThat(a.resourceId()).isEqualTo("res-" + id);
            assertThat(a.resumed()).isFalse();
            assertThat(keys.claim(key(id), "fp", "other", t, LEASE))
                    .isEqualTo(new ClaimResult.InProgress(t.plus(LEASE)));
        });
    }

    @Test
    void idempotencyComplete() {
        IdempotencyClaims keys = keys();
        Map<String, Long> tokens = new HashMap<>();
        everyScript(
                "complete",
                id -> tokens.put(
                        id, ((ClaimResult.Acquired) keys.claim(key(id), "fp", "res-" + id, t, LEASE)).fencingToken()),
                id -> {
                    keys.complete(key(id), tokens.get(id), "{\"id\":\"" + id + "\"}", t, t.plus(Duration.ofDays(1)));
                    return Boolean.TRUE;
                },
                (id, f, r) -> assertThat(keys.claim(key(id), "fp", "other", t, LEASE))
                        .isEqualTo(new ClaimResult.Completed("res-" + id, "{\"id\":\"" + id + "\"}")));
    }

    @Test
    void idempotencyRelease() {
        IdempotencyClaims keys = keys();
        Map<String, Long> tokens = new HashMap<>();
        everyScript(
                "key-release",
                id -> tokens.put(
                        id, ((ClaimResult.Acquired) keys.claim(key(id), "fp", "res-" + id, t, LEASE)).fencingToken()),
                id -> {
                    keys.release(key(id), tokens.get(id));
                    return Boolean.TRUE;
                },
                (id, f, r) -> {
                    ClaimResult c = keys.claim(key(id), "fp", "other", t, LEASE);
                    assertThat(c).isInstanceOf(ClaimResult.Acquired.class);
                    ClaimResult.Acquired a = (ClaimResult.Acquired) c;
                    assertThat(a.resumed()).isTrue();
                    assertThat(a.resourceId()).isEqualTo("res-" + id);
                    assertThat(a.fencingToken()).isGreaterThan(tokens.get(id));
                });
    }

    // ------------------------------------------------------------------ inbox

    @Test
    void inboxClaim() {
        InboxStore inbox = fixture.inboxStore();
        everyScript("inbox-claim", id -> {}, id -> inbox.claim(id, t, LEASE), (id, f, r) -> {
            if (f != null && f.fault() == Fault.LOSE_ACK) {
                assertThat(r).isEqualTo(InboxStore.Claim.IN_PROGRESS);
            } else {
                assertThat(r).isEqualTo(InboxStore.Claim.ACQUIRED);
            }
        });
    }

    @Test
    void inboxCompleteAndRelease() {
        InboxStore inbox = fixture.inboxStore();
        everyScript(
                "inbox-complete",
                id -> inbox.claim(id, t, LEASE),
                id -> {
                    inbox.complete(id, t);
                    return Boolean.TRUE;
                },
                (id, f, r) -> assertThat(inbox.claim(id, t.plus(LEASE), LEASE)).isEqualTo(InboxStore.Claim.DONE));
        everyScript(
                "inbox-release",
                id -> inbox.claim(id, t, LEASE),
                id -> {
                    inbox.release(id);
                    return Boolean.TRUE;
                },
                (id, f, r) -> assertThat(inbox.claim(id, t, LEASE)).isEqualTo(InboxStore.Claim.ACQUIRED));
    }

    // ------------------------------------------------------------------ every script sent twice (JedisCluster's own
    // retry)

    @Test
    void everyScriptSentTwiceStillPlacesFulfilsCancelsAndExpiresOnce() {
        SimulatedPaymentPort gateway = new SimulatedPaymentPort();
        OrderKit kit = kitBuilder(fixture, gateway)
                .lease(LEASE)
                .reservationTtl(Duration.ofMinutes(10))
                .build();
        Scope shop = Scope.of("shop");
        scripts.resend(true);
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                PlaceOrderRequest req = PlaceOrderRequest.builder(shop, IdempotencyKey.of("k-" + i))
                        .paymentMethod("pm_card")
                        .line("saga-a", 1, 100)
                        .line("saga-b", 1, 100)
                        .line("saga-c", 2, 100)
                        .build();
                PlaceOrderResult r = kit.orders().place(req);
                assertThat(r.outcome()).isEqualTo(PlacementOutcome.PLACED);
                assertThat(r.replayed())
                        .as("the first call answers itself, not as a replay")
                        .isFalse();
                PlaceOrderResult again = kit.orders().place(req);
                assertThat(again.replayed()).isTrue();
                assertThat(again.order().id()).isEqualTo(r.order().id());
                ids.add(r.order().id());
            }
            assertThat(kit.orders().fulfil(shop, ids.get(0)).status()).isEqualTo(OrderStatus.FULFILLED);
            assertThat(kit.orders().cancel(shop, ids.get(1), "changed-mind").status())
                    .isEqualTo(OrderStatus.CANCELLED);
            kit.stock().adjust(a, 5, "restock-1");
            StockLevel l = kit.stock().level(b).orElseThrow();
            kit.stock().setOnHand(b, l.onHand() + 1, l.version(), "count-1");
            Reservation held = kit.stock()
                    .reserve(new ReservationRequest(
                            "hold-1",
                            List.of(ReservationLine.of("saga-a", 1), ReservationLine.of("saga-c", 1)),
                            Duration.ofSeconds(5)));
            assertThat(held.state()).isEqualTo(ReservationState.HELD);
            clock.advance(Duration.ofSeconds(6));
            assertThat(kit.stock().expireDue(5)).isGreaterThanOrEqualTo(1);
            assertThat(kit.stock().reservation("hold-1").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
            InboxStore inbox = fixture.inboxStore();
            assertThat(inbox.claim("evt-1", now(), LEASE)).isEqualTo(InboxStore.Claim.ACQUIRED);
            inbox.complete("evt-1", now());
            assertThat(inbox.claim("evt-1", now(), LEASE)).isEqualTo(InboxStore.Claim.DONE);

            scripts.resend(false);
            for (StockKey k : List.of(a, b, c)) {
                Map<String, Long> count = new HashMap<>();
                for (Movement m : stock().movements(k)) {
                    count.merge(m.reason() + " " + m.reference(), 1L, Long::sum);
                }
                assertThat(count.values())
                        .as("one movement per effect on " + k + ": " + count)
                        .containsOnly(1L);
            }
            assertThat(stock().level(a).orElseThrow().onHand()).isEqualTo(10_000 - 1 + 5);
            assertThat(InvariantChecker.checkOrders(stock(), orders(), ids)).isEmpty();
            Optional<Reservation> r2 = stock().reservation(ids.get(2));
            assertThat(r2.map(Reservation::state)).hasValue(ReservationState.COMMITTED);
            // every stock change's event recorded once, though every script ran twice
            recordedOnce(ids.get(0), "stock_reserved", "reservation_committed", "reservation_fulfilled");
            recordedOnce(ids.get(1), "stock_reserved", "reservation_committed", "reservation_released");
            recordedOnce(ids.get(2), "stock_reserved", "reservation_committed");
            recordedOnce("hold-1", "stock_reserved", "reservation_expired");
            adjustedOnce(a, "restock-1");
            adjustedOnce(b, "count-1");
        } finally {
            scripts.resend(false);
        }
    }
}
