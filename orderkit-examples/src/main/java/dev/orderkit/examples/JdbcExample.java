package dev.orderkit.examples;

import com.zaxxer.hikari.HikariDataSource;
import dev.orderkit.core.Background;
import dev.orderkit.core.OrderKit;
import dev.orderkit.core.payment.PaymentPort;
import dev.orderkit.core.spi.EventSink;
import dev.orderkit.jdbc.HikariPools;
import dev.orderkit.jdbc.JdbcBackend;

/**
 * Template: everything (stock, keys, orders, outbox) in one PostgreSQL / MySQL / MariaDB / H2
 * database, shared by every instance of the application; the kit runs recovery, expiry of due
 * holds and outbox publishing itself ({@link Background}).
 */
public final class JdbcExample {
    private JdbcExample() {}

    /**
     * A running application wiring: the kit (with its background work) and its pool.
     *
     * @param kit the kit
     * @param pool the connection pool
     */
    public record App(OrderKit kit, HikariDataSource pool) implements AutoCloseable {
        @Override
        public void close() {
            kit.close(); // stops the background work first: it uses the pool
            pool.close();
        }
    }

    /**
     * Starts the wiring.
     *
     * @param jdbcUrl e.g. {@code jdbc:postgresql://db:5432/shop} or {@code jdbc:h2:mem:shop}
     * @param user database user
     * @param password database password
     * @param tablePrefix prefix of orderkit's tables, e.g. {@code ok_}
     * @param payments the payment gateway
     * @param events where published events go (your message broker)
     * @return the running app; close it on shutdown
     */
    public static App start(
            String jdbcUrl, String user, String password, String tablePrefix, PaymentPort payments, EventSink events) {
        // README:jdbc
        HikariDataSource pool = HikariPools.recommended(jdbcUrl, user, password, 16);
        JdbcBackend db = JdbcBackend.builder()
                .dataSource(pool)
                .tablePrefix(tablePrefix)
                .migrateOnBuild(true) // or run db/orderkit/<dialect>/V*__*.sql with Flyway
                .build();
        OrderKit kit = OrderKit.builder()
                .stockStorage(db.stockStorage())
                .idempotencyStore(db.idempotencyStore())
                .orderStore(db.orderStore()) // order changes + their events commit in one transaction
                .stepTransactions(db.stepTransactions()) // each step + its recovery point: one transaction
                .paymentPort(payments)
                .background(Background.on()) // recovery, hold expiry, outbox publishing; on every instance
                .outboxPublishing(db.outboxPublisher(events)) // claimed batches: no event sent twice
                .build();
        // on shutdown: kit.close() (stops the background work), then pool.close()
        // END
        return new App(kit, pool);
    }
}
