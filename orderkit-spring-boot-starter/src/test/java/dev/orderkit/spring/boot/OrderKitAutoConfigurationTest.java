package dev.orderkit.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.event.EventType;
import dev.orderkit.core.event.OrderKitEvent;
import dev.orderkit.core.memory.InMemoryIdempotencyStore;
import dev.orderkit.core.memory.InMemoryInboxStore;
import dev.orderkit.core.memory.InMemoryOrderStore;
import dev.orderkit.core.memory.InMemoryStockStorage;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.core.spi.IdempotencyStore;
import dev.orderkit.core.spi.InboxStore;
import dev.orderkit.core.spi.OrderStore;
import dev.orderkit.core.spi.OutboxStore;
import dev.orderkit.core.spi.StockStorage;
import dev.orderkit.jdbc.JdbcBackend;
import dev.orderkit.jdbc.JdbcDialect;
import dev.orderkit.redis.RedisBackend;
import dev.orderkit.spring.boot.internal.KitRecipe;
import dev.orderkit.stripe.StripePaymentPort;
import dev.orderkit.stripe.StripeWebhookHandler;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/** Context tests: which backend each combination of beans and properties selects, and user overrides. */
class OrderKitAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(
                    AutoConfigurations.of(OrderKitAutoConfiguration.class, OrderKitHealthAutoConfiguration.class));

    static String prefix() {
        return "sb" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";
    }

    @Test
    void inMemoryByDefault() {
        runner.run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(OrderKit.class);
            assertThat(ctx).doesNotHaveBean(JdbcBackend.class).doesNotHaveBean(RedisBackend.class);
            assertThat(ctx).doesNotHaveBean(StripePaymentPort.class).doesNotHaveBean(StripeWebhookHandler.class);
            assertThat(ctx.getBean(StockStorage.class)).isInstanceOf(InMemoryStockStorage.class);
            assertThat(ctx.getBean(IdempotencyStore.class)).isInstanceOf(InMemoryIdempotencyStore.class);
            assertThat(ctx.getBean(OrderStore.class)).isInstanceOf(InMemoryOrderStore.class);
            assertThat(ctx.getBean(InboxStore.class)).isInstanceOf(InMemoryInboxStore.class);
            assertThat(ctx.getBean(KitRecipe.class).payments()).isNull();
            assertThat(ctx.getBean(OrderKitBackgroundLifecycle.class).isRunning())
                    .isTrue();
            OrderKit kit = ctx.getBean(OrderKit.class);
            assertThat(kit.background().enabled()).isFalse(); // the lifecycle's own kit runs it
            Kits.placeOneOrder(kit);
        });
    }

    @Test
    void propertiesReachTheKit() {
        runner.withPropertyValues(
                        "orderkit.key-retention=2h", "orderkit.reservation-ttl=7m", "orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(OrderKitBackgroundLifecycle.class);
                    OrderKit kit = ctx.getBean(OrderKit.class);
                    assertThat(kit.config().keyRetention()).isEqualTo(Duration.ofHours(2));
                    assertThat(kit.config().reservationTtl()).isEqualTo(Duration.ofMinutes(7));
                });
    }

    @Test
    void h2DataSourceSelectsJdbcAndMigrates() {
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        runner.withBean(DataSource.class, () -> pool(db, "sa", ""))
                .withPropertyValues("orderkit.jdbc.table-prefix=shop_")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    JdbcBackend jdbc = ctx.getBean(JdbcBackend.class);
                    assertThat(jdbc.dialect()).isEqualTo(JdbcDialect.H2);
                    assertThat(jdbc.tablePrefix()).isEqualTo("shop_");
                    assertThat(ctx.getBean(StockStorage.class)).isSameAs(jdbc.stockStorage());
                    assertThat(ctx.getBean(IdempotencyStore.class)).isSameAs(jdbc.idempotencyStore());
                    assertThat(ctx.getBean(OrderStore.class)).isSameAs(jdbc.orderStore());
                    assertThat(ctx.getBean(InboxStore.class)).isSameAs(jdbc.inboxStore());
                    assertThat(ctx.getBean(KitRecipe.class).steps()).isSameAs(jdbc.stepTransactions());
                    String id = Kits.placeOneOrder(ctx.getBean(OrderKit.class))
                            .order()
                            .id();
                    assertThat(count(
                                    ctx.getBean(DataSource.class),
                                    "SELECT COUNT(*) FROM shop_orders WHERE id = '" + id + "'"))
                            .isEqualTo(1);
                    Map.Entry<String, Map<String, Object>> health =
                            Kits.health(ctx.getBean("orderkitJdbcHealthIndicator"));
                    assertThat(health.getKey()).isEqualTo("UP");
                    assertThat(health.getValue()).containsEntry("dialect", "H2").containsEntry("outboxDead", 0L);
                });
    }

    /** Without an EventSink bean the outbox is still drained (marked sent), so the purge can delete it. */
    @Test
    void withoutAnEventSinkTheJdbcOutboxStillDrains() {
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        runner.withBean(DataSource.class, () -> pool(db, "sa", ""))
                .withPropertyValues("orderkit.background.outbox-every=100ms")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(EventSink.class);
                    Kits.placeOneOrder(ctx.getBean(OrderKit.class));
                    DataSource ds = ctx.getBean(DataSource.class);
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (count(ds, "SELECT COUNT(*) FROM ok_outbox WHERE status <> 'SENT'") > 0
                            && System.nanoTime() < deadline) {
                        Thread.sleep(50);
                    }
                    assertThat(count(ds, "SELECT COUNT(*) FROM ok_outbox")).isPositive();
                    assertThat(count(ds, "SELECT COUNT(*) FROM ok_outbox WHERE status <> 'SENT'"))
                            .as("pending outbox rows")
                            .isZero();
                });
    }

    @Test
    void migrateFalseLeavesTheSchemaToFlyway() {
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        runner.withBean(DataSource.class, () -> pool(db, "sa", ""))
                .withPropertyValues("orderkit.jdbc.migrate=false", "orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(JdbcBackend.class);
                    assertThat(
                                    count(
                                            ctx.getBean(DataSource.class),
                                            "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) LIKE 'ok_%'"))
                            .isZero();
                    assertThat(Kits.health(ctx.getBean("orderkitJdbcHealthIndicator"))
                                    .getKey())
                            .isEqualTo("DOWN");
                });
    }

    @Test
    void postgresDataSourceSelectsJdbc() {
        String prefix = prefix();
        runner.withBean(DataSource.class, () -> pool("jdbc:postgresql://127.0.0.1:5432/test", "postgres", ""))
                .withPropertyValues("orderkit.jdbc.table-prefix=" + prefix, "orderkit.background.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    JdbcBackend jdbc = ctx.getBean(JdbcBackend.class);
                    try {
                        assertThat(jdbc.dialect()).isEqualTo(JdbcDialect.POSTGRESQL);
                        assertThat(ctx.getBean(OrderStore.class)).isSameAs(jdbc.orderStore());
                        String id = Kits.placeOneOrder(ctx.getBean(OrderKit.class))
                                .order()
                                .id();
                        assertThat(count(
                                        ctx.getBean(DataSource.class),
                                        "SELECT COUNT(*) FROM " + prefix + "orders WHERE id = '" + id + "'"))
                                .isEqualTo(1);
                        assertThat(Kits.health(ctx.getBean("orderkitJdbcHealthIndicator"))
                                        .getKey())
                                .isEqualTo("UP");
                    } finally {
                        dropTables(ctx.getBean(DataSource.class), jdbc);
                    }
                });
    }

    @Test
    void unifiedJedisBeanSelectsRedisForStockKeysAndInbox() {
        String prefix = "boot-" + UUID.randomUUID() + ":";
        runner.withBean(UnifiedJedis.class, () -> RedisClient.create("127.0.0.1", 6379))
                .withPropertyValues("orderkit.redis.key-prefix=" + prefix)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    RedisBackend redis = ctx.getBean(RedisBackend.class);
                    try {
                        assertThat(redis.keyPrefix()).isEqualTo(prefix);
                        assertThat(ctx.getBean(StockStorage.class)).isSameAs(redis.stockStorage());
                        assertThat(ctx.getBean(IdempotencyStore.class)).isSameAs(redis.idempotencyStore());
                        assertThat(ctx.getBean(InboxStore.class)).isSameAs(redis.inboxStore());
                        assertThat(ctx.getBean(OrderStore.class)).isInstanceOf(InMemoryOrderStore.class);
                        Kits.placeOneOrder(ctx.getBean(OrderKit.class));
                        try (UnifiedJedis probe = RedisClient.create("127.0.0.1", 6379)) {
                            assertThat(probe.keys(prefix + "*")).isNotEmpty();
                        }
                        Map.Entry<String, Map<String, Object>> health =
                                Kits.health(ctx.getBean("orderkitRedisHealthIndicator"));
                        assertThat(health.getKey()).isEqualTo("UP");
                        assertThat(health.getValue())
                                .containsEntry("ping", "PONG")
                                .containsKeys("outboxPending", "outboxDead");
                    } finally {
                        redis.deleteAllKeys();
                    }
                });
    }

    @Test
    void redisUriCreatesTheClientAndJdbcKeepsTheOrders() {
        String prefix = "boot-" + UUID.randomUUID() + ":";
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        runner.withBean(DataSource.class, () -> pool(db, "sa", ""))
                .withPropertyValues("orderkit.redis.uri=redis://127.0.0.1:6379", "orderkit.redis.key-prefix=" + prefix)
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(UnifiedJedis.class);
                    RedisBackend redis = ctx.getBean(RedisBackend.class);
                    JdbcBackend jdbc = ctx.getBean(JdbcBackend.class);
                    try {
                        assertThat(ctx.getBean(StockStorage.class)).isSameAs(redis.stockStorage());
                        assertThat(ctx.getBean(IdempotencyStore.class)).isSameAs(redis.idempotencyStore());
                        assertThat(ctx.getBean(OrderStore.class)).isSameAs(jdbc.orderStore());
                        // stock and keys are not in the order database: no shared step transactions
                        assertThat(ctx.getBean(KitRecipe.class).steps()).isNull();
                        Kits.placeOneOrder(ctx.getBean(OrderKit.class));
                    } finally {
                        redis.deleteAllKeys();
                    }
                });
    }

    /**
     * Redis stock records its events in the Redis outbox: the kit publishes it (with JDBC's outbox of
     * the orders) to the EventSink bean.
     */
    @Test
    void redisStockEventsAndJdbcOrderEventsReachTheEventSink() {
        String prefix = "boot-" + UUID.randomUUID() + ":";
        String db = "jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1";
        List<OrderKitEvent> received = new CopyOnWriteArrayList<>();
        runner.withBean(DataSource.class, () -> pool(db, "sa", ""))
                .withBean(EventSink.class, () -> received::add)
                .withPropertyValues(
                        "orderkit.redis.uri=redis://127.0.0.1:6379",
                        "orderkit.redis.key-prefix=" + prefix,
                        "orderkit.background.outbox-every=100ms")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    RedisBackend redis = ctx.getBean(RedisBackend.class);
                    try {
                        Kits.placeOneOrder(ctx.getBean(OrderKit.class));
                        long deadline =
                                System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        while ((redis.outboxStore().count(OutboxStore.Status.PENDING) > 0
                                        || received.stream().noneMatch(e -> e.type() == EventType.ORDER_CONFIRMED))
                                && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                        }
                        assertThat(received)
                                .extracting(OrderKitEvent::type)
                                .contains(
                                        EventType.ORDER_CREATED,
                                        EventType.STOCK_RESERVED,
                                        EventType.RESERVATION_COMMITTED,
                                        EventType.ORDER_CONFIRMED);
                        assertThat(redis.outboxStore().count(OutboxStore.Status.PENDING))
                                .as("pending Redis outbox events")
                                .isZero();
                        assertThat(redis.outboxStore().count(OutboxStore.Status.SENT))
                                .isPositive();
                    } finally {
                        redis.deleteAllKeys();
                    }
                });
    }

    /** Without an EventSink bean the Redis outbox is still drained (marked sent), so the purge can delete it. */
    @Test
    void withoutAnEventSinkTheRedisOutboxStillDrains() {
        String prefix = "boot-" + UUID.randomUUID() + ":";
        runner.withBean(UnifiedJedis.class, () -> RedisClient.create("127.0.0.1", 6379))
                .withPropertyValues("orderkit.redis.key-prefix=" + prefix, "orderkit.background.outbox-every=100ms")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(EventSink.class);
                    RedisBackend redis = ctx.getBean(RedisBackend.class);
                    try {
                        Kits.placeOneOrder(ctx.getBean(OrderKit.class));
                        long deadline =
                                System.nanoTime() + Duration.ofSeconds(30).toNanos();
                        while (redis.outboxStore().count(OutboxStore.Status.PENDING) > 0
                                && System.nanoTime() < deadline) {
                            Thread.sleep(50);
                        }
                        assertThat(redis.outboxStore().count(OutboxStore.Status.PENDING))
                                .as("pending Redis outbox events")
                                .isZero();
                        assertThat(redis.outboxStore().count(OutboxStore.Status.SENT))
                                .isPositive();
                    } finally {
                        redis.deleteAllKeys();
                    }
                });
    }

    @Test
    void redisCanBeSwitchedOffDespiteAClientBean() {
        runner.withBean(UnifiedJedis.class, () -> RedisClient.create("127.0.0.1", 6379))
                .withPropertyValues("orderkit.redis.enabled=false")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().doesNotHaveBean(RedisBackend.class);
                    assertThat(ctx.getBean(StockStorage.class)).isInstanceOf(InMemoryStockStorage.class);
                });
    }

    @Test
    void stripeApiKeyConfiguresPaymentsAndTheWebhookHandler() {
        runner.withPropertyValues("orderkit.stripe.api-key=sk_test_123", "orderkit.stripe.webhook-secret=whsec_abc")
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed().hasSingleBean(StripeWebhookHandler.class);
                    StripePaymentPort port = ctx.getBean(StripePaymentPort.class);
                    assertThat(ctx.getBean(KitRecipe.class).payments()).isSameAs(port);
                    assertThat(port.toString()).doesNotContain("sk_test_123");
                });
        runner.withPropertyValues("orderkit.stripe.api-key=sk_test_123").run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(StripePaymentPort.class);
            assertThat(ctx).doesNotHaveBean(StripeWebhookHandler.class);
        });
    }

    @Test
    void userBeansWin() {
        InMemoryStockStorage mine = new InMemoryStockStorage();
        runner.withBean(StockStorage.class, () -> mine)
                .withBean(
                        "myCustomizer",
                        OrderKitBuilderCustomizer.class,
                        () -> b -> b.keyRetention(Duration.ofMinutes(3)))
                .run(ctx -> {
                    assertThat(ctx).hasNotFailed();
                    assertThat(ctx.getBean(StockStorage.class)).isSameAs(mine);
                    assertThat(ctx.getBean(KitRecipe.class).stock()).isSameAs(mine);
                    OrderKit kit = ctx.getBean(OrderKit.class);
                    assertThat(kit.config().keyRetention()).isEqualTo(Duration.ofMinutes(3));
                    assertThat(kit.config().stockStorage()).isSameAs(mine);
                });
        runner.withUserConfiguration(OwnKit.class).run(ctx -> {
            assertThat(ctx).hasNotFailed().hasSingleBean(OrderKit.class);
            assertThat(ctx.getBean(OrderKit.class)).isSameAs(OwnKit.KIT);
        });
    }

    @Test
    void kitHealthCountsParkedOrders() {
        runner.run(ctx -> {
            Map.Entry<String, Map<String, Object>> health = Kits.health(ctx.getBean("orderkitHealthIndicator"));
            assertThat(health.getKey()).isEqualTo("UP");
            assertThat(health.getValue()).containsEntry("parkedOrders", 0).containsEntry("background", "running");
        });
    }

    @Configuration(proxyBeanMethods = false)
    static class OwnKit {
        static final OrderKit KIT = OrderKit.builder().build();

        @Bean
        OrderKit myKit() {
            return KIT;
        }
    }

    static HikariDataSource pool(String url, String user, String password) {
        HikariDataSource ds = new HikariDataSource();
        ds.setJdbcUrl(url);
        ds.setUsername(user);
        ds.setPassword(password);
        ds.setMaximumPoolSize(4);
        return ds;
    }

    static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement();
                ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    static void dropTables(DataSource ds, JdbcBackend jdbc) throws SQLException {
        try (Connection c = ds.getConnection();
                Statement s = c.createStatement()) {
            for (String t : jdbc.tableNames()) {
                s.execute("DROP TABLE IF EXISTS " + t + " CASCADE");
            }
            s.execute("DROP TABLE IF EXISTS " + jdbc.tablePrefix() + "schema_history CASCADE");
        }
    }
}
