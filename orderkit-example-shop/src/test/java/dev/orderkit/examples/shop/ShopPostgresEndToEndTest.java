package dev.orderkit.examples.shop;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orderkit.testkit.TestServices;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.core.env.Environment;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * The shop service on PostgreSQL (the {@code postgres} profile's backend): 127.0.0.1:5432 database
 * {@code test} (or {@code ORDERKIT_TEST_POSTGRES_URL}), in a schema of its own, dropped afterwards.
 * Skipped without a server unless {@code ORDERKIT_IT_REQUIRED} names postgres (then it fails).
 */
@ExtendWith(ShopPostgresEndToEndTest.DropSchema.class) // before @SpringBootTest: runs after the context closed
@SpringBootTest(
        classes = ShopApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "shop.stores.acme.api-key=" + ShopPostgresEndToEndTest.ACME,
            "shop.stores.globex.api-key=" + ShopPostgresEndToEndTest.GLOBEX,
            "shop.rate-limit.capacity=100000",
            "shop.rate-limit.refill-per-second=100000",
            "spring.datasource.hikari.maximum-pool-size=8",
        })
@DirtiesContext(classMode = DirtiesContext.ClassMode.AFTER_CLASS) // the pool lets go of the schema
class ShopPostgresEndToEndTest {
    static final String ACME = "sk_test_acme_pg";
    static final String GLOBEX = "sk_test_globex_pg";
    static String server;
    static final String SCHEMA =
            "shop_e2e_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

    @DynamicPropertySource
    static void postgres(DynamicPropertyRegistry registry) throws SQLException {
        server = TestServices.resolve(
                "postgres",
                "ORDERKIT_TEST_POSTGRES_URL",
                5432,
                "jdbc:postgresql://127.0.0.1:5432/test?user=postgres",
                null);
        exec("CREATE SCHEMA " + SCHEMA);
        String sep = server.contains("?") ? "&" : "?";
        registry.add("spring.datasource.url", () -> server + sep + "currentSchema=" + SCHEMA);
    }

    @Autowired
    Environment env;

    /** Drops the test's schema once Spring closed the context. */
    static final class DropSchema implements AfterAllCallback {
        @Override
        public void afterAll(ExtensionContext extension) throws SQLException {
            if (server != null) {
                exec("DROP SCHEMA IF EXISTS " + SCHEMA + " CASCADE");
            }
        }
    }

    static void exec(String sql) throws SQLException {
        try (Connection c = DriverManager.getConnection(server);
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    @Test
    void placeConcurrentlyOnceCancelAndIsolateStoresOnPostgres() throws Exception {
        Http acme = new Http(env.getRequiredProperty("local.server.port", Integer.class), ACME);
        String sku = "pg-" + UUID.randomUUID();
        acme.stock(sku, 10);
        String customer = "cust-" + UUID.randomUUID();
        String body = Http.order(customer, "pm_card_visa", sku, 2);
        String key = "key-" + UUID.randomUUID();

        ExecutorService pool = Executors.newFixedThreadPool(20);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> calls = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        try {
            for (int i = 0; i < 20; i++) {
                calls.add(pool.submit(() -> {
                    go.await();
                    return acme.post("/v1/orders", key, body);
                }));
            }
            go.countDown();
            for (Future<HttpResponse<String>> f : calls) {
                HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isIn(201, 409);
                if (r.statusCode() == 201) {
                    ids.add(Http.json(r).get("order").get("id").asString());
                }
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(ids).hasSize(1);
        String id = ids.iterator().next();
        assertThat(Http.json(acme.get("/v1/orders?customer=" + customer)).get("orders"))
                .hasSize(1);
        assertThat(acme.available(sku)).isEqualTo(8);

        HttpResponse<String> got = acme.get("/v1/orders/" + id);
        String etag = got.headers().firstValue("ETag").orElseThrow();
        assertThat(acme.send(acme.request("/v1/orders/" + id)
                                .header("If-None-Match", etag)
                                .GET())
                        .statusCode())
                .isEqualTo(304);
        assertThat(acme.as(GLOBEX).get("/v1/orders/" + id).statusCode()).isEqualTo(404);

        HttpResponse<String> out =
                acme.post("/v1/orders", "key-" + UUID.randomUUID(), Http.order(customer, "pm_card_visa", sku, 9));
        assertThat(Http.json(out).get("outcome").asString()).isEqualTo("OUT_OF_STOCK");

        JsonNode cancelled = Http.json(acme.post("/v1/orders/" + id + "/cancel", ""));
        assertThat(cancelled.get("status").asString()).isEqualTo("CANCELLED");
        assertThat(acme.available(sku)).isEqualTo(10);
        // the rows are in this test's schema
        try (Connection c = DriverManager.getConnection(server);
                Statement s = c.createStatement();
                var rs = s.executeQuery("SELECT count(*) FROM " + SCHEMA + ".shop_orders")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getLong(1)).isGreaterThanOrEqualTo(2);
        }
    }
}
