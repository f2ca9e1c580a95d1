package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orderkit.core.AllocatedLine;
import dev.orderkit.core.BackendUnavailableException;
import dev.orderkit.core.ConcurrencyConflictException;
import dev.orderkit.core.IdempotencyKey;
import dev.orderkit.core.LeaseLostException;
import dev.orderkit.core.Money;
import dev.orderkit.core.Movement;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PlaceOrderRequest;
import dev.orderkit.core.PlaceOrderResult;
import dev.orderkit.core.PlacementOutcome;
import dev.orderkit.core.RecoverySettings;
import dev.orderkit.core.Scope;
import dev.orderkit.core.StockKey;
import dev.orderkit.core.StockLevel;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.payment.SimulatedPaymentPort;
import dev.orderkit.core.spi.ClaimResult;
import dev.orderkit.core.spi.IdempotencyClaims;
import dev.orderkit.core.spi.InboxStore.Claim;
import dev.orderkit.core.spi.ReservationTransition;
import dev.orderkit.core.spi.ReserveResult;
import dev.orderkit.core.spi.ScopedKey;
import dev.orderkit.core.spi.TransitionResult;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.jdbc.internal.Codec;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.jdbc.internal.SchemaInstaller;
import dev.orderkit.testkit.InvariantChecker;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Outbox, schema installer, hostile input and dialect detection, on every dialect. */
class JdbcBackendFeaturesTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00.123456789Z");

    private static Order order(String id, String key, long version, OrderStatus status) {
        return new Order(
                id,
                "shop",
                key,
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
        return OrderKitEvent.of(type, id, v, "shop", Map.of("n", String.valueOf(v)), T0.plusSeconds(v));
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void outboxDeliversCommittedEventsOnceRetriesAndDeadLetters(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            var store = f.orderStore();
            assertThat(store.insert(
                            order("o1", "k1", 0, OrderStatus.CREATED),
                            List.of(event("o1", 0, EventType.ORDER_CREATED))))
                    .isTrue();
            // a duplicate insert and a lost compare-and-set write no events
            assertThat(store.insert(
                            order("o1", "k1", 0, OrderStatus.CREATED),
                            List.of(event("o1", 0, EventType.ORDER_CREATED))))
                    .isFalse();
            assertThat(store.update(
                            order("o1", "k1", 1, OrderStatus.CONFIRMED),
                            5,
                            List.of(event("o1", 9, EventType.ORDER_CONFIRMED))))
                    .isFalse();
            assertThat(store.update(
                            order("o1", "k1", 1, OrderStatus.CONFIRMED),
                            0,
                            List.of(event("o1", 1, EventType.ORDER_CONFIRMED))))
                    .isTrue();
            assertThat(store.insert(
                            order("poison", "k2", 0, OrderStatus.CREATED),
                            List.of(event("poison", 0, EventType.ORDER_CREATED))))
                    .isTrue();

            List<OrderKitEvent> got = new CopyOnWriteArrayList<>();
            AtomicInteger poisonCalls = new AtomicInteger();
            OutboxPublisher.Settings s = new OutboxPublisher.Settings(
                    10, 3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(20));
            OutboxPublisher p = f.backend()
                    .outboxPublisher(
                            e -> {
                                if (e.subjectId().equals("poison")) {
                                    poisonCalls.incrementAndGet();
                                    throw new IllegalStateException("sink rejects " + e.id());
                                }
                                got.add(e);
                            },
                            s);
            assertThat(p.publishPending()).isEqualTo(2);
            assertThat(got).extracting(OrderKitEvent::id).containsExactly("o1:order_created:0", "o1:order_confirmed:1");
            assertThat(got.get(0)).isEqualTo(event("o1", 0, EventType.ORDER_CREATED));
            assertThat(p.publishPending()).isZero();
            assertThat(p.publishPending()).isZero();
            assertThat(poisonCalls.get()).isEqualTo(3);
            assertThat(p.count("SENT")).isEqualTo(2);
            assertThat(p.count("DEAD")).isEqualTo(1);
            assertThat(p.deadLetters(10)).extracting(OrderKitEvent::subjectId).containsExactly("poison");
            assertThat(p.publishPending()).isZero();
            assertThat(poisonCalls.get()).isEqualTo(3);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentPublishersNeverDeliverAClaimedEventTwice(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind);
                JdbcFixture peer = f.peer()) {
            int orders = 60;
            for (int i = 0; i < orders; i++) {
                f.orderStore()
                        .insert(
                                order("o" + i, "k" + i, 0, OrderStatus.CREATED),
                                List.of(
                                        event("o" + i, 0, EventType.ORDER_CREATED),
                                        event("o" + i, 1, EventType.STOCK_RESERVED)));
            }
            Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
            OutboxPublisher.Settings s = new OutboxPublisher.Settings(
                    7, 3, Duration.ZERO, Duration.ZERO, Duration.ofSeconds(30), Duration.ofMillis(10));
            List<OutboxPublisher> pubs = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                JdbcBackend b = (i % 2 == 0 ? f : peer).backend();
                pubs.add(b.outboxPublisher(
                        e -> deliveries
                                .computeIfAbsent(e.id(), x -> new AtomicInteger())
                                .incrementAndGet(),
                        s));
            }
            ExecutorService ex = Executors.newFixedThreadPool(4);
            List<Future<?>> fs = new ArrayList<>();
            for (OutboxPublisher p : pubs) {
                fs.add(ex.submit(() -> {
                    for (int r = 0; r < 200 && p.count("PENDING") > 0; r++) {
                        p.publishPending();
                    }
                    return null;
                }));
            }
            for (Future<?> fu : fs) {
                fu.get(60, TimeUnit.SECONDS);
            }
            ex.shutdown();
            assertThat(deliveries).hasSize(orders * 2);
            assertThat(deliveries.values()).allSatisfy(n -> assertThat(n.get()).isEqualTo(1));
            assertThat(pubs.get(0).count("SENT")).isEqualTo(orders * 2L);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void publisherThreadDrainsTheOutbox(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            List<String> got = Collections.synchronizedList(new ArrayList<>());
            try (OutboxPublisher p = f.backend()
                    .outboxPublisher(
                            e -> got.add(e.id()),
                            new OutboxPublisher.Settings(
                                    5,
                                    3,
                                    Duration.ZERO,
                                    Duration.ZERO,
                                    Duration.ofSeconds(30),
                                    Duration.ofMillis(20)))) {
                p.start();
                for (int i = 0; i < 12; i++) {
                    f.orderStore()
                            .insert(
                                    order("o" + i, "k" + i, 0, OrderStatus.CREATED),
                                    List.of(event("o" + i, 0, EventType.ORDER_CREATED)));
                }
                long deadline = System.nanoTime() + 10_000_000_000L;
                while (got.size() < 12 && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
            }
            assertThat(got).hasSize(12).doesNotHaveDuplicates();
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void parkingAnOrderWritesItsEventToTheOutboxAndClaimsWriteNone(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            // FULFILLING with a payment the gateway never made: every capture is refused
            Order o = new Order(
                    "o-poison",
                    "shop",
                    "k-poison",
                    "f".repeat(64),
                    OrderStatus.FULFILLING,
                    "cust",
                    List.of(OrderLine.of("SKU-1", 1, 100)),
                    Money.of(100, "usd"),
                    "pm_card_visa",
                    Map.of(),
                    List.of(),
                    "pi_missing",
                    null,
                    3,
                    T0.minusSeconds(3600),
                    T0.minusSeconds(3600));
            assertThat(f.orderStore().insert(o, List.of())).isTrue();
            OrderKit kit = OrderKit.builder()
                    .stockStorage(f.stockStorage())
                    .idempotencyStore(f.idempotencyStore())
                    .orderStore(f.orderStore())
                    .stepTransactions(f.stepTransactions())
                    .clock(Clock.fixed(T0, ZoneOffset.UTC))
                    .recovery(RecoverySettings.defaults().withMaxAttempts(2))
                    .build();
            OutboxPublisher p = f.backend().outboxPublisher(e -> {}, OutboxPublisher.Settings.defaults());
            assertThat(kit.orders().recover().ordersFailed()).isEqualTo(1);
            assertThat(p.count("PENDING"))
                    .as("a claim and a recorded failure are no events")
                    .isZero();

            Clock later = Clock.fixed(T0.plusSeconds(30), ZoneOffset.UTC);
            OrderKit kit2 = OrderKit.builder()
                    .stockStorage(f.stockStorage())
                    .idempotencyStore(f.idempotencyStore())
                    .orderStore(f.orderStore())
                    .stepTransactions(f.stepTransactions())
                    .clock(later)
                    .recovery(RecoverySettings.defaults().withMaxAttempts(2))
                    .build();
            assertThat(kit2.orders().recover().ordersParked()).isEqualTo(1);
            List<OrderKitEvent> got = new CopyOnWriteArrayList<>();
            OutboxPublisher publisher = f.backend().outboxPublisher(got::add, OutboxPublisher.Settings.defaults());
            assertThat(publisher.publishPending()).isEqualTo(1);
            Order parked = f.orderStore().find("o-poison").orElseThrow();
            assertThat(parked.status()).isEqualTo(OrderStatus.NEEDS_ATTENTION);
            assertThat(got).singleElement().satisfies(e -> {
                assertThat(e.type()).isEqualTo(EventType.ORDER_NEEDS_ATTENTION);
                assertThat(e.subjectId()).isEqualTo("o-poison");
                assertThat(e.attributes())
                        .containsEntry("parkedFrom", "FULFILLING")
                        .containsEntry("attempts", "2")
                        .containsEntry("error", parked.recovery().lastError());
            });
            assertThat(kit2.orders().parked(5)).containsExactly(parked);
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void installerIsIdempotentAndSafeWhenInstancesStartTogether(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind);
                JdbcFixture peer = f.peer()) {
            // the fixture already migrated: nothing left to apply
            assertThat(f.backend().migrate()).isEmpty();
            // a fresh prefix, migrated by 4 "instances" at once: exactly one applies V1 to V8
            String prefix = f.backend().tablePrefix() + "x_";
            List<JdbcBackend> instances = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                instances.add(JdbcBackend.builder()
                        .dataSource((i % 2 == 0 ? f : peer).dataSource())
                        .tablePrefix(prefix)
                        .build());
            }
            ExecutorService ex = Executors.newFixedThreadPool(4);
            List<Future<List<Integer>>> fs = new ArrayList<>();
            for (JdbcBackend b : instances) {
                fs.add(ex.submit(b::migrate));
            }
            List<Integer> applied = new ArrayList<>();
            for (Future<List<Integer>> fu : fs) {
                applied.addAll(fu.get(60, TimeUnit.SECONDS));
            }
            ex.shutdown();
            assertThat(applied).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
            JdbcBackend b = instances.get(0);
            assertThat(b.stockStorage().adjust(StockKey.of("X"), 1, "ok", T0).onHand())
                    .isEqualTo(1);
            Jdbi.create(f.dataSource()).useHandle(h -> h.execute("DROP TABLE " + String.join(", ", b.tableNames())));
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void installerUpgradesASchemaFromV1ToV7KeepingItsData(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind);
                JdbcFixture peer = f.peer()) {
            String prefix = f.backend().tablePrefix() + "u_";
            JdbcBackend old = JdbcBackend.builder()
                    .dataSource(f.dataSource())
                    .tablePrefix(prefix)
                    .build();
            Jdbi jdbi = Jdbi.create(f.dataSource());
            StockKey kept = StockKey.of("KEPT");
            try {
                // a schema deployed with the first release: V1 only, with stock, a hold and an order
                SchemaInstaller v1 = new SchemaInstaller(new Db(jdbi, old.dialect(), prefix));
                assertThat(v1.migrate(1)).containsExactly(1);
                assertThat(v1.migrate(1)).isEmpty();
                // the hold r-old as the V1 code wrote it (2 of KEPT, due at T0 + 60 s)
                jdbi.useHandle(h -> {
                    h.execute("INSERT INTO " + prefix + "stock_level (sku, location, on_hand, reserved, version, "
                            + "updated_at) VALUES ('KEPT', 'default', 7, 2, 2, 0)");
                    h.execute(
                            "INSERT INTO " + prefix + "movement (sku, location, on_hand_delta, reserved_delta, reason, "
                                    + "reference, at) VALUES ('KEPT', 'default', 7, 0, 'ADJUST', 'restock at v1', 0)");
                    h.execute("INSERT INTO " + prefix + "reservation (id, state, expires_at, created_at, updated_at, "
                            + "version) VALUES ('r-old', 'HELD', " + Db.nanos(T0.plusSeconds(60)) + ", "
                            + Db.nanos(T0) + ", " + Db.nanos(T0) + ", 0)");
                    h.execute("INSERT INTO " + prefix + "reservation_line (reservation_id, line_no, sku, location, "
                            + "quantity) VALUES ('r-old', 0, 'KEPT', 'default', 2)");
                    h.execute(
                            "INSERT INTO " + prefix + "movement (sku, location, on_hand_delta, reserved_delta, reason, "
                                    + "reference, at) VALUES ('KEPT', 'default', 0, 2, 'RESERVE', 'r-old', "
                                    + Db.nanos(T0) + ")");
                });
                // an order as the V1 code wrote it: no next_attempt_at column, no recovery part in its body
                Order v1Order = order("o-old", "key-old", 0, OrderStatus.CREATED);
                String v1Body = Codec.write(v1Order).replaceFirst(",\"recovery\":\\{[^}]*\\}", "");
                assertThat(v1Body).doesNotContain("recovery");
                jdbi.useHandle(h -> h.createUpdate("INSERT INTO " + prefix + "orders (id, scope, idem_key, status, "
                                + "version, created_at, updated_at, body) VALUES ('o-old', 'shop', 'key-old', "
                                + "'CREATED', 0, :t, :t, :body)")
                        .bind("t", Db.nanos(T0))
                        .bind("body", v1Body)
                        .execute());
                // idempotency rows as the V1 code wrote them: one completed, one whose lease (token 2) expired
                jdbi.useHandle(h -> {
                    h.execute("INSERT INTO " + prefix
                            + "idempotency (scope, idem_key, fingerprint, resource_id, token, "
                            + "lease_until, completed, response, retain_until) VALUES ('shop', 'key-done', 'fp', "
                            + "'o-done', 1, 0, TRUE, '{\"old\":true}', " + Db.nanos(T0.plusSeconds(3600)) + ")");
                    h.execute(
                            "INSERT INTO " + prefix + "idempotency (scope, idem_key, fingerprint, resource_id, token, "
                                    + "lease_until, completed, response, retain_until) VALUES ('shop', 'key-busy', 'fp', "
                                    + "'o-busy', 2, " + Db.nanos(T0) + ", FALSE, NULL, NULL)");
                });
                assertThatThrownBy(() -> old.inboxStore().claim("test:m", T0, Duration.ofSeconds(30)))
                        .isInstanceOf(BackendUnavailableException.class);

                // the second release starts (on two instances at once): only V2 is applied, once
                SchemaInstaller v2a = new SchemaInstaller(new Db(jdbi, old.dialect(), prefix));
                SchemaInstaller v2b =
                        new SchemaInstaller(new Db(Jdbi.create(peer.dataSource()), old.dialect(), prefix));
                List<Integer> applied = new ArrayList<>(v2a.migrate(2));
                applied.addAll(v2b.migrate(2));
                assertThat(applied).containsExactly(2);
                assertThat(old.inboxStore().claim("test:m", T0, Duration.ofSeconds(30)))
                        .isEqualTo(Claim.ACQUIRED);
                // stock writes need the V3 table
                assertThatThrownBy(() -> old.stockStorage().adjust(kept, 1, "too early", T0))
                        .isInstanceOf(BackendUnavailableException.class);

                // the third release: only V3 is applied
                assertThat(new SchemaInstaller(new Db(jdbi, old.dialect(), prefix)).migrate(3))
                        .containsExactly(3);

                // the fourth release: only V4 is applied
                assertThat(new SchemaInstaller(new Db(jdbi, old.dialect(), prefix)).migrate(4))
                        .containsExactly(4);

                // the current release starts (on two instances at once): only V5 to V8 are applied, once
                JdbcBackend a = JdbcBackend.builder()
                        .dataSource(f.dataSource())
                        .tablePrefix(prefix)
                        .build();
                JdbcBackend b = JdbcBackend.builder()
                        .dataSource(peer.dataSource())
                        .tablePrefix(prefix)
                        .build();
                applied = new ArrayList<>(a.migrate());
                applied.addAll(b.migrate());
                assertThat(applied).containsExactly(5, 6, 7, 8, 9, 10, 11);
                assertThat(a.migrate()).isEmpty();
                List<Integer> history = jdbi.withHandle(
                        h -> h.createQuery("SELECT version FROM " + prefix + "schema_history ORDER BY version")
                                .mapTo(Integer.class)
                                .list());
                assertThat(history).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
                // V5 indexed the hold written before it by SKU and expiry
                assertThat(a.stockStorage().dueReservations(Set.of("KEPT"), T0.plusSeconds(60), 10))
                        .containsExactly("r-old");
                // the V1 order reads back whole (fresh recovery bookkeeping) and is due at its updated_at
                assertThat(a.orderStore().find("o-old")).contains(v1Order);
                assertThat(a.orderStore().findDue(Set.of(OrderStatus.CREATED), T0, 10))
                        .containsExactly(v1Order);
                assertThat(a.orderStore().findDue(Set.of(OrderStatus.CREATED), T0.minusNanos(1), 10))
                        .isEmpty();
                assertThat(indexNames(f, prefix + "orders")).contains((prefix + "orders_due").toLowerCase());

                // the data of every earlier version is still there and usable
                assertThat(a.stockStorage().level(kept)).hasValueSatisfying(l -> {
                    assertThat(l.onHand()).isEqualTo(7);
                    assertThat(l.reserved()).isEqualTo(2);
                });
                assertThat(b.inboxStore().claim("test:m", T0, Duration.ofSeconds(30)))
                        .isEqualTo(Claim.IN_PROGRESS);
                assertThat(a.orderStore().findByKey("shop", "key-old"))
                        .hasValueSatisfying(o -> assertThat(o.id()).isEqualTo("o-old"));
                assertThat(indexNames(f, prefix + "orders")).contains((prefix + "orders_key").toLowerCase());
                assertThat(a.stockStorage().transition("r-old", ReservationTransition.COMMIT, T0))
                        .isInstanceOf(TransitionResult.Applied.class);
                // and stock writes are idempotent on their reference, across instances
                var first = a.stockStorage().adjust(kept, 5, "after upgrade", T0);
                assertThat(first.onHand()).isEqualTo(12);
                assertThat(b.stockStorage().adjust(kept, 5, "after upgrade", T0.plusSeconds(1)))
                        .isEqualTo(first);
                assertThat(a.stockStorage().level(kept).orElseThrow().onHand()).isEqualTo(12);
                assertThat(InvariantChecker.checkStock(a.stockStorage())).isEmpty();
                // and the idempotency rows of V1 answer through core's claim table
                IdempotencyClaims keysA = new IdempotencyClaims(a.idempotencyStore());
                Duration lease = Duration.ofSeconds(30);
                assertThat(keysA.claim(ScopedKey.of("shop", "key-done"), "fp", "o-new", T0.plusSeconds(1), lease))
                        .isEqualTo(new ClaimResult.Completed("o-done", "{\"old\":true}"));
                ClaimResult.Acquired takeover = (ClaimResult.Acquired)
                        keysA.claim(ScopedKey.of("shop", "key-busy"), "fp", "o-new", T0.plusSeconds(1), lease);
                assertThat(takeover.resourceId()).isEqualTo("o-busy");
                assertThat(takeover.resumed()).isTrue();
                assertThat(takeover.fencingToken()).isGreaterThan(2);
                assertThatThrownBy(() -> keysA.complete(
                                ScopedKey.of("shop", "key-busy"), 2, "{}", T0.plusSeconds(1), T0.plusSeconds(60)))
                        .isInstanceOf(LeaseLostException.class);

                // V3 applied but not recorded (MySQL commits DDL statement by statement): re-running completes it
                jdbi.useHandle(h -> h.execute("DELETE FROM " + prefix + "schema_history WHERE version = 3"));
                assertThat(b.migrate()).containsExactly(3);
                assertThat(indexNames(f, prefix + "orders")).contains((prefix + "orders_key").toLowerCase());
                assertThat(a.stockStorage().adjust(kept, 5, "after upgrade", T0))
                        .isEqualTo(first);
                // likewise V4 (MySQL adds its columns only when information_schema does not list them)
                jdbi.useHandle(h -> h.execute("DELETE FROM " + prefix + "schema_history WHERE version = 4"));
                assertThat(a.migrate()).containsExactly(4);
                assertThat(new IdempotencyClaims(b.idempotencyStore())
                                .claim(ScopedKey.of("shop", "key-busy"), "fp", "o-new", T0.plusSeconds(1), lease))
                        .as("the repeat of the takeover's call after the re-run")
                        .isEqualTo(takeover);
                // likewise V5 (MySQL adds its column and index only when information_schema does not list it)
                jdbi.useHandle(h -> h.execute("DELETE FROM " + prefix + "schema_history WHERE version = 5"));
                assertThat(b.migrate()).containsExactly(5);
                assertThat(InvariantChecker.checkStock(a.stockStorage())).isEmpty();
                // likewise V7
                jdbi.useHandle(h -> h.execute("DELETE FROM " + prefix + "schema_history WHERE version = 7"));
                assertThat(b.migrate()).containsExactly(7);
                assertThat(a.orderStore().findDue(Set.of(OrderStatus.CREATED), T0, 10))
                        .containsExactly(v1Order);
            } finally {
                jdbi.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", old.tableNames())));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void concurrentStockWritesWithOneReferenceApplyOnceAcrossInstances(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind);
                JdbcFixture peer = f.peer()) {
            StockKey key = StockKey.of("RACE");
            int callers = 8;
            ExecutorService ex = Executors.newFixedThreadPool(callers);
            try {
                for (int round = 0; round < 10; round++) {
                    // odd rounds race on a level that does not exist yet (the first application creates it)
                    StockKey k = round % 2 == 0 ? key : StockKey.of("RACE-" + round);
                    long before = f.stockStorage().level(k).map(l -> l.onHand()).orElse(0L);
                    String ref = "delivery-" + round;
                    CountDownLatch go = new CountDownLatch(1);
                    List<Future<StockLevel>> fs = new ArrayList<>();
                    for (int i = 0; i < callers; i++) {
                        var storage = (i % 2 == 0 ? f : peer).stockStorage();
                        fs.add(ex.submit(() -> {
                            go.await();
                            return againAfterDeadlocks(() -> storage.adjust(k, 5, ref, T0.plusSeconds(1)));
                        }));
                    }
                    go.countDown();
                    List<StockLevel> results = new ArrayList<>();
                    for (Future<StockLevel> fu : fs) {
                        results.add(fu.get(60, TimeUnit.SECONDS));
                    }
                    assertThat(results)
                            .as("every caller sees the one application")
                            .containsOnly(results.get(0));
                    assertThat(f.stockStorage().level(k).orElseThrow().onHand()).isEqualTo(before + 5);
                    assertThat(f.stockStorage().movements(k))
                            .filteredOn(m -> m.reference().equals(ref))
                            .hasSize(1);
                }
                // the same for counts: one set applies, the others answer its level instead of a conflict
                var start = f.stockStorage().level(key).orElseThrow();
                CountDownLatch go = new CountDownLatch(1);
                List<Future<StockLevel>> fs = new ArrayList<>();
                for (int i = 0; i < callers; i++) {
                    var storage = (i % 2 == 0 ? f : peer).stockStorage();
                    fs.add(ex.submit(() -> {
                        go.await();
                        return againAfterDeadlocks(
                                () -> storage.setOnHand(key, 100, start.version(), "count-1", T0.plusSeconds(2)));
                    }));
                }
                go.countDown();
                for (Future<StockLevel> fu : fs) {
                    assertThat(fu.get(60, TimeUnit.SECONDS).version()).isEqualTo(start.version() + 1);
                }
                assertThat(f.stockStorage().level(key).orElseThrow().onHand()).isEqualTo(100);
                assertThat(f.stockStorage().movements(key))
                        .filteredOn(m -> m.reference().equals("count-1"))
                        .hasSize(1);
            } finally {
                ex.shutdownNow();
            }
            assertThat(InvariantChecker.checkStock(f.stockStorage())).isEmpty();
        }
    }

    /**
     * Runs a storage call the way core's conflict policy does: again after the database rolled its
     * transaction back (a deadlock or serialization failure, which the backend reports as a
     * {@link ConcurrencyConflictException} instead of retrying it). Any other conflict is an answer.
     */
    private static <T> T againAfterDeadlocks(Callable<T> call) throws Exception {
        for (int attempt = 1; ; attempt++) {
            try {
                return call.call();
            } catch (ConcurrencyConflictException e) {
                if (attempt >= 20 || !Db.isConflict(Db.sqlCause(e))) {
                    throw e;
                }
                Thread.sleep(attempt);
            }
        }
    }

    /** Lower-cased names of the indexes of a table (H2 reports upper-case names). */
    private static List<String> indexNames(JdbcFixture f, String table) throws SQLException {
        List<String> out = new ArrayList<>();
        try (var c = f.dataSource().getConnection()) {
            var md = c.getMetaData();
            for (String t : List.of(table, table.toUpperCase(Locale.ROOT))) {
                try (var rs = md.getIndexInfo(c.getCatalog(), c.getSchema(), t, false, false)) {
                    while (rs.next()) {
                        String name = rs.getString("INDEX_NAME");
                        if (name != null) {
                            out.add(name.toLowerCase(Locale.ROOT));
                        }
                    }
                }
            }
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void hostileIdentifiersAreStoredVerbatimAndHarmless(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            List<String> skus = List.of(
                    "'; DROP TABLE " + f.backend().tablePrefix() + "stock_level; --",
                    "quote'\"`\\",
                    "ünï©ødé ☃ 𝄞 日本",
                    "a",
                    "a ",
                    "A",
                    "%_*",
                    "x".repeat(StockKey.MAX_LENGTH));
            for (String sku : skus) {
                f.stockStorage().adjust(StockKey.of(sku, "lo'c ☃"), 5, "ref '; DELETE FROM x; -- ☃", T0);
            }
            // 'a', 'a ' and 'A' are three different SKUs (no case folding, no PAD SPACE)
            for (String sku : skus) {
                assertThat(f.stockStorage().levels(sku)).singleElement().satisfies(l -> {
                    assertThat(l.key()).isEqualTo(StockKey.of(sku, "lo'c ☃"));
                    assertThat(l.onHand()).isEqualTo(5);
                });
                List<Movement> ms = f.stockStorage().movements(StockKey.of(sku, "lo'c ☃"));
                assertThat(ms).singleElement().extracting(Movement::reference).isEqualTo("ref '; DELETE FROM x; -- ☃");
            }
            assertThat(f.stockStorage().allLevels()).hasSize(skus.size());
            String rid = "res '; DROP TABLE x; -- ☃";
            var r = f.stockStorage()
                    .reserve(
                            rid,
                            List.of(new AllocatedLine(StockKey.of(skus.get(0), "lo'c ☃"), 2)),
                            T0.plusSeconds(60),
                            T0);
            assertThat(r).isInstanceOf(ReserveResult.Reserved.class);
            assertThat(f.stockStorage()
                            .reservation(rid)
                            .orElseThrow()
                            .lines()
                            .get(0)
                            .key()
                            .sku())
                    .isEqualTo(skus.get(0));
            // instants keep nanosecond precision
            assertThat(f.stockStorage().reservation(rid).orElseThrow().expiresAt())
                    .isEqualTo(T0.plusSeconds(60));

            OrderKit kit = OrderKit.builder()
                    .stockStorage(f.stockStorage())
                    .idempotencyStore(f.idempotencyStore())
                    .orderStore(f.orderStore())
                    .paymentPort(new SimulatedPaymentPort())
                    .build();
            String key = ("k'\";DROP+TABLE+orders;--" + "\\%_").repeat(12).substring(0, 255);
            PlaceOrderRequest req = PlaceOrderRequest.builder(Scope.of("tenant '; -- ☃"), IdempotencyKey.of(key))
                    .customerRef("cust ' ☃")
                    .currency("usd")
                    .paymentMethod("pm_card_visa")
                    .metadata("note", "'); DELETE FROM orders; -- 𝄞")
                    .line(skus.get(2), 1, 250)
                    .build();
            PlaceOrderResult first = kit.orders().place(req);
            assertThat(first.outcome()).isEqualTo(PlacementOutcome.PLACED);
            PlaceOrderResult again = kit.orders().place(req);
            assertThat(again.replayed()).isTrue();
            assertThat(again.order().id()).isEqualTo(first.order().id());
            Order stored = f.orderStore().find(first.order().id()).orElseThrow();
            assertThat(stored.idempotencyKey()).isEqualTo(key);
            assertThat(stored.scope()).isEqualTo("tenant '; -- ☃");
            assertThat(stored.metadata()).containsEntry("note", "'); DELETE FROM orders; -- 𝄞");
            assertThat(InvariantChecker.checkOrders(f.stockStorage(), f.orderStore(), List.of(stored.id())))
                    .isEmpty();
            assertThat(f.stockStorage().allLevels()).hasSize(skus.size());
        }
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void dialectIsDetectedFromTheConnection(Kind kind) {
        try (JdbcFixture f = JdbcFixture.create(kind)) {
            JdbcDialect expected = switch (kind) {
                case POSTGRES -> JdbcDialect.POSTGRESQL;
                case MARIADB -> JdbcDialect.MYSQL;
                case H2 -> JdbcDialect.H2;
            };
            assertThat(f.backend().dialect()).isEqualTo(expected);
        }
        assertThatThrownBy(() -> JdbcDialect.detect("Oracle")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JdbcBackend.builder().tablePrefix("x; drop"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(T0.truncatedTo(ChronoUnit.SECONDS)).isBefore(T0);
    }
}
