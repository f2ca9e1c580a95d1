package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.core.Money;
import dev.orderkit.core.Order;
import dev.orderkit.core.OrderFilter;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.OrderLine;
import dev.orderkit.core.OrderPage;
import dev.orderkit.core.OrderService;
import dev.orderkit.core.OrderStatus;
import dev.orderkit.core.PageRequest;
import dev.orderkit.core.Scope;
import dev.orderkit.core.spi.OrderPosition;
import dev.orderkit.jdbc.TestDatabases.Kind;
import dev.orderkit.jdbc.internal.Codec;
import dev.orderkit.jdbc.internal.Db;
import dev.orderkit.jdbc.internal.SchemaInstaller;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.core.statement.PreparedBatch;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The V8 upgrade (order listing columns and indexes) of a populated V7 schema while an instance on
 * the V7 code keeps inserting and updating orders, on every dialect: the old rows and the rows the
 * old code writes during and after the upgrade are all listed, by every filter, once
 * {@code migrate()} ran again (the next instance start), which fills in their customer reference.
 */
class JdbcOrderListingUpgradeTest {
    private static final Instant T0 = Instant.parse("2026-11-20T08:00:00.000000001Z");
    private static final Scope SHOP = Scope.of("shop");
    private static final OrderStatus[] STATUSES = {OrderStatus.CONFIRMED, OrderStatus.CREATED, OrderStatus.FULFILLED};

    private static Order order(String id, String scope, String customer, OrderStatus status, Instant at) {
        return new Order(
                id,
                scope,
                "key-" + id,
                "f".repeat(64),
                status,
                customer,
                List.of(OrderLine.of("SKU-1", 1, 100)),
                Money.of(100, "usd"),
                "pm_card_visa",
                Map.of(),
                List.of(),
                null,
                null,
                0,
                at,
                at);
    }

    /** An insert as the V7 code wrote it: no customer_ref column. */
    private static final String V7_INSERT = "INSERT INTO %sorders (id, scope, idem_key, status, version, created_at, "
            + "updated_at, next_attempt_at, body) VALUES (:id, :scope, :k, :status, :v, :c, :u, :due, :body)";

    private static void bindV7(PreparedBatch b, Order o) {
        b.bind("id", o.id())
                .bind("scope", o.scope())
                .bind("k", o.idempotencyKey())
                .bind("status", o.status().name())
                .bind("v", o.version())
                .bind("c", Db.nanos(o.createdAt()))
                .bind("u", Db.nanos(o.updatedAt()))
                .bind("due", Db.nanos(o.recovery().nextAttemptAt()))
                .bind("body", Codec.write(o))
                .add();
    }

    private static List<String> expected(Iterable<Order> all, Predicate<Order> matching) {
        List<Order> out = new ArrayList<>();
        for (Order o : all) {
            if (o.scope().equals(SHOP.value()) && matching.test(o)) {
                out.add(o);
            }
        }
        out.sort(Comparator.comparing(OrderPosition::of, OrderPosition.LISTING_ORDER));
        return out.stream().map(Order::id).toList();
    }

    private static List<String> listed(OrderService svc, OrderFilter filter, int size) {
        List<String> out = new ArrayList<>();
        OrderPage page = svc.list(SHOP, filter, PageRequest.first(size));
        out.addAll(page.orders().stream().map(Order::id).toList());
        while (page.nextCursor() != null) {
            page = svc.list(SHOP, filter, PageRequest.after(page.nextCursor(), size));
            out.addAll(page.orders().stream().map(Order::id).toList());
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void populatedV7SchemaUpgradesToV8WhileTheOldCodeKeepsWriting(Kind kind) throws Exception {
        try (JdbcFixture f = JdbcFixture.create(kind);
                JdbcFixture peer = f.peer()) {
            String prefix = f.backend().tablePrefix() + "l_";
            Jdbi jdbi = Jdbi.create(f.dataSource());
            JdbcBackend a = JdbcBackend.builder()
                    .dataSource(f.dataSource())
                    .tablePrefix(prefix)
                    .build();
            JdbcBackend b = JdbcBackend.builder()
                    .dataSource(peer.dataSource())
                    .tablePrefix(prefix)
                    .build();
            ExecutorService oldInstance = Executors.newSingleThreadExecutor();
            try {
                // the schema of the previous release, V1 to V7, holding more orders than two backfill batches
                assertThat(new SchemaInstaller(new Db(jdbi, a.dialect(), prefix)).migrate(7))
                        .containsExactly(1, 2, 3, 4, 5, 6, 7);
                Map<String, Order> model = new ConcurrentHashMap<>();
                int old = 2 * SchemaInstaller.BACKFILL_BATCH + 37;
                jdbi.useHandle(h -> {
                    PreparedBatch batch = h.prepareBatch(String.format(V7_INSERT, prefix));
                    for (int i = 0; i < old; i++) {
                        Order o = order(
                                String.format("old-%05d", i),
                                i % 5 == 4 ? "other" : SHOP.value(),
                                "cust-" + (i % 7),
                                STATUSES[i % 3],
                                T0.plusMillis(i / 3)); // triples share an instant
                        bindV7(batch, o);
                        model.put(o.id(), o);
                    }
                    batch.execute();
                });

                // an instance on the V7 code keeps inserting and confirming orders throughout
                AtomicBoolean stop = new AtomicBoolean();
                AtomicInteger written = new AtomicInteger();
                AtomicInteger failedWrites = new AtomicInteger();
                // H2 loses rows inserted by another connection while ALTER TABLE ADD COLUMN copies the
                // table (seen here): an embedded H2 database is upgraded while nothing writes to it
                ReentrantReadWriteLock quiet = new ReentrantReadWriteLock();
                Future<?> writer = oldInstance.submit(() -> {
                    for (int i = 0; !stop.get() && i < 400; i++) {
                        Order o = order(
                                String.format("mid-%05d", i),
                                SHOP.value(),
                                "cust-" + (i % 7),
                                OrderStatus.CREATED,
                                T0.plusSeconds(3600).plusMillis(i));
                        quiet.readLock().lock();
                        try {
                            jdbi.useHandle(h -> {
                                PreparedBatch batch = h.prepareBatch(String.format(V7_INSERT, prefix));
                                bindV7(batch, o);
                                batch.execute();
                            });
                            model.put(o.id(), o);
                            written.incrementAndGet();
                            Order prev = model.get(String.format("old-%05d", i * 3 + 1)); // a CREATED one
                            if (prev != null && prev.status() == OrderStatus.CREATED) {
                                Order next = prev.transition(
                                        OrderStatus.CONFIRMED, prev.updatedAt().plusSeconds(1));
                                int n = jdbi.withHandle(h -> v7Update(h, prefix, next, prev.version()));
                                if (n == 1) {
                                    model.put(next.id(), next);
                                }
                            }
                        } catch (RuntimeException e) {
                            failedWrites.incrementAndGet(); // e.g. blocked past a lock timeout by the DDL
                        } finally {
                            quiet.readLock().unlock();
                        }
                    }
                    return null;
                });
                while (written.get() < 20 && !writer.isDone()) {
                    Thread.sleep(5);
                }

                // the new release starts on two instances at once: V8 is applied once, old rows filled in
                ExecutorService starters = Executors.newFixedThreadPool(2);
                boolean h2 = kind == Kind.H2;
                if (h2) {
                    quiet.writeLock().lock();
                }
                List<Integer> applied;
                try {
                    Future<List<Integer>> fa = starters.submit(a::migrate);
                    Future<List<Integer>> fb = starters.submit(b::migrate);
                    applied = new ArrayList<>(fa.get(120, TimeUnit.SECONDS));
                    applied.addAll(fb.get(120, TimeUnit.SECONDS));
                } finally {
                    if (h2) {
                        quiet.writeLock().unlock();
                    }
                    starters.shutdown();
                }
                assertThat(applied).containsExactly(8, 9, 10, 11);
                while (written.get() < 60 && !writer.isDone()) {
                    Thread.sleep(5);
                }
                stop.set(true);
                writer.get(120, TimeUnit.SECONDS);
                assertThat(written.get()).isGreaterThanOrEqualTo(60);

                OrderService svc = OrderKit.builder()
                        .stockStorage(a.stockStorage())
                        .idempotencyStore(a.idempotencyStore())
                        .orderStore(a.orderStore())
                        .build()
                        .orders();
                // every order, old or written by the old code, is listed once, in order, unfiltered and by status
                assertThat(listed(svc, OrderFilter.all(), 97)).isEqualTo(expected(model.values(), o -> true));
                OrderFilter created = OrderFilter.all().withStatuses(OrderStatus.CREATED);
                assertThat(listed(svc, created, 50)).isEqualTo(expected(model.values(), created::matches));

                // the next start of an instance fills in what the old code inserted after the backfill
                assertThat(a.migrate()).isEmpty();
                long missing = jdbi.withHandle(
                        h -> h.createQuery("SELECT COUNT(*) FROM " + prefix + "orders WHERE customer_ref IS NULL")
                                .mapTo(Long.class)
                                .one());
                assertThat(missing).isZero();
                for (OrderFilter filter : List.of(
                        OrderFilter.all().withCustomer("cust-3"),
                        OrderFilter.all()
                                .withCustomer("cust-0")
                                .withStatuses(OrderStatus.CREATED, OrderStatus.FULFILLED),
                        OrderFilter.all().withStatuses(OrderStatus.CONFIRMED, OrderStatus.FULFILLED),
                        OrderFilter.all()
                                .createdBetween(
                                        T0.plusMillis(50), T0.plusSeconds(3600).plusMillis(10)))) {
                    List<String> want = expected(model.values(), filter::matches);
                    assertThat(want).as("%s", filter).hasSizeGreaterThan(10);
                    assertThat(listed(svc, filter, 64)).as("%s", filter).isEqualTo(want);
                }
                assertThat(indexNames(f, prefix + "orders"))
                        .contains(
                                (prefix + "orders_list").toLowerCase(Locale.ROOT),
                                (prefix + "orders_list_status").toLowerCase(Locale.ROOT),
                                (prefix + "orders_list_customer").toLowerCase(Locale.ROOT));

                // the new code writes the column with every insert and update
                Order fresh = order("new-1", SHOP.value(), "cust-new", OrderStatus.CREATED, T0.plusSeconds(7200));
                assertThat(a.orderStore().insert(fresh, List.of())).isTrue();
                assertThat(customerRefOf(jdbi, prefix, "new-1")).isEqualTo("cust-new");
                jdbi.useHandle(
                        h -> h.execute("UPDATE " + prefix + "orders SET customer_ref = NULL WHERE id = 'new-1'"));
                assertThat(b.orderStore()
                                .update(fresh.transition(OrderStatus.CONFIRMED, T0.plusSeconds(7201)), 0, List.of()))
                        .isTrue();
                assertThat(customerRefOf(jdbi, prefix, "new-1")).isEqualTo("cust-new");

                // V8 applied but not recorded (MySQL commits DDL statement by statement): re-running completes it
                jdbi.useHandle(h -> h.execute("DELETE FROM " + prefix + "schema_history WHERE version = 8"));
                assertThat(b.migrate()).containsExactly(8);
                assertThat(listed(svc, OrderFilter.all().withCustomer("cust-3"), 64))
                        .isEqualTo(expected(model.values(), o -> o.customerRef().equals("cust-3")));
            } finally {
                oldInstance.shutdownNow();
                jdbi.useHandle(h -> h.execute("DROP TABLE IF EXISTS " + String.join(", ", a.tableNames())));
            }
        }
    }

    /** An update as the V7 code wrote it: status, version, times and body, no customer_ref. */
    private static int v7Update(Handle h, String prefix, Order next, long expectedVersion) {
        return h.createUpdate("UPDATE " + prefix + "orders SET status = :status, version = :v, updated_at = :u, "
                        + "next_attempt_at = :due, body = :body WHERE id = :id AND version = :ev")
                .bind("status", next.status().name())
                .bind("v", next.version())
                .bind("u", Db.nanos(next.updatedAt()))
                .bind("due", Db.nanos(next.recovery().nextAttemptAt()))
                .bind("body", Codec.write(next))
                .bind("id", next.id())
                .bind("ev", expectedVersion)
                .execute();
    }

    private static String customerRefOf(Jdbi jdbi, String prefix, String id) {
        // VARBINARY on MySQL/MariaDB: read as bytes, decoded as UTF-8
        return jdbi.withHandle(h -> h.createQuery("SELECT customer_ref FROM " + prefix + "orders WHERE id = :id")
                .bind("id", id)
                .map((rs, ctx) -> isMysql(h) ? new String(rs.getBytes(1), StandardCharsets.UTF_8) : rs.getString(1))
                .one());
    }

    private static boolean isMysql(Handle h) {
        try {
            return h.getConnection()
                    .getMetaData()
                    .getDatabaseProductName()
                    .toLowerCase(Locale.ROOT)
                    .matches(".*(mysql|mariadb).*");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
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
}
