package dev.orderkit.jdbc;

import static dev.orderkit.core.spi.ReservationTransition.COMMIT;
import static dev.orderkit.core.spi.ReservationTransition.EXPIRE;
import static dev.orderkit.core.spi.ReservationTransition.FULFIL;
import static dev.orderkit.core.spi.ReservationTransition.RELEASE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Money;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.ReservationState;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.InboxStore.Claim;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.testkit.FaultInjection.Fault;
import dev.orderkit.testkit.InvariantChecker;
import dev.orderkit.testkit.TestClock;
import dev.orderkit.webhooks.WebhookDelivery;
import dev.orderkit.webhooks.WebhookStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The evidence behind {@code docs/jdbc-retry-audit.md}: every JDBC write primitive, called
 * directly on the SPI, loses the acknowledgement of a write the database applied
 * ({@link Fault#LOSE_ACK} through the fixture's fault-injecting data source) and is then repeated
 * with the same arguments, as core's retry does. Each test pins what the repeat sees and that the
 * effect exists once.
 */
class JdbcRetryAuditTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final StockKey A = StockKey.of("AUDIT-A");
    private static final StockKey B = StockKey.of("AUDIT-B");

    /** Runs a write whose acknowledgement is lost: it must fail retryably. */
    private static void lostAck(JdbcFixture f, Runnable write) {
        f.faults().arm(Fault.LOSE_ACK, 1);
        int before = f.faults().injected();
        assertThatThrownBy(write::run).isInstanceOf(BackendUnavailableException.class);
        assertThat(f.faults().injected())
                .as("the write lost its acknowledgement")
                .isEqualTo(before + 1);
        f.faults().disarm();
    }

    private static <T> void lostAck(JdbcFixture f, Supplier<T> write) {
        lostAck(f, () -> {
            Object unused = write.get(); // the reply is lost: only the effect counts
        });
    }

    private static ReservationState unchanged(TransitionResult r) {
        assertThat(r).isInstanceOf(TransitionResult.Unchanged.class);
        return ((TransitionResult.Unchanged) r).reservation().state();
    }

    private static long countMovements(StockStorage s, StockKey key, String reason, String ref) {
        return s.movements(key).stream()
                .filter(m -> m.reason().name().equals(reason) && ref.equals(m.reference()))
                .count();
    }

    private static long rows(JdbcFixture f, String sqlAfterFrom) {
        return Jdbi.create(f.dataSource())
                .withHandle(
                        h -> h.createQuery("SELECT COUNT(*) FROM " + f.backend().tablePrefix() + sqlAfterFrom)
                                .mapTo(Long.class)
                                .one());
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void reservationPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            StockStorage s = f.stockStorage();
            s.adjust(A, 10, "initial", T0);
            s.adjust(B, 10, "initial", T0);
            List<AllocatedLine> lines = List.of(new AllocatedLine(A, 3), new AllocatedLine(B, 2));

            // reserve: the repeat finds the reservation row (primary key) and answers AlreadyExists
            lostAck(f, () -> s.reserve("r-1", lines, T0.plusSeconds(60), T0));
            ReserveResult again = s.reserve("r-1", lines, T0.plusSeconds(60), T0);
            assertThat(again).isInstanceOf(ReserveResult.AlreadyExists.class);
            assertThat(((ReserveResult.AlreadyExists) again).reservation().state())
                    .isEqualTo(ReservationState.HELD);
            assertThat(s.level(A).orElseThrow().reserved()).isEqualTo(3);
            assertThat(countMovements(s, A, "RESERVE", "r-1")).isEqualTo(1);

            // commit, fulfil: the repeat reads the target state and answers Unchanged
            lostAck(f, () -> s.transition("r-1", COMMIT, T0));
            assertThat(unchanged(s.transition("r-1", COMMIT, T0))).isEqualTo(ReservationState.COMMITTED);
            lostAck(f, () -> s.transition("r-1", FULFIL, T0));
            assertThat(unchanged(s.transition("r-1", FULFIL, T0))).isEqualTo(ReservationState.FULFILLED);
            assertThat(s.level(A).orElseThrow()).satisfies(l -> {
                assertThat(l.onHand()).isEqualTo(7);
                assertThat(l.reserved()).isZero();
            });
            assertThat(countMovements(s, A, "FULFIL", "r-1")).isEqualTo(1);

            // release: likewise
            s.reserve("r-2", lines, T0.plusSeconds(60), T0);
            lostAck(f, () -> s.transition("r-2", RELEASE, T0));
            assertThat(unchanged(s.transition("r-2", RELEASE, T0))).isEqualTo(ReservationState.RELEASED);
            assertThat(countMovements(s, B, "RELEASE", "r-2")).isEqualTo(1);

            // expire: the repeat reads EXPIRED: Unchanged, stock returned once
            s.reserve("r-3", lines, T0.plusSeconds(5), T0);
            lostAck(f, () -> s.transition("r-3", EXPIRE, T0.plusSeconds(6)));
            assertThat(unchanged(s.transition("r-3", EXPIRE, T0.plusSeconds(6))))
                    .isEqualTo(ReservationState.EXPIRED);
            assertThat(s.reservation("r-3").orElseThrow().state()).isEqualTo(ReservationState.EXPIRED);
            assertThat(countMovements(s, A, "EXPIRE", "r-3")).isEqualTo(1);
            assertThat(s.level(A).orElseThrow().reserved()).isZero();

            // adjust / setOnHand: the repeat finds the stock_write record and answers its level
            var adjusted = s.level(A).orElseThrow();
            lostAck(f, () -> s.adjust(A, 4, "restock-1", T0));
            var replay = s.adjust(A, 4, "restock-1", T0);
            assertThat(replay.onHand()).isEqualTo(adjusted.onHand() + 4);
            lostAck(f, () -> s.setOnHand(A, 20, replay.version(), "count-1", T0));
            assertThat(s.setOnHand(A, 20, replay.version(), "count-1", T0).version())
                    .isEqualTo(replay.version() + 1);
            assertThat(s.movements(A).stream()
                            .map(Movement::reference)
                            .filter(r -> r.equals("restock-1") || r.equals("count-1")))
                    .hasSize(2);
            assertThat(InvariantChecker.checkStock(s)).isEmpty();
        }
    }

    private static Order order(String id, long version, OrderStatus status) {
        return new Order(
                id,
                "shop",
                "key-" + id,
                "f".repeat(64),
                status,
                "cust",
                List.of(OrderLine.of("SKU-1", 1, 100)),
                Money.of(100, "usd"),
                "pm_card_visa",
                Map.of(),
                List.of(),
                null,
                null,
                version,
                T0,
                T0.plusSeconds(version));
    }

    private static OrderKitEvent event(String id, long v, EventType type) {
        return OrderKitEvent.of(type, id, v, "shop", Map.of(), T0.plusSeconds(v));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void orderPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            var store = f.orderStore();
            // insert: the repeat hits the primary key and answers false; order and event exist once
            lostAck(
                    f,
                    () -> store.insert(
                            order("o1", 0, OrderStatus.CREATED), List.of(event("o1", 0, EventType.ORDER_CREATED))));
            assertThat(store.insert(
                            order("o1", 0, OrderStatus.CREATED), List.of(event("o1", 0, EventType.ORDER_CREATED))))
                    .isFalse();
            assertThat(store.find("o1")).isPresent();
            // update: the repeat's compare-and-set on the version matches nothing; core re-reads the order
            lostAck(
                    f,
                    () -> store.update(
                            order("o1", 1, OrderStatus.CONFIRMED),
                            0,
                            List.of(event("o1", 1, EventType.ORDER_CONFIRMED))));
            assertThat(store.update(
                            order("o1", 1, OrderStatus.CONFIRMED),
                            0,
                            List.of(event("o1", 1, EventType.ORDER_CONFIRMED))))
                    .isFalse();
            assertThat(store.find("o1").orElseThrow().version()).isEqualTo(1);
            assertThat(rows(f, "outbox")).as("one event per applied change").isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void idempotencyPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            var keys = new IdempotencyClaims(f.idempotencyStore());
            Duration lease = Duration.ofSeconds(30);
            ScopedKey k = new ScopedKey(Scope.of("shop"), IdempotencyKey.of("audit-1"));
            // claim (insert): the repeat of the same call (same claimant) gets its own lease back
            lostAck(f, () -> keys.claim(k, "fp", "ord-1", T0, lease));
            ClaimResult.Acquired first = (ClaimResult.Acquired) keys.claim(k, "fp", "ord-1", T0, lease);
            assertThat(first.resourceId()).isEqualTo("ord-1");
            assertThat(first.resumed()).isFalse();
            // ... while any other call waits for the lease
            assertThat(keys.claim(k, "fp", "ord-1b", T0, lease)).isEqualTo(new ClaimResult.InProgress(T0.plus(lease)));

            // takeover (compare-and-set): the repeat finds its own new lease
            lostAck(f, () -> keys.claim(k, "fp", "ord-1c", T0.plus(lease), lease));
            ClaimResult.Acquired resumed = (ClaimResult.Acquired) keys.claim(k, "fp", "ord-1c", T0.plus(lease), lease);
            assertThat(resumed.resourceId()).isEqualTo("ord-1");
            assertThat(resumed.resumed()).isTrue();
            assertThat(resumed.fencingToken()).isGreaterThan(first.fencingToken());

            // release: the repeat finds the lease released and returns normally
            lostAck(f, () -> keys.release(k, resumed.fencingToken()));
            keys.release(k, resumed.fencingToken());
            ClaimResult.Acquired again = (ClaimResult.Acquired) keys.claim(k, "fp", "x", T0.plus(lease), lease);
            assertThat(again.resumed()).isTrue();
            assertThat(again.fencingToken()).isGreaterThan(resumed.fencingToken());

            // complete: the repeat finds its own completion and returns normally; another response is refused
            Instant now = T0.plus(lease);
            lostAck(f, () -> keys.complete(k, again.fencingToken(), "{\"r\":1}", now, now.plusSeconds(60)));
            keys.complete(k, again.fencingToken(), "{\"r\":1}", now, now.plusSeconds(60));
            assertThatThrownBy(() -> keys.complete(k, again.fencingToken(), "{\"r\":2}", now, now.plusSeconds(60)))
                    .isInstanceOf(LeaseLostException.class);
            assertThat(keys.claim(k, "fp", "y", now, lease)).isEqualTo(new ClaimResult.Completed("ord-1", "{\"r\":1}"));

            // purge: the repeat deletes nothing more
            lostAck(f, () -> keys.purgeExpired(now.plusSeconds(61), 10));
            assertThat(keys.purgeExpired(now.plusSeconds(61), 10)).isZero();
            assertThat(rows(f, "idempotency")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void inboxPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            var inbox = f.inboxStore();
            Duration lease = Duration.ofSeconds(30);
            // claim: the repeat sees its own live lease as in progress until it ends
            lostAck(f, () -> inbox.claim("audit:m1", T0, lease));
            assertThat(inbox.claim("audit:m1", T0, lease)).isEqualTo(Claim.IN_PROGRESS);
            assertThat(inbox.claim("audit:m1", T0.plus(lease), lease)).isEqualTo(Claim.ACQUIRED);
            // release: the repeat sets the released lease again
            lostAck(f, () -> inbox.release("audit:m1"));
            inbox.release("audit:m1");
            assertThat(inbox.claim("audit:m1", T0.plus(lease), lease)).isEqualTo(Claim.ACQUIRED);
            // complete: the repeat finds the message completed and returns normally
            lostAck(f, () -> inbox.complete("audit:m1", T0.plus(lease)));
            inbox.complete("audit:m1", T0.plus(lease));
            assertThat(inbox.claim("audit:m1", T0.plus(lease), lease)).isEqualTo(Claim.DONE);
            // purge: the repeat deletes nothing more
            lostAck(f, () -> inbox.purgeCompleted(T0.plus(Duration.ofDays(1)), 10));
            assertThat(inbox.purgeCompleted(T0.plus(Duration.ofDays(1)), 10)).isZero();
            assertThat(rows(f, "inbox")).isZero();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void outboxPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            TestClock clock = new TestClock(T0);
            JdbcBackend b = JdbcBackend.builder()
                    .dataSource(f.faultyDataSource())
                    .tablePrefix(f.backend().tablePrefix())
                    .clock(clock)
                    .build();
            f.orderStore()
                    .insert(order("o1", 0, OrderStatus.CREATED), List.of(event("o1", 0, EventType.ORDER_CREATED)));
            f.orderStore()
                    .insert(order("o2", 0, OrderStatus.CREATED), List.of(event("o2", 0, EventType.ORDER_CREATED)));
            List<String> delivered = new ArrayList<>();
            boolean[] loseTheMark = {false};
            OutboxPublisher.Settings settings = new OutboxPublisher.Settings(
                    10, 3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(10));
            OutboxPublisher p = b.outboxPublisher(
                    e -> {
                        delivered.add(e.id());
                        if (loseTheMark[0]) {
                            loseTheMark[0] = false;
                            f.faults().arm(Fault.LOSE_ACK, 1); // the next write is this row's "mark sent"
                        }
                    },
                    settings);

            // claiming a batch: the claim committed, its reply was lost; the rows stay claimed
            // until the claim expires, then the next round delivers them
            lostAck(f, p::publishPending);
            assertThat(p.publishPending()).isZero();
            clock.advance(Duration.ofSeconds(31));
            // marking a row sent: applied, reply lost; the round stops, the row is not delivered again
            loseTheMark[0] = true;
            assertThatThrownBy(p::publishPending).isInstanceOf(BackendUnavailableException.class);
            assertThat(p.count("SENT")).isEqualTo(1);
            clock.advance(Duration.ofSeconds(31));
            assertThat(p.publishPending()).isEqualTo(1);
            assertThat(delivered).containsExactly("o1:order_created:0", "o2:order_created:0");
            assertThat(p.count("SENT")).isEqualTo(2);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void webhookPrimitives(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            WebhookStore w = JdbcWebhooks.store(f.backend());
            OrderKitEvent e = OrderKitEvent.of(EventType.ORDER_CREATED, "ord-w", 1, "shop", Map.of(), T0);
            WebhookDelivery d = WebhookDelivery.pending(e, "sub-1", T0);
            // record: the repeat finds the row, one row
            lostAck(f, () -> w.addDelivery(d));
            assertThat(w.addDelivery(d)).isFalse();
            assertThat(rows(f, "webhook_delivery")).isEqualTo(1);
            // claim: the lost claim holds until it lapses, then the delivery is claimed again
            lostAck(f, () -> w.claim(d.id(), T0, T0.plusSeconds(30)));
            assertThat(w.claim(d.id(), T0.plusSeconds(1), T0.plusSeconds(60))).isEmpty();
            var c = w.claim(d.id(), T0.plusSeconds(30), T0.plusSeconds(90)).orElseThrow();
            // failure: the repeat changes nothing; the stored backoff stands
            lostAck(f, () -> w.markFailed(c, 1, "HTTP 500", T0.plusSeconds(40), false, T0.plusSeconds(31)));
            assertThat(w.markFailed(c, 1, "HTTP 500", T0.plusSeconds(45), false, T0.plusSeconds(32)))
                    .isFalse();
            WebhookDelivery failed = w.delivery(d.id()).orElseThrow();
            assertThat(failed.attempts()).isEqualTo(1);
            assertThat(failed.nextAttemptAt()).isEqualTo(T0.plusSeconds(40));
            assertThat(failed.claimedUntil()).isNull();
            // delivered: the repeat changes nothing
            var c2 = w.claim(d.id(), T0.plusSeconds(40), T0.plusSeconds(90)).orElseThrow();
            lostAck(f, () -> w.markDelivered(c2, 2, T0.plusSeconds(41)));
            assertThat(w.markDelivered(c2, 3, T0.plusSeconds(42))).isFalse();
            assertThat(w.delivery(d.id()).orElseThrow().status()).isEqualTo(WebhookDelivery.Status.DELIVERED);
            assertThat(w.delivery(d.id()).orElseThrow().attempts()).isEqualTo(2);
            // replay: the repeat finds it pending already
            lostAck(f, () -> w.replay(d.id(), T0.plusSeconds(50)));
            assertThat(w.replay(d.id(), T0.plusSeconds(51))).isFalse();
            WebhookDelivery replayed = w.delivery(d.id()).orElseThrow();
            assertThat(replayed.status()).isEqualTo(WebhookDelivery.Status.PENDING);
            assertThat(replayed.nextAttemptAt()).isEqualTo(T0.plusSeconds(50));
            // purge: the repeat deletes nothing more
            var c3 = w.claim(d.id(), T0.plusSeconds(50), T0.plusSeconds(90)).orElseThrow();
            assertThat(w.markDelivered(c3, 1, T0.plusSeconds(52))).isTrue();
            lostAck(f, () -> w.purgeDelivered(T0.plusSeconds(60), 10));
            assertThat(w.purgeDelivered(T0.plusSeconds(60), 10)).isZero();
            assertThat(rows(f, "webhook_delivery")).isZero();
        }
    }
}
