package dev.orderkit.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import dev.orderkit.jdbc.internal.JdbcOrderStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * With 100,000 orders (10 scopes, 2,000 customers, 2% CREATED) and fresh statistics, PostgreSQL
 * plans every page of the listing as a range scan of a V8 index, never a sequential scan of the
 * orders table: the plans are read from {@code EXPLAIN (FORMAT JSON)}, and the pages are checked
 * against the expected ids.
 */
class PostgresOrderListingPlanTest {
    private static final Logger LOG = LoggerFactory.getLogger(PostgresOrderListingPlanTest.class);
    private static final int ORDERS = 100_000;
    private static final Instant BASE = Instant.parse("2026-01-01T00:00:00Z");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Node types, relation names and index names of every node of a JSON plan. */
    private static void nodes(JsonNode n, List<String> out) {
        if (n.isObject() && n.has("Node Type")) {
            out.add(n.get("Node Type").asText() + " on "
                    + (n.has("Relation Name") ? n.get("Relation Name").asText() : "-") + " using "
                    + (n.has("Index Name") ? n.get("Index Name").asText() : "-"));
        }
        for (JsonNode child : n) {
            nodes(child, out);
        }
    }

    private static List<String> plan(JdbcOrderStore store, Scope scope, OrderFilter f, OrderPosition after)
            throws Exception {
        List<String> out = new ArrayList<>();
        for (String row : store.explainList(scope.value(), f, after, PageRequest.DEFAULT_SIZE + 1)) {
            nodes(JSON.readTree(row), out);
        }
        return out;
    }

    /** The ids of scope {@code shop-3} that match, newest first (the generator's g descending). */
    private static List<String> expected(IntPredicate matching, int from, int count) {
        List<String> out = new ArrayList<>();
        for (int g = from; g >= 1 && out.size() < count; g--) {
            if (g % 10 == 3 && matching.test(g)) {
                out.add(String.format("o-%07d", g));
            }
        }
        return out;
    }

    @Test
    void filteredPagesOfAHundredThousandOrdersUseTheListingIndexes() throws Exception {
        try (JdbcFixture f = JdbcFixture.create(Kind.POSTGRES)) {
            String p = f.backend().tablePrefix();
            Jdbi jdbi = Jdbi.create(f.dataSource());
            Order template = new Order(
                    "TEMPLATE-ID",
                    "TEMPLATE-SCOPE",
                    "TEMPLATE-KEY",
                    "f".repeat(64),
                    OrderStatus.CREATED,
                    "TEMPLATE-CUST",
                    List.of(OrderLine.of("SKU-1", 1, 100)),
                    Money.of(100, "usd"),
                    "pm_card_visa",
                    Map.of(),
                    List.of(),
                    null,
                    null,
                    0,
                    BASE,
                    BASE);
            String body = Codec.write(template);
            assertThat(body).contains("\"status\":\"CREATED\"").contains("\"createdAt\":\"2026-01-01T00:00:00Z\"");
            long t0 = System.nanoTime();
            // one multi-row INSERT ... SELECT: g = 1..100,000; scope g % 10; customer (g / 10) % 2000;
            // CREATED when (g / 10) % 50 = 0 (2%), CANCELLED when g % 7 = 0, else FULFILLED
            String status = "CASE WHEN (g / 10) % 50 = 0 THEN 'CREATED' WHEN g % 7 = 0 THEN 'CANCELLED' "
                    + "ELSE 'FULFILLED' END";
            int inserted = jdbi.withHandle(h -> h.createUpdate("INSERT INTO " + p + "orders (id, scope, idem_key, "
                            + "status, version, created_at, updated_at, next_attempt_at, customer_ref, body) "
                            + "SELECT id, scope, 'k-' || g, st, 0, :base + g * 1000000::bigint, :base, :base, cust, "
                            + "replace(replace(replace(replace(replace(:body, 'TEMPLATE-ID', id), 'TEMPLATE-SCOPE', scope), "
                            + "'TEMPLATE-CUST', cust), '\"status\":\"CREATED\"', '\"status\":\"' || st || '\"'), "
                            + "'\"createdAt\":\"2026-01-01T00:00:00Z\"', '\"createdAt\":\"' || to_char(timestamp "
                            + "'2026-01-01 00:00:00' + g * interval '1 millisecond', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS') "
                            + "|| 'Z\"') "
                            + "FROM (SELECT g, 'o-' || lpad(g::text, 7, '0') AS id, 'shop-' || (g % 10) AS scope, "
                            + "'cust-' || ((g / 10) % 2000) AS cust, " + status + " AS st "
                            + "FROM generate_series(1, :n) g) s")
                    .bind("base", Db.nanos(BASE))
                    .bind("body", body)
                    .bind("n", ORDERS)
                    .execute());
            assertThat(inserted).isEqualTo(ORDERS);
            jdbi.useHandle(h -> h.execute("ANALYZE " + p + "orders"));
            LOG.info("inserted and analyzed {} orders in {} ms", ORDERS, (System.nanoTime() - t0) / 1_000_000);

            JdbcOrderStore store = (JdbcOrderStore) f.backend().orderStore();
            Scope shop = Scope.of("shop-3");
            OrderPosition middle = new OrderPosition(BASE.plusNanos(50_003L * 1_000_000), "o-0050003");
            record Case(OrderFilter filter, String index) {}
            List<Case> cases = List.of(
                    new Case(OrderFilter.all().withStatuses(OrderStatus.CREATED), p + "orders_list_status"),
                    new Case(
                            OrderFilter.all().withStatuses(OrderStatus.CREATED, OrderStatus.CANCELLED),
                            p + "orders_list_status"),
                    new Case(OrderFilter.all().withCustomer("cust-7"), p + "orders_list_customer"),
                    new Case(
                            OrderFilter.all().withCustomer("cust-7").withStatuses(OrderStatus.FULFILLED),
                            p + "orders_list_customer"),
                    new Case(OrderFilter.all(), p + "orders_list"),
                    new Case(
                            OrderFilter.all()
                                    .withStatuses(OrderStatus.CREATED)
                                    .createdBetween(BASE.plusSeconds(10), BASE.plusSeconds(90)),
                            p + "orders_list_status"));
            for (Case c : cases) {
                for (OrderPosition after : new OrderPosition[] {null, middle}) {
                    List<String> nodes = plan(store, shop, c.filter(), after);
                    LOG.info("plan of {} after {}: {}", c.filter(), after, nodes);
                    assertThat(nodes).as("%s after %s", c.filter(), after).noneMatch(n -> n.startsWith("Seq Scan"));
                    assertThat(nodes)
                            .as("%s after %s", c.filter(), after)
                            .anyMatch(n ->
                                    n.matches("Index (Only )?Scan( Backward)? on " + p + "orders using " + c.index()));
                }
            }

            // and the pages hold what they should
            OrderService svc = OrderKit.builder()
                    .stockStorage(f.stockStorage())
                    .idempotencyStore(f.idempotencyStore())
                    .orderStore(f.orderStore())
                    .build()
                    .orders();
            OrderFilter created = OrderFilter.all().withStatuses(OrderStatus.CREATED);
            OrderPage first = svc.list(shop, created, PageRequest.first());
            OrderPage second = svc.list(shop, created, PageRequest.after(first.nextCursor(), 50));
            List<String> want = expected(g -> (g / 10) % 50 == 0, ORDERS, 100);
            assertThat(first.orders()).extracting(Order::id).isEqualTo(want.subList(0, 50));
            assertThat(second.orders()).extracting(Order::id).isEqualTo(want.subList(50, 100));
            assertThat(second.orders())
                    .allMatch(
                            o -> o.status() == OrderStatus.CREATED && o.scope().equals("shop-3"));
            OrderFilter customer = OrderFilter.all().withCustomer("cust-7");
            assertThat(svc.list(shop, customer, PageRequest.first(100)).orders())
                    .extracting(Order::id)
                    .isEqualTo(expected(g -> (g / 10) % 2000 == 7, ORDERS, 100))
                    .hasSize(5);
            // a rough latency figure (warm, 20 pages): logged, not asserted
            long q0 = System.nanoTime();
            for (int i = 0; i < 20; i++) {
                svc.list(shop, created, PageRequest.after(first.nextCursor(), 50));
            }
            LOG.info(
                    "a status-filtered page of 50 from {} orders: {} us on average over 20 pages",
                    ORDERS,
                    (System.nanoTime() - q0) / 20_000);
        }
    }
}
